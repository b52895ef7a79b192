"""Retention: prune what is old and no longer needed, then let SQLite tidy up.

What goes, and what never does:

- **outbox** rows in a final state (sent, failed, dropped, cancelled) whose last event
  (``sent_at``, else ``created_at``) is older than ``outbox_days``. Pending and sending
  rows are never touched, however old.
- **broadcasts** that are done or cancelled, finished (``finished_at``, else
  ``created_at``) more than ``outbox_days`` ago, and have no pending/sending outbox row
  (deleting one cascades to its outbox rows).
- **articles** fetched (``fetched_at``: when *we* stored it; ``published_at`` comes from
  the feed and may be anything) more than ``articles_days`` ago, unless a pending or
  sending outbox row still needs it or a draft/sending broadcast points at it. Its
  ``articles_fts`` row (rowid = article id) is deleted in the same transaction; its final
  outbox rows go with it (ON DELETE CASCADE). An article its feed still lists is kept
  (:mod:`bot.storage._listing`; counted in ``PruneResult.listed``): deleted, it would be
  stored again, as news, at the feed's next change. Not for a disabled feed.

Articles are deleted in batches of :data:`BATCH` per transaction so the single writer is
never held for long (delivery and ingestion write between batches). Afterwards
``PRAGMA optimize`` refreshes the planner statistics, and ``wal_checkpoint(TRUNCATE)``
gives the disk space of a large prune's WAL back (the freed pages inside the main file
are reused by later inserts; a full VACUUM is left to the operator, see README).
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.storage._fts import unindex_articles
from bot.storage._listing import is_listed, listed_keys

if TYPE_CHECKING:
    from bot.storage._db import Database

T = TypeVar("T")
DAY = 86400.0
BATCH = 500  # ~0.1 s of writer time per transaction with 1.5 KB texts (measured)

FINAL_OUTBOX = "('sent','failed','dropped','cancelled')"
LIVE_OUTBOX = "('pending','sending')"


@dataclass
class PruneResult:
    outbox: int = 0
    broadcasts: int = 0
    articles: int = 0
    listed: int = 0  # old articles kept because their feed still lists them
    batches: int = 0
    seconds: float = 0.0
    wal_bytes_before: int | None = None
    wal_bytes_after: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def prune_outbox(conn: sqlite3.Connection, cutoff: float) -> int:
    """Delete final outbox rows whose last event is before ``cutoff``."""
    return conn.execute(
        f"DELETE FROM outbox WHERE status IN {FINAL_OUTBOX}"
        " AND COALESCE(sent_at, created_at) < ?", (cutoff,)).rowcount


def prune_broadcasts(conn: sqlite3.Connection, cutoff: float) -> int:
    """Delete finished broadcasts older than ``cutoff`` that no live outbox row needs."""
    return conn.execute(
        "DELETE FROM broadcasts WHERE status IN ('done','cancelled')"
        " AND COALESCE(finished_at, created_at) < ?"
        f" AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = broadcasts.id"
        f"                 AND o.status IN {LIVE_OUTBOX})", (cutoff,)).rowcount


def feed_listings(conn: sqlite3.Connection) -> dict[int, frozenset[bytes]]:
    """feed id -> the digests of what it lists now (:mod:`bot.storage._listing`), for
    the feeds that are not disabled (a disabled feed is not polled again: what it listed
    last protects nothing)."""
    rows = conn.execute(
        "SELECT id, listed FROM feeds WHERE listed IS NOT NULL AND disabled_reason IS NULL")
    return {r[0]: listed_keys(r[1]) for r in rows}


_NO_KEYS: frozenset[bytes] = frozenset()


def prunable_articles(conn: sqlite3.Connection, cutoff: float, limit: int, after: int = 0,
                      listings: dict[int, frozenset[bytes]] | None = None,
                      ) -> tuple[list[int], int, int | None]:
    """(ids of the articles to delete, how many were kept because their feed still lists
    them, the last id looked at): up to ``limit`` articles with an id above ``after``,
    fetched before ``cutoff``, that no live outbox row or draft broadcast needs, minus
    those their feed still lists (``listings``, from :func:`feed_listings`). The last id
    is None when no such article is left."""
    rows = conn.execute(
        "SELECT a.id, a.feed_id, a.url, a.guid FROM articles a"
        " WHERE a.id > ? AND a.fetched_at < ?"
        f" AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.article_id = a.id"
        f"                 AND o.status IN {LIVE_OUTBOX})"
        " AND NOT EXISTS (SELECT 1 FROM broadcasts b WHERE b.article_id = a.id"
        "                 AND b.status IN ('draft','sending'))"
        " ORDER BY a.id LIMIT ?", (after, cutoff, limit)).fetchall()
    if not rows:
        return [], 0, None
    listings = listings or {}
    ids = [r[0] for r in rows
           if not is_listed(listings.get(r[1], _NO_KEYS), r[2], r[3])]
    return ids, len(rows) - len(ids), rows[-1][0]


def prune_articles_batch(conn: sqlite3.Connection, cutoff: float, limit: int = BATCH,
                         after: int = 0, listings: dict[int, frozenset[bytes]] | None = None,
                         ) -> tuple[int, int, int | None]:
    """Delete one batch of :func:`prunable_articles` and their index rows: (deleted,
    kept as still listed, the id to continue after or None when done)."""
    ids, kept, last = prunable_articles(conn, cutoff, limit, after, listings)
    if ids:
        unindex_articles(conn, ids)
        conn.executemany("DELETE FROM articles WHERE id = ?", [(i,) for i in ids])
    return len(ids), kept, last


def prune_small_tables(conn: sqlite3.Connection, outbox_cutoff: float) -> tuple[int, int]:
    """Outbox, then broadcasts (one transaction): (outbox rows, broadcasts) deleted."""
    return prune_outbox(conn, outbox_cutoff), prune_broadcasts(conn, outbox_cutoff)


def optimize(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA optimize")


def checkpoint_truncate(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(TRUNCATE)`` (must run outside a transaction):
    (busy, wal frames, frames checkpointed)."""
    row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def _wal_size(path: str) -> int | None:
    try:
        return os.path.getsize(path + "-wal")
    except OSError:
        return None


def run_outside_transaction(db: Database, fn: Callable[[sqlite3.Connection], T]) -> Awaitable[T]:
    """Run ``fn(conn)`` on the writer thread with no BEGIN around it (a checkpoint cannot
    run inside a transaction). The writer thread runs one call at a time, so this cannot
    interleave with a ``Database.write`` transaction."""
    writer = db._writer
    return writer._execute(fn, writer._conn)


class Maintenance:
    """Async API: ``await storage.maintenance.prune(articles_days=, outbox_days=)``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def prune(self, *, articles_days: float, outbox_days: float,
                    now: float | None = None, batch: int = BATCH,
                    checkpoint: bool = True) -> PruneResult:
        start = time.perf_counter()
        now = time.time() if now is None else now
        result = PruneResult()
        outbox_cutoff = now - outbox_days * DAY
        article_cutoff = now - articles_days * DAY
        result.outbox, result.broadcasts = await self._db.write(
            lambda c: prune_small_tables(c, outbox_cutoff))
        listings = await self._db.read(feed_listings)
        after: int | None = 0
        while after is not None:
            n, kept, after = await self._db.write(functools.partial(
                prune_articles_batch, cutoff=article_cutoff, limit=batch, after=after,
                listings=listings))
            result.listed += kept
            if n:
                result.articles += n
                result.batches += 1
        await self._db.write(optimize)
        if checkpoint and self._db.path != ":memory:":
            result.wal_bytes_before = _wal_size(self._db.path)
            await run_outside_transaction(self._db, checkpoint_truncate)
            result.wal_bytes_after = _wal_size(self._db.path)
        result.seconds = round(time.perf_counter() - start, 3)
        return result
