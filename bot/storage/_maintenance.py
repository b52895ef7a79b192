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
  outbox rows go with it (ON DELETE CASCADE).

Articles are deleted in batches of :data:`BATCH` per transaction so the single writer is
never held for long (delivery and ingestion write between batches). Afterwards
``PRAGMA optimize`` refreshes the planner statistics, and ``wal_checkpoint(TRUNCATE)``
gives the disk space of a large prune's WAL back (the freed pages inside the main file
are reused by later inserts; a full VACUUM is left to the operator, see README).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

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


def prunable_articles(conn: sqlite3.Connection, cutoff: float, limit: int) -> list[int]:
    """Ids of up to ``limit`` articles fetched before ``cutoff`` that nothing still needs."""
    rows = conn.execute(
        "SELECT a.id FROM articles a WHERE a.fetched_at < ?"
        f" AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.article_id = a.id"
        f"                 AND o.status IN {LIVE_OUTBOX})"
        " AND NOT EXISTS (SELECT 1 FROM broadcasts b WHERE b.article_id = a.id"
        "                 AND b.status IN ('draft','sending'))"
        " ORDER BY a.id LIMIT ?", (cutoff, limit))
    return [r[0] for r in rows]


def prune_articles_batch(conn: sqlite3.Connection, cutoff: float, limit: int = BATCH) -> int:
    """Delete one batch of prunable articles and their index rows; return how many."""
    ids = prunable_articles(conn, cutoff, limit)
    if not ids:
        return 0
    params = [(i,) for i in ids]
    conn.executemany("DELETE FROM articles_fts WHERE rowid = ?", params)
    conn.executemany("DELETE FROM articles WHERE id = ?", params)
    return len(ids)


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
        while True:
            n = await self._db.write(lambda c: prune_articles_batch(c, article_cutoff, batch))
            if not n:
                break
            result.articles += n
            result.batches += 1
        await self._db.write(optimize)
        if checkpoint and self._db.path != ":memory:":
            result.wal_bytes_before = _wal_size(self._db.path)
            await run_outside_transaction(self._db, checkpoint_truncate)
            result.wal_bytes_after = _wal_size(self._db.path)
        result.seconds = round(time.perf_counter() - start, 3)
        return result
