"""The single-instance lease: one row in ``meta`` naming the process allowed to talk to
Telegram and send from this database.

The value is JSON ``{"owner", "acquired_at", "expires_at"}`` (Unix seconds). Every
function runs inside the caller's write transaction (``BEGIN IMMEDIATE``), so two
processes can never both see the lease free and both take it. The orchestration
(waiting as a standby, renewing, noticing a loss) is ``bot.ops.lease``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.storage import _meta

if TYPE_CHECKING:
    from bot.storage._db import Database

KEY = "instance_lease"


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    owner: str
    acquired_at: float
    expires_at: float

    def live(self, now: float) -> bool:
        return self.expires_at > now


def read(conn: sqlite3.Connection) -> LeaseRecord | None:
    raw = _meta.get(conn, KEY)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return LeaseRecord(str(data["owner"]), float(data["acquired_at"]),
                           float(data["expires_at"]))
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: treated as free (and overwritten by the next taker)


def _write(conn: sqlite3.Connection, record: LeaseRecord) -> None:
    _meta.put(conn, KEY, json.dumps({"owner": record.owner, "acquired_at": record.acquired_at,
                                     "expires_at": record.expires_at}))


def try_acquire(conn: sqlite3.Connection, owner: str, ttl: float, now: float,
                is_dead: Callable[[str], bool] = lambda owner: False,
                ) -> tuple[bool, LeaseRecord | None]:
    """Take the lease if it is free, expired, already ours, or held by an owner that
    ``is_dead`` knows to be gone (a crashed process on this host).

    Returns ``(True, our record)`` or ``(False, the live holder's record)``.
    """
    current = read(conn)
    if (current is not None and current.owner != owner and current.live(now)
            and not is_dead(current.owner)):
        return False, current
    acquired_at = current.acquired_at if current and current.owner == owner else now
    record = LeaseRecord(owner, acquired_at, now + ttl)
    _write(conn, record)
    return True, record


def renew(conn: sqlite3.Connection, owner: str, ttl: float,
          now: float) -> tuple[bool, LeaseRecord | None]:
    """Extend our lease. ``(False, holder)`` when the row names someone else or is gone:
    the lease was lost and the caller must stop sending."""
    current = read(conn)
    if current is None or current.owner != owner:
        return False, current
    record = LeaseRecord(owner, current.acquired_at, now + ttl)
    _write(conn, record)
    return True, record


def release(conn: sqlite3.Connection, owner: str) -> bool:
    """Delete the lease if it is ours (a clean stop: a standby may take over at once)."""
    current = read(conn)
    if current is None or current.owner != owner:
        return False
    conn.execute("DELETE FROM meta WHERE key = ?", (KEY,))
    return True


class Lease:
    """Async API over the lease row (see ``bot.ops.lease.InstanceLease`` for the loop)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def read(self) -> LeaseRecord | None:
        return await self._db.read(read)

    async def try_acquire(self, owner: str, ttl: float, now: float,
                          is_dead: Callable[[str], bool] = lambda owner: False,
                          ) -> tuple[bool, LeaseRecord | None]:
        return await self._db.write(lambda c: try_acquire(c, owner, ttl, now, is_dead))

    async def renew(self, owner: str, ttl: float,
                    now: float) -> tuple[bool, LeaseRecord | None]:
        return await self._db.write(lambda c: renew(c, owner, ttl, now))

    async def release(self, owner: str) -> bool:
        return await self._db.write(lambda c: release(c, owner))
