"""Figures for the operations endpoint (/healthz and the /metrics outbox gauges).

Rows of digest-mode chats (their news; broadcasts are not subject to digest mode) are
not sent by the worker: they wait for the chat's next digest, up to a day. They are
counted apart (:attr:`OpsSnapshot.digest_waiting`) and given per chat
(:class:`DigestBacklog`), so that their wait is not read as a stalled queue: when they
become due is the digest schedule's business (``bot.delivery.schedule.digest_due_since``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage._db import Database

#: An outbox row (alias ``o``, its chat ``c``) that waits for a digest, not for the worker.
DIGEST_ROW = "o.broadcast_id IS NULL AND c.digest <> 'off'"


@dataclass(frozen=True, slots=True)
class DigestBacklog:
    """The headlines one active digest-mode chat has waiting for its digest."""

    mode: str  # hourly | daily
    digest_time: str | None
    timezone: str
    last_digest_at: float | None
    oldest_created_at: float
    rows: int


@dataclass(frozen=True, slots=True)
class OpsSnapshot:
    #: outbox rows waiting (pending) or being sent (sending), digest rows included
    outbox_pending: int
    #: the earliest moment a row the worker sends became due: max(created_at, not_before)
    #: of the oldest such row that is due now (None when nothing is due; rows held back by
    #: a retry delay (429 or a failed attempt) do not count until their ``not_before``,
    #: nor do rows waiting for a digest; quiet hours hold nothing back, news goes silently)
    oldest_due_at: float | None
    #: feeds that are neither paused nor disabled (nothing to poll when 0)
    enabled_feeds: int
    #: of :attr:`outbox_pending`, the rows waiting for their chat's digest
    digest_waiting: int = 0
    #: those rows, per chat
    digests: tuple[DigestBacklog, ...] = ()


def oldest_to_send(conn: sqlite3.Connection) -> float | None:
    """Creation time of the oldest row still to send (pending or in flight) that is not
    waiting for a digest."""
    row = conn.execute(
        "SELECT MIN(o.created_at) FROM outbox o JOIN chats c ON c.id = o.chat_id"
        f" WHERE o.status IN ('pending','sending') AND NOT ({DIGEST_ROW})").fetchone()
    return None if row[0] is None else float(row[0])


def digest_waiting(conn: sqlite3.Connection) -> int:
    """Rows still to send (pending or in flight) that wait for their chat's digest."""
    return int(conn.execute(
        "SELECT COUNT(*) FROM outbox o JOIN chats c ON c.id = o.chat_id"
        f" WHERE o.status IN ('pending','sending') AND {DIGEST_ROW}").fetchone()[0])


def snapshot(conn: sqlite3.Connection, now: float) -> OpsSnapshot:
    pending = conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE status IN ('pending','sending')").fetchone()[0]
    oldest = conn.execute(
        "SELECT MIN(MAX(o.created_at, o.not_before)) FROM outbox o JOIN chats c"
        " ON c.id = o.chat_id WHERE o.status = 'pending' AND o.not_before <= ?"
        f" AND NOT ({DIGEST_ROW})", (now,)).fetchone()[0]
    feeds = conn.execute(
        "SELECT COUNT(*) FROM feeds WHERE paused = 0 AND disabled_reason IS NULL").fetchone()[0]
    digests = tuple(DigestBacklog(*r) for r in conn.execute(
        "SELECT c.digest, c.digest_time, c.timezone, c.last_digest_at, MIN(o.created_at),"
        " COUNT(*) FROM outbox o JOIN chats c ON c.id = o.chat_id"
        f" WHERE o.status IN ('pending','sending') AND {DIGEST_ROW} AND c.active = 1"
        " GROUP BY c.id"))
    return OpsSnapshot(int(pending or 0), None if oldest is None else float(oldest),
                       int(feeds or 0), sum(d.rows for d in digests), digests)


class Ops:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def snapshot(self, now: float) -> OpsSnapshot:
        return await self._db.read(lambda c: snapshot(c, now))
