"""The outbox seen from delivery: scan, claim with a lease, record outcomes in batches.

Row life: ``pending`` -> ``sending`` (claimed: ``lease_owner``, ``lease_until``) -> ``sent`` |
``failed`` | ``dropped`` (the chat is gone) | ``cancelled`` (a cancelled broadcast), or back
to ``pending`` (retry later, shutdown, crash recovery). One process delivers per database:
at start it takes back every row another owner left in ``sending`` (after a kill -9 those
are the only rows that may have reached Telegram without being marked: the in-flight
window). Digest-mode chats' article rows are left for the digest job; broadcast rows are
not subject to digest mode.

A text sent in several messages (a long broadcast) records each part as it goes out
(:class:`PartsSent`: ``parts_sent``, ``parts_key``), so a row taken back or retried sends
only the parts not yet delivered; the columns are cleared when the row is sent.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.models import Article
from bot.storage._chat_settings import deactivate, migrate
from bot.storage._outbox_broadcasts import (
    Broadcast,
    broadcast_counts,
    cancel_broadcast,
    enqueue_broadcast,
    payloads,
)
from bot.storage._util import now

if TYPE_CHECKING:
    from bot.storage._db import Database

_SCAN = (
    "SELECT o.id, o.chat_id FROM outbox o JOIN chats c ON c.id = o.chat_id"
    " WHERE o.status = 'pending' AND o.id > ? AND o.not_before <= ? AND c.active = 1"
    " AND (o.broadcast_id IS NOT NULL OR c.digest = 'off') ORDER BY o.id LIMIT ?"
)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A claimed row with what the sender needs about its chat."""

    id: int
    chat_id: int
    article_id: int | None
    broadcast_id: int | None
    attempts: int
    chat_type: str
    timezone: str
    quiet_start: str | None
    quiet_end: str | None
    #: message ids of the parts of its split text delivered already, and which text
    #: they are parts of (see :class:`PartsSent`)
    parts_sent: tuple[int, ...] = ()
    parts_key: str | None = None


@dataclass(frozen=True, slots=True)
class PartsSent:
    """Parts of a row's split text went out: ``message_ids`` (all delivered so far, in
    order) of the text ``key`` names. Recorded whatever became of the row: they went out."""

    row_id: int
    key: str
    message_ids: tuple[int, ...]


def _parts(raw: str | None) -> tuple[int, ...]:
    """``parts_sent`` as stored; anything but a list of ids reads as none sent."""
    try:
        ids = json.loads(raw) if raw else []
    except ValueError:
        return ()
    if not isinstance(ids, list) or not all(type(i) is int for i in ids):
        return ()
    return tuple(ids)


@dataclass(frozen=True, slots=True)
class RowUpdate:
    """The outcome of one attempt. ``status``: sent, pending (retry or release), failed,
    dropped or cancelled. ``attempt`` counts it in ``attempts``."""

    row_id: int
    status: str
    message_id: int | None = None
    error: str | None = None
    not_before: float = 0.0
    silent: bool = False
    attempt: bool = False


def scan(conn: sqlite3.Connection, after_id: int, limit: int,
         at: float | None = None) -> list[tuple[int, int]]:
    """(row id, chat id) of due pending rows after ``after_id``, oldest first."""
    return [(r[0], r[1]) for r in conn.execute(_SCAN, (after_id, now() if at is None else at,
                                                       limit))]


def claim(conn: sqlite3.Connection, ids: Sequence[int], owner: str,
          lease_until: float) -> list[OutboxRow]:
    """Lease the rows of ``ids`` that are still pending; return them (in id order)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    conn.execute(
        f"UPDATE outbox SET status = 'sending', lease_owner = ?, lease_until = ?"
        f" WHERE id IN ({marks}) AND status = 'pending'", (owner, lease_until, *ids))
    rows = conn.execute(
        "SELECT o.id, o.chat_id, o.article_id, o.broadcast_id, o.attempts, c.type,"
        " c.timezone, c.quiet_start, c.quiet_end, o.parts_sent, o.parts_key"
        " FROM outbox o JOIN chats c ON c.id = o.chat_id"
        f" WHERE o.id IN ({marks}) AND o.status = 'sending' AND o.lease_owner = ?"
        " ORDER BY o.id", (*ids, owner))
    return [OutboxRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                      parts_sent=_parts(r[9]), parts_key=r[10]) for r in rows]


def save_parts(conn: sqlite3.Connection, progress: Iterable[PartsSent]) -> None:
    conn.executemany(
        "UPDATE outbox SET parts_sent = ?, parts_key = ? WHERE id = ?",
        [(json.dumps(list(p.message_ids)), p.key, p.row_id) for p in progress])


def finish(conn: sqlite3.Connection, updates: Iterable[RowUpdate]) -> None:
    """Record outcomes (one transaction for the whole batch). A send is recorded
    whatever became of the row meanwhile (it went out); any other outcome only while the
    row is still ``sending``: a row that /stop or a blocked chat dropped while its send
    was under way stays dropped (a failed send made it ``pending`` again, to be sent
    after a later /start, or never: the worker skips inactive chats)."""
    ts = now()
    sent, other = [], []
    for u in updates:
        if u.status == "sent":
            sent.append((u.message_id, ts, int(u.silent), u.row_id))
        else:
            other.append((u.status, u.error, u.not_before, int(u.attempt), u.row_id))
    if sent:
        conn.executemany(
            "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, silent = ?,"
            " attempts = attempts + 1, error = NULL, lease_owner = NULL, lease_until = NULL,"
            " parts_sent = NULL, parts_key = NULL WHERE id = ?", sent)
    if other:
        conn.executemany(
            "UPDATE outbox SET status = ?, error = ?, not_before = ?, attempts = attempts + ?,"
            " lease_owner = NULL, lease_until = NULL WHERE id = ? AND status = 'sending'",
            other)


def record(conn: sqlite3.Connection, updates: Iterable[RowUpdate],
           gone: Iterable[tuple[int, str]] = (), moved: Iterable[tuple[int, int]] = (),
           parts: Iterable[PartsSent] = ()) -> None:
    """One batch of delivery outcomes: the parts of split texts delivered, chats moved to a
    supergroup id, chats gone (blocked, kicked, deactivated: deactivated and their rows
    dropped), then the rows themselves."""
    save_parts(conn, parts)
    for old, new in moved:
        migrate(conn, old, new)
    for chat_id, reason in gone:
        deactivate(conn, chat_id, reason)
    finish(conn, updates)


def release(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Put claimed rows back to pending untouched (shutdown, never attempted)."""
    conn.executemany(
        "UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL"
        " WHERE id = ? AND status = 'sending'", [(i,) for i in ids])


def release_others(conn: sqlite3.Connection, owner: str) -> int:
    """Take back every row left in ``sending`` by another owner (a crashed process)."""
    return conn.execute(
        "UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL"
        " WHERE status = 'sending' AND lease_owner IS NOT ?", (owner,)).rowcount


def pending_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0])


class Outbox:
    """Async API over the outbox for delivery and broadcasts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def scan(self, after_id: int, limit: int) -> list[tuple[int, int]]:
        return await self._db.read(lambda c: scan(c, after_id, limit))

    async def claim(self, ids: Sequence[int], owner: str, lease_until: float) -> list[OutboxRow]:
        return await self._db.write(lambda c: claim(c, ids, owner, lease_until))

    async def record(self, updates: Sequence[RowUpdate],
                     gone: Sequence[tuple[int, str]] = (),
                     moved: Sequence[tuple[int, int]] = (),
                     parts: Sequence[PartsSent] = ()) -> None:
        await self._db.write(lambda c: record(c, updates, gone, moved, parts))

    async def release(self, ids: Sequence[int]) -> None:
        await self._db.write(lambda c: release(c, ids))

    async def release_others(self, owner: str) -> int:
        return await self._db.write(lambda c: release_others(c, owner))

    async def pending_count(self) -> int:
        return await self._db.read(pending_count)

    async def enqueue_broadcast(self, broadcast_id: int,
                                chat_ids: Sequence[int] | None = None) -> int:
        return await self._db.write(lambda c: enqueue_broadcast(c, broadcast_id, chat_ids))

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        return await self._db.write(lambda c: cancel_broadcast(c, broadcast_id))

    async def payloads(self, article_ids: Iterable[int], broadcast_ids: Iterable[int]
                       ) -> tuple[dict[int, Article], dict[int, Broadcast]]:
        a, b = list(article_ids), list(broadcast_ids)
        return await self._db.read(lambda c: payloads(c, a, b))

    async def broadcast_counts(self, broadcast_id: int) -> dict[str, int]:
        return await self._db.read(lambda c: broadcast_counts(c, broadcast_id))

