"""Polling state: which feeds are due, what is already stored, and the one transaction
that records a poll.

A successful poll is recorded by :func:`store_poll` in ONE transaction: the feed's new
state (validators, body digest, next poll time, failure count reset, ``initialized``)
together with its new articles, their full-text rows and their outbox rows. If anything
fails, nothing of the poll is kept and the next poll sees the same body again.

The first successful poll of a feed (``initialized = 0``) stores its items without
creating outbox rows (DESIGN.md: a new feed does not push its whole backlog); later
polls enqueue every new article for the chats it matches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.dedup.urls import canonical_feed_url
from bot.models import Article
from bot.storage._articles import ArticleWriter, Prepared
from bot.storage._feeds import FEED_COLUMNS, Feed
from bot.storage._feeds import get as get_feed

if TYPE_CHECKING:
    from bot.storage._db import Database

__all__ = [
    "ERROR_CHARS",
    "Polling",
    "StoreResult",
    "StoryLookup",
    "due_feeds",
    "known_keys",
    "listed_by",
    "mark_due",
    "next_due_at",
    "recent_stories",
    "record_failure",
    "resume",
    "set_paused",
    "store_poll",
]

ERROR_CHARS = 500  # last_error is for admins: one readable line, not a dump
_CHUNK = 400  # SQLite host parameters per IN (...) list, well under the limit


class StoryLookup(Protocol):
    """What :func:`store_poll` needs from a story index (``bot.ingest.stories``)."""

    def find(self, fp: int) -> int | None: ...

    def add(self, story: int, fp: int, at: float | None = None) -> bool: ...

    def remove(self, story: int) -> None: ...


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What a recorded poll did. ``found`` is False when the feed was deleted meanwhile,
    ``paused`` True when an admin paused it meanwhile (either way nothing was written:
    after /resumefeed the next poll reads the same body again). ``enqueued`` says outbox
    rows were allowed (the feed was initialized before this poll); ``queued`` counts the
    rows created; ``joined`` counts the new articles that joined an existing story;
    ``stale`` the new articles published too long ago to be pushed (``push_after``);
    ``moved``: the feed's URL was updated to where it permanently redirects
    (``moved_to``)."""

    found: bool
    stored: list[int] = field(default_factory=list)
    queued: int = 0
    enqueued: bool = False
    joined: int = 0
    stale: int = 0
    moved: bool = False
    paused: bool = False


def due_feeds(conn: sqlite3.Connection, now: float, exclude: Collection[int] = (),
              limit: int = 10_000) -> list[Feed]:
    """Enabled feeds whose ``next_poll_at`` has passed, most overdue first."""
    rows = conn.execute(
        f"SELECT {FEED_COLUMNS} FROM feeds WHERE paused = 0 AND disabled_reason IS NULL"
        " AND next_poll_at <= ? ORDER BY next_poll_at, id LIMIT ?",
        (now, limit + len(exclude)),
    ).fetchall()
    feeds = [Feed.from_row(r) for r in rows if r["id"] not in exclude]
    return feeds[:limit]


def next_due_at(conn: sqlite3.Connection) -> float | None:
    """When the next enabled feed is due (None without enabled feeds)."""
    return conn.execute(
        "SELECT MIN(next_poll_at) FROM feeds WHERE paused = 0 AND disabled_reason IS NULL"
    ).fetchone()[0]


def known_keys(conn: sqlite3.Connection, feed_id: int, urls: Sequence[str],
               guids: Sequence[str]) -> tuple[set[str], set[str]]:
    """(stored URLs among ``urls`` (any feed), stored GUIDs among ``guids`` (this feed))."""
    known_urls: set[str] = set()
    known_guids: set[str] = set()
    unique_urls = list(dict.fromkeys(urls))
    for i in range(0, len(unique_urls), _CHUNK):
        chunk = unique_urls[i : i + _CHUNK]
        rows = conn.execute(
            f"SELECT url FROM articles WHERE url IN ({','.join('?' * len(chunk))})", chunk)
        known_urls.update(r[0] for r in rows)
    unique_guids = list(dict.fromkeys(guids))
    for i in range(0, len(unique_guids), _CHUNK):
        chunk = unique_guids[i : i + _CHUNK]
        rows = conn.execute(
            "SELECT guid FROM articles WHERE feed_id = ? AND guid IN"
            f" ({','.join('?' * len(chunk))})", [feed_id, *chunk])
        known_guids.update(r[0] for r in rows)
    return known_urls, known_guids


def listed_by(conn: sqlite3.Connection, feed_id: int) -> bytes | None:
    """What the feed's latest parsed version listed (``feeds.listed``,
    :mod:`bot.storage._listing`); None when nothing is recorded."""
    row = conn.execute("SELECT listed FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return bytes(row[0]) if row is not None and row[0] is not None else None


def recent_stories(conn: sqlite3.Connection, since: float) -> list[tuple[int, int, float]]:
    """(story id, fingerprint, fetched at) of articles fetched since ``since``, oldest
    first (the first row of a story is its founder)."""
    rows = conn.execute(
        "SELECT story_id, fingerprint, fetched_at FROM articles WHERE fetched_at >= ?"
        " AND fingerprint IS NOT NULL AND fingerprint <> 0 AND story_id IS NOT NULL"
        " ORDER BY id", (since,))
    return [(r[0], r[1], r[2]) for r in rows]


def store_poll(
    conn: sqlite3.Connection,
    feed_id: int,
    articles: Sequence[Prepared | tuple[Article, int]],
    *,
    now: float,
    next_poll_at: float,
    etag: str | None,
    last_modified: str | None,
    body_hash: str | None = None,
    stories: StoryLookup | None = None,
    push_after: float | None = None,
    moved_to: str | None = None,
    listed: bytes | None = None,
) -> StoreResult:
    """Record a successful poll: the feed's state and its new articles (oldest first:
    :class:`Prepared` ones, or ``(article, fingerprint)`` pairs), in the caller's
    transaction. ``body_hash`` None keeps the stored digest (a 304 has no body). Articles
    already stored are skipped; those published before ``push_after`` get no outbox rows.
    ``moved_to``: the feed's new address after permanent redirects, stored (canonical)
    unless the feed comes from the config file (the file names it) or a feed has that
    address in any spelling (``StoreResult.moved`` says whether it was). ``listed``: what
    the parsed version of the feed lists (:func:`bot.storage._listing.listing`); None
    keeps the stored one. Nothing is written for a feed deleted or paused meanwhile."""
    row = conn.execute("SELECT initialized, paused FROM feeds WHERE id = ?",
                       (feed_id,)).fetchone()
    if row is None:
        return StoreResult(found=False)
    if row[1]:
        return StoreResult(found=True, paused=True)
    enqueue = bool(row[0])
    writer = ArticleWriter(conn, enqueue=enqueue and bool(articles), push_after=push_after)
    stored: list[int] = []
    founded: list[int] = []
    joined = 0
    try:
        for item in articles:
            if not isinstance(item, Prepared):
                item = Prepared(*item)
            fp = item.fingerprint
            story = stories.find(fp) if stories is not None and fp else None
            article_id = writer.add(item, story_id=story)
            if article_id is None:
                continue
            stored.append(article_id)
            if story is not None:
                joined += 1
            elif stories is not None and fp and stories.add(article_id, fp, now):
                founded.append(article_id)
        queued = writer.flush()
        moved_to = canonical_feed_url(moved_to) if moved_to else None
        moved = bool(moved_to) and conn.execute(
            "UPDATE feeds SET url = ? WHERE id = ? AND origin != 'config'"
            " AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ?)",
            (moved_to, feed_id, moved_to)).rowcount > 0
        conn.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, body_hash = COALESCE(?, body_hash),"
            " listed = COALESCE(?, listed), initialized = 1, next_poll_at = ?,"
            " last_polled_at = ?, last_success_at = ?, consecutive_failures = 0 WHERE id = ?",
            (etag, last_modified, body_hash, listed, next_poll_at, now, now, feed_id),
        )
    except BaseException:
        if stories is not None:
            for story_id in founded:  # the transaction is rolled back: forget them too
                stories.remove(story_id)
        raise
    return StoreResult(True, stored, queued, enqueue, joined, writer.stale, moved)


def failure_reason(failures: int, error: str) -> str:
    """The ``disabled_reason`` of a feed disabled after ``failures`` failed polls."""
    return f"{failures} failed polls in a row; last: {' '.join(error.split())[:ERROR_CHARS]}"


def record_failure(
    conn: sqlite3.Connection,
    feed_id: int,
    *,
    now: float,
    error: str,
    kind: str,
    schedule: Callable[[int], float],
    max_failures: int,
    resumes: int,
    disable_now: str | None = None,
) -> tuple[int, bool]:
    """Record a failed poll. ``schedule(failures)`` gives the next poll time for the new
    count of failures in a row. After ``max_failures`` the feed is disabled with a reason
    that names the last error; with ``disable_now`` (the reason) at once. Returns
    (failures in a row, disabled now). Nothing is written for a feed deleted, paused by
    an admin while it was polled (it is not counted, nor disabled, while paused), or
    resumed since the poll began: ``resumes``, the feed's :attr:`Feed.resumes` when the
    poll read it, is not the stored count (the resume wins: the failure of a poll that
    started before it is not counted against the resumed feed, nor disables it)."""
    row = conn.execute(
        "SELECT consecutive_failures, disabled_reason, paused, resumes FROM feeds"
        " WHERE id = ?", (feed_id,)).fetchone()
    if row is None:
        return 0, False
    if row[2] or row[3] != resumes:
        return int(row[0]), False
    failures = int(row[0]) + 1
    # any lone surrogate (text decoded with surrogateescape) as "?": SQLite refuses it, and
    # a failure that cannot be recorded is a feed polled again at once, forever
    error = " ".join(error.encode("utf-8", "replace").decode("utf-8").split())[:ERROR_CHARS]
    disable = row[1] is None and (disable_now is not None
                                  or (max_failures > 0 and failures >= max_failures))
    reason = (disable_now or failure_reason(failures, error))[:ERROR_CHARS] if disable else None
    conn.execute(
        "UPDATE feeds SET last_polled_at = ?, last_error = ?, last_error_kind = ?,"
        " last_error_at = ?, consecutive_failures = ?, next_poll_at = ?,"
        " disabled_reason = COALESCE(?, disabled_reason) WHERE id = ?",
        (now, error, kind, now, failures, schedule(failures), reason, feed_id),
    )
    return failures, disable


def mark_due(conn: sqlite3.Connection, feed_id: int | None = None) -> int:
    """Make one enabled feed (or all of them) due now. Returns how many."""
    if feed_id is None:
        return conn.execute(
            "UPDATE feeds SET next_poll_at = 0 WHERE paused = 0 AND disabled_reason IS NULL"
        ).rowcount
    return conn.execute(
        "UPDATE feeds SET next_poll_at = 0 WHERE id = ? AND paused = 0"
        " AND disabled_reason IS NULL", (feed_id,)).rowcount


def set_paused(conn: sqlite3.Connection, feed_id: int, paused: bool) -> bool:
    """Pause (skip in polling) or unpause a feed. Unpausing makes it due now."""
    if paused:
        sql = "UPDATE feeds SET paused = 1 WHERE id = ?"
    else:
        sql = "UPDATE feeds SET paused = 0, next_poll_at = 0 WHERE id = ?"
    return conn.execute(sql, (feed_id,)).rowcount > 0


def resume(conn: sqlite3.Connection, feed_id: int) -> Feed | None:
    """/resumefeed: unpause a feed, re-enable one disabled after failures, clear the
    failure count and make it due now, in one transaction with reading it: returns the
    feed as it was just before (None: no such feed), so what the admin is told is what
    changed, even when a poll disabled it a moment earlier. Counting the resume
    (``resumes``) makes a poll under way count no failure when it ends
    (:func:`record_failure`). A feed enabled and without failures is left as it is."""
    before = get_feed(conn, feed_id)
    if before is not None and (not before.enabled or before.consecutive_failures):
        conn.execute(
            "UPDATE feeds SET disabled_reason = NULL, consecutive_failures = 0, paused = 0,"
            " next_poll_at = 0, resumes = resumes + 1 WHERE id = ?", (feed_id,))
    return before


class Polling:
    """Async API over the polling state (see the module functions)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(self, now: float, exclude: Collection[int] = (),
                  limit: int = 10_000) -> list[Feed]:
        return await self._db.read(lambda c: due_feeds(c, now, exclude, limit))

    async def next_due_at(self) -> float | None:
        return await self._db.read(next_due_at)

    async def mark_due(self, feed_id: int | None = None) -> int:
        return await self._db.write(lambda c: mark_due(c, feed_id))

    async def set_paused(self, feed_id: int, paused: bool) -> bool:
        return await self._db.write(lambda c: set_paused(c, feed_id, paused))

    async def resume(self, feed_id: int) -> Feed | None:
        return await self._db.write(lambda c: resume(c, feed_id))
