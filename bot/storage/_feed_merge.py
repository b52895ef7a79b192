"""One row per feed: store every feed URL canonical and merge the rows that turn out to be
the same feed (schema version 7, :func:`bot.storage._schema._v7_canonical_feed_urls`,
which states the merge rule).

Before version 7 only the config file compared feed URLs loosely; ``newsbot feeds add``,
OPML import and ``/addfeed`` compared them exactly, so ``https://A.EXAMPLE/rss`` and
``https://a.example/rss`` could both be stored and both polled.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bot.dedup.urls import canonical_feed_url
from bot.storage._listing import listed_keys

__all__ = ["MergedFeed", "canonicalize_feed_urls"]

log = logging.getLogger(__name__)
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class MergedFeed:
    """What merging ``dropped`` into ``kept`` moved."""

    kept: int
    dropped: int
    url: str
    subscriptions_moved: int
    subscriptions_dropped: int  # the chat had the kept feed already
    articles_moved: int
    guids_cleared: int  # the kept feed had an article with that GUID already


def _kept(rows: list[Row]) -> Row:
    """The oldest enabled row, else the oldest (``rows`` are in id order)."""
    enabled = [r for r in rows if not r["paused"] and r["disabled_reason"] is None]
    return (enabled or rows)[0]


def _union(blobs: list[bytes | None]) -> bytes | None:
    """The ``listed`` value listing what any of ``blobs`` lists (None when none does):
    retention keeps an article while its feed lists it, and the merged feed's articles
    come from all of them."""
    keys = set().union(*(listed_keys(b) for b in blobs))
    return b"".join(sorted(keys)) if keys else None


def _merge(conn: sqlite3.Connection, kept: int, dropped: int, url: str) -> MergedFeed:
    """Move what points at feed ``dropped`` to feed ``kept``, then delete ``dropped``."""
    moved_subs = conn.execute(
        "UPDATE OR IGNORE subscriptions SET feed_id = ?, value = CAST(? AS TEXT)"
        " WHERE kind = 'feed' AND (feed_id = ? OR value = CAST(? AS TEXT))",
        (kept, kept, dropped, dropped)).rowcount
    dropped_subs = conn.execute(  # left: the chat is subscribed to the kept feed already
        "DELETE FROM subscriptions WHERE kind = 'feed' AND (feed_id = ? OR value = CAST(? AS"
        " TEXT))", (dropped, dropped)).rowcount
    cleared = conn.execute(
        "UPDATE articles SET guid = NULL WHERE feed_id = ? AND guid IS NOT NULL AND guid IN"
        " (SELECT guid FROM articles WHERE feed_id = ? AND guid IS NOT NULL)",
        (dropped, kept)).rowcount
    moved_articles = conn.execute("UPDATE articles SET feed_id = ? WHERE feed_id = ?",
                                  (kept, dropped)).rowcount
    conn.execute("DELETE FROM feeds WHERE id = ?", (dropped,))
    return MergedFeed(kept, dropped, url, moved_subs, dropped_subs, moved_articles, cleared)


def canonicalize_feed_urls(conn: sqlite3.Connection) -> list[MergedFeed]:
    """Give every feed row its canonical URL, merging rows that share one (see the module
    docstring); in the caller's transaction. Returns what was merged."""
    groups: dict[str, list[Row]] = defaultdict(list)
    cur = conn.execute(
        "SELECT id, url, origin, is_default, paused, disabled_reason, initialized, listed"
        " FROM feeds ORDER BY id")
    names = [d[0] for d in cur.description]  # whatever the connection's row_factory
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        groups[canonical_feed_url(row["url"])].append(row)
    merged: list[MergedFeed] = []
    for url, rows in groups.items():
        kept = _kept(rows)
        for row in rows:
            if row["id"] != kept["id"]:
                merged.append(_merge(conn, kept["id"], row["id"], url))
        if len(rows) > 1:
            blobs = [r["listed"] for r in rows]
            conn.execute(
                "UPDATE feeds SET origin = ?, is_default = ?, initialized = ?, listed = ?"
                " WHERE id = ?",
                ("config" if any(r["origin"] == "config" for r in rows) else kept["origin"],
                 int(any(r["is_default"] for r in rows)),
                 int(any(r["initialized"] for r in rows)), _union(blobs), kept["id"]))
        if kept["url"] != url:  # after the deletes: a dropped row may have held ``url``
            conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (url, kept["id"]))
    for m in merged:
        log.warning("storage: feed #%d was another spelling of feed #%d (%s): merged into it "
                    "(%d subscription(s) moved, %d already there, %d article(s) moved)",
                    m.dropped, m.kept, m.url, m.subscriptions_moved,
                    m.subscriptions_dropped, m.articles_moved)
    return merged
