"""Figures for the operations endpoint (/healthz and the /metrics outbox gauges)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage._db import Database


@dataclass(frozen=True, slots=True)
class OpsSnapshot:
    #: outbox rows waiting (pending) or being sent (sending)
    outbox_pending: int
    #: the earliest moment a pending row became due: max(created_at, not_before) of the
    #: oldest row that is due now (None when nothing is due; rows held back by a retry
    #: delay or quiet hours do not count until their ``not_before``)
    oldest_due_at: float | None
    #: feeds that are neither paused nor disabled (nothing to poll when 0)
    enabled_feeds: int


def snapshot(conn: sqlite3.Connection, now: float) -> OpsSnapshot:
    pending = conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE status IN ('pending','sending')").fetchone()[0]
    oldest = conn.execute(
        "SELECT MIN(MAX(created_at, not_before)) FROM outbox"
        " WHERE status = 'pending' AND not_before <= ?", (now,)).fetchone()[0]
    feeds = conn.execute(
        "SELECT COUNT(*) FROM feeds WHERE paused = 0 AND disabled_reason IS NULL").fetchone()[0]
    return OpsSnapshot(int(pending or 0), None if oldest is None else float(oldest),
                       int(feeds or 0))


class Ops:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def snapshot(self, now: float) -> OpsSnapshot:
        return await self._db.read(lambda c: snapshot(c, now))
