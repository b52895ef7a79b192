"""Feeds: the configured sources and their polling state.

A feed's URL is stored in its canonical spelling (:func:`bot.dedup.urls.canonical_feed_url`:
scheme and host lower-cased, default port dropped ...) and looked up by it, so every path
that adds a feed (config file, CLI, OPML, ``/addfeed``) finds one already stored under
another spelling instead of adding it twice. :func:`add` is the only INSERT.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.controls import clean_label
from bot.dedup.urls import canonical_feed_url
from bot.storage._admin import subscribers as feed_subscribers
from bot.storage._matching import drop_unwanted
from bot.storage._util import now

if TYPE_CHECKING:
    from bot.config import FeedConfig
    from bot.storage._db import Database


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    name: str
    category: str
    is_default: bool
    origin: str
    interval_seconds: int | None
    paused: bool
    disabled_reason: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    initialized: bool
    next_poll_at: float
    last_polled_at: float | None
    last_success_at: float | None
    last_error: str | None
    last_error_kind: str | None
    last_error_at: float | None
    consecutive_failures: int
    created_at: float
    resumes: int = 0  # times /resumefeed changed it (bot.storage._polling.resume)

    @property
    def enabled(self) -> bool:
        return not self.paused and self.disabled_reason is None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Feed:
        """From a row of ``SELECT {FEED_COLUMNS} FROM feeds`` (not ``*``: the table also
        holds ``listed``, a BLOB only retention reads)."""
        d = dict(row)
        for key in ("is_default", "paused", "initialized"):
            d[key] = bool(d[key])
        return cls(**d)


FEED_COLUMNS = ", ".join(f.name for f in fields(Feed))


def list_feeds(conn: sqlite3.Connection) -> list[Feed]:
    return [Feed.from_row(r)
            for r in conn.execute(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY id")]


def get(conn: sqlite3.Connection, feed_id: int) -> Feed | None:
    row = conn.execute(f"SELECT {FEED_COLUMNS} FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return Feed.from_row(row) if row else None


def get_by_url(conn: sqlite3.Connection, url: str) -> Feed | None:
    """The feed stored under ``url`` in any spelling of it (see the module docstring)."""
    row = conn.execute(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ?",
                       (canonical_feed_url(url),)).fetchone()
    return Feed.from_row(row) if row else None


def add(conn: sqlite3.Connection, url: str, name: str, category: str = "",
        is_default: bool = False, origin: str = "admin",
        interval_seconds: int | None = None) -> tuple[Feed, bool]:
    """Add a feed (or return the existing one with that URL in any spelling). Returns
    (feed, created). The URL is stored canonical; the name and category as
    :func:`bot.controls.clean_label` gives them (the name defaults to the URL's host)."""
    url = canonical_feed_url(url)
    existing = get_by_url(conn, url)
    if existing:
        return existing, False
    name = clean_label(name) or urlsplit(url).hostname or url
    category = clean_label(category)
    cur = conn.execute(
        "INSERT INTO feeds (url, name, category, is_default, origin, interval_seconds,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (url, name, category, int(is_default), origin, interval_seconds, now()),
    )
    feed = get(conn, int(cur.lastrowid or 0))
    assert feed is not None
    return feed, True


def remove(conn: sqlite3.Connection, feed_id: int) -> bool:
    """Delete a feed; its subscriptions go with it, its articles stay (feed_id -> NULL).
    Rows of its articles still to send to chats that were subscribed to it are dropped,
    unless another subscription of the chat wants them (its category, a keyword)."""
    drop_unwanted(conn, "a.feed_id = ? AND o.chat_id IN (SELECT chat_id FROM subscriptions"
                        " WHERE kind = 'feed' AND feed_id = ?)", (feed_id, feed_id),
                  "source removed", feed_gone=feed_id)
    return conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,)).rowcount > 0


def sync_config(conn: sqlite3.Connection, feeds: tuple[FeedConfig, ...]) -> dict[str, int]:
    """Make the config-origin feeds match the config file: add new ones, update names,
    categories, default flags and intervals, and delete those no longer listed.
    Feeds added by admins, OPML or the CLI are left alone, except that a config feed
    already stored under another origin (in any spelling of its URL) becomes a config
    feed. Returns counts."""
    counts = {"added": 0, "updated": 0, "removed": 0}
    listed = set()
    for fc in feeds:
        url = canonical_feed_url(fc.url)
        listed.add(url)
        row = conn.execute("SELECT id, origin FROM feeds WHERE url = ?", (url,)).fetchone()
        if row is None:
            add(conn, url, fc.name, fc.category, fc.default, "config", fc.interval_seconds)
            counts["added"] += 1
        else:
            cur = conn.execute(
                "UPDATE feeds SET name = ?, category = ?, is_default = ?, interval_seconds = ?,"
                " origin = 'config' WHERE id = ? AND (name IS NOT ? OR category IS NOT ? OR"
                " is_default IS NOT ? OR interval_seconds IS NOT ? OR origin <> 'config')",
                (fc.name, fc.category, int(fc.default), fc.interval_seconds, row["id"],
                 fc.name, fc.category, int(fc.default), fc.interval_seconds),
            )
            counts["updated"] += cur.rowcount
    for row in conn.execute("SELECT id, url FROM feeds WHERE origin = 'config'").fetchall():
        if row["url"] not in listed:
            remove(conn, row["id"])
            counts["removed"] += 1
    return counts


class Feeds:
    """Async API over the feeds table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self) -> list[Feed]:
        return await self._db.read(list_feeds)

    async def get(self, feed_id: int) -> Feed | None:
        return await self._db.read(lambda c: get(c, feed_id))

    async def add(self, url: str, name: str, category: str = "", is_default: bool = False,
                  origin: str = "admin") -> tuple[Feed, bool]:
        return await self._db.write(lambda c: add(c, url, name, category, is_default, origin))

    async def remove(self, feed_id: int) -> bool:
        return await self._db.write(lambda c: remove(c, feed_id))

    async def remove_within(self, feed_id: int,
                            subscribers: Collection[int]) -> tuple[bool, frozenset[int]]:
        """:meth:`remove`, only while every chat subscribed to the feed is among
        ``subscribers`` (the chats whose gates the caller holds, ``bot.delivery.gates``):
        (removed, the other subscribers). With others, nothing changes: they subscribed
        since the caller looked."""
        def run(c: sqlite3.Connection) -> tuple[bool, frozenset[int]]:
            if others := frozenset(feed_subscribers(c, feed_id)).difference(subscribers):
                return False, others
            return remove(c, feed_id), frozenset()

        return await self._db.write(run)

    async def sync_config(self, feeds: tuple[FeedConfig, ...]) -> dict[str, int]:
        return await self._db.write(lambda c: sync_config(c, feeds))
