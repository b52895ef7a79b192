"""Chats: registration, lookup, activation state."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.storage._util import now

if TYPE_CHECKING:
    from bot.storage._db import Database

CHAT_TYPES = ("private", "group", "supergroup", "channel")


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    type: str
    title: str | None
    username: str | None
    active: bool
    deactivated_reason: str | None
    timezone: str
    digest: str
    digest_time: str | None
    quiet_start: str | None
    quiet_end: str | None
    created_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Chat:
        return cls(
            id=row["id"], type=row["type"], title=row["title"], username=row["username"],
            active=bool(row["active"]), deactivated_reason=row["deactivated_reason"],
            timezone=row["timezone"], digest=row["digest"], digest_time=row["digest_time"],
            quiet_start=row["quiet_start"], quiet_end=row["quiet_end"],
            created_at=row["created_at"],
        )


def register(conn: sqlite3.Connection, chat_id: int, chat_type: str, title: str | None,
             username: str | None) -> tuple[Chat, bool]:
    """Insert or refresh a chat and mark it active. Returns (chat, is_new).

    A new chat is subscribed to every default feed in the same transaction (DESIGN.md:
    /start gives news at once). A returning chat keeps its subscriptions.
    """
    if chat_type not in CHAT_TYPES:
        raise ValueError(f"storage: unknown chat type {chat_type!r}")
    ts = now()
    existing = conn.execute("SELECT id FROM chats WHERE id = ?", (chat_id,)).fetchone()
    if existing is None:
        conn.execute(
            "INSERT INTO chats (id, type, title, username, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (chat_id, chat_type, title, username, ts, ts),
        )
        conn.execute(
            "INSERT OR IGNORE INTO subscriptions (chat_id, kind, feed_id, value, display,"
            " created_at) SELECT ?, 'feed', id, CAST(id AS TEXT), name, ? FROM feeds"
            " WHERE is_default = 1",
            (chat_id, ts),
        )
    else:
        conn.execute(
            "UPDATE chats SET type = ?, title = ?, username = ?, active = 1,"
            " deactivated_reason = NULL, updated_at = ? WHERE id = ?",
            (chat_type, title, username, ts, chat_id),
        )
    row = conn.execute("SELECT * FROM chats WHERE id = ?", (chat_id,)).fetchone()
    return Chat.from_row(row), existing is None


def get(conn: sqlite3.Connection, chat_id: int) -> Chat | None:
    row = conn.execute("SELECT * FROM chats WHERE id = ?", (chat_id,)).fetchone()
    return Chat.from_row(row) if row else None


def deactivate(conn: sqlite3.Connection, chat_id: int, reason: str) -> None:
    conn.execute(
        "UPDATE chats SET active = 0, deactivated_reason = ?, updated_at = ? WHERE id = ?",
        (reason, now(), chat_id),
    )


class Chats:
    """Async API over the chats table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(self, chat_id: int, chat_type: str, title: str | None = None,
                       username: str | None = None) -> tuple[Chat, bool]:
        return await self._db.write(lambda c: register(c, chat_id, chat_type, title, username))

    async def get(self, chat_id: int) -> Chat | None:
        return await self._db.read(lambda c: get(c, chat_id))

    async def deactivate(self, chat_id: int, reason: str) -> None:
        await self._db.write(lambda c: deactivate(c, chat_id, reason))
