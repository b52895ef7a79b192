"""Digest-mode chats: who is waiting, and their pending headlines bundled into a digest.

Rows of a digest-mode chat stay ``pending`` (the worker skips them) until the digest job
claims them with a lease like the worker does, sends the digest and marks them sent with
the digest's message id; ``chats.last_digest_at`` is when the last digest went out.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.storage._util import now

if TYPE_CHECKING:
    from bot.storage._db import Database


@dataclass(frozen=True, slots=True)
class DigestChat:
    id: int
    type: str
    timezone: str
    digest: str
    digest_time: str | None
    quiet_start: str | None
    quiet_end: str | None
    last_digest_at: float | None


@dataclass(frozen=True, slots=True)
class DigestItem:
    row_id: int
    article_id: int
    title: str
    url: str
    source: str
    published_at: float


def waiting_chats(conn: sqlite3.Connection) -> list[DigestChat]:
    """Active digest-mode chats that have headlines waiting."""
    rows = conn.execute(
        "SELECT c.id, c.type, c.timezone, c.digest, c.digest_time, c.quiet_start, c.quiet_end,"
        " c.last_digest_at FROM chats c WHERE c.digest <> 'off' AND c.active = 1 AND EXISTS"
        " (SELECT 1 FROM outbox o WHERE o.chat_id = c.id AND o.status = 'pending'"
        " AND o.article_id IS NOT NULL) ORDER BY c.id")
    return [DigestChat(*r) for r in rows]


def get_chat(conn: sqlite3.Connection, chat_id: int) -> DigestChat | None:
    row = conn.execute(
        "SELECT id, type, timezone, digest, digest_time, quiet_start, quiet_end, last_digest_at"
        " FROM chats WHERE id = ?", (chat_id,)).fetchone()
    return DigestChat(*row) if row else None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A digest's headlines, oldest first, and how many older ones did not fit."""

    items: list[DigestItem]
    left_out: int


def claim_items(conn: sqlite3.Connection, chat_id: int, owner: str, lease_until: float,
                limit: int) -> Claimed:
    """Lease the newest ``limit`` pending article rows of the chat (returned oldest first),
    and count the older ones left out: :func:`mark_sent` drops them once the digest is
    out (a digest that fails leaves them pending with the rest)."""
    rows = conn.execute(
        "SELECT o.id, a.id, a.title, a.url, a.source, a.published_at FROM outbox o"
        " JOIN articles a ON a.id = o.article_id WHERE o.chat_id = ? AND o.status = 'pending'"
        " ORDER BY o.id DESC LIMIT ?", (chat_id, limit)).fetchall()
    rows.reverse()
    conn.executemany(
        "UPDATE outbox SET status = 'sending', lease_owner = ?, lease_until = ? WHERE id = ?",
        [(owner, lease_until, r[0]) for r in rows])
    left_out = 0
    if len(rows) == limit:
        left_out = int(conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND status = 'pending'"
            " AND article_id IS NOT NULL AND id < ?", (chat_id, rows[0][0])).fetchone()[0])
    return Claimed([DigestItem(*r) for r in rows], left_out)


#: Why rows a digest had no room for were dropped (``outbox.error``).
LEFT_OUT = "digest: more headlines waiting than one digest holds; the oldest were left out"


def mark_sent(conn: sqlite3.Connection, chat_id: int, sent: list[tuple[int, int]],
              silent: bool, left_out_before: int | None = None) -> int:
    """Rows (row id, message id) went out in a digest; the digest window restarts now.
    ``left_out_before``: the digest's oldest row id, when it said older ones were left
    out: those still pending are dropped (how many is returned)."""
    ts = now()
    conn.executemany(
        "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, silent = ?,"
        " attempts = attempts + 1, error = NULL, lease_owner = NULL, lease_until = NULL"
        " WHERE id = ?", [(mid, ts, int(silent), rid) for rid, mid in sent])
    dropped = 0
    if left_out_before is not None:
        dropped = conn.execute(
            "UPDATE outbox SET status = 'dropped', error = ? WHERE chat_id = ?"
            " AND status = 'pending' AND article_id IS NOT NULL AND id < ?",
            (LEFT_OUT, chat_id, left_out_before)).rowcount
    touch(conn, chat_id, ts)
    return dropped


def touch(conn: sqlite3.Connection, chat_id: int, at: float) -> None:
    conn.execute("UPDATE chats SET last_digest_at = ? WHERE id = ?", (at, chat_id))


class Digests:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def waiting_chats(self) -> list[DigestChat]:
        return await self._db.read(waiting_chats)

    async def get_chat(self, chat_id: int) -> DigestChat | None:
        return await self._db.read(lambda c: get_chat(c, chat_id))

    async def claim_items(self, chat_id: int, owner: str, lease_until: float,
                          limit: int) -> Claimed:
        return await self._db.write(lambda c: claim_items(c, chat_id, owner, lease_until, limit))

    async def mark_sent(self, chat_id: int, sent: list[tuple[int, int]], silent: bool,
                        left_out_before: int | None = None) -> int:
        return await self._db.write(
            lambda c: mark_sent(c, chat_id, sent, silent, left_out_before))
