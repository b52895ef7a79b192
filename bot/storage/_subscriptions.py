"""Subscriptions: which chat wants which feed, category or keyword.

``value`` is what matching compares: the feed id as text, the normalized category
(``bot.arabic.normalize``) or the keyword key (``bot.matching.keyword_key``); ``display``
is what the chat is shown. ``(chat_id, kind, value)`` is unique, so subscribing twice is
a no-op that the caller can report.
"""

from __future__ import annotations

import builtins
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.storage._matching import drop_unwanted
from bot.storage._util import now

if TYPE_CHECKING:
    from bot.storage._db import Database

KINDS = ("feed", "category", "keyword")


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    chat_id: int
    kind: str  # feed | category | keyword
    feed_id: int | None
    value: str
    display: str
    created_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Subscription:
        return cls(**dict(row))


def list_for_chat(conn: sqlite3.Connection, chat_id: int) -> list[Subscription]:
    rows = conn.execute(
        "SELECT * FROM subscriptions WHERE chat_id = ? ORDER BY kind, display", (chat_id,))
    return [Subscription.from_row(r) for r in rows]


def add(conn: sqlite3.Connection, chat_id: int, kind: str, value: str, display: str,
        feed_id: int | None = None) -> bool:
    """Subscribe; False when the chat already had it."""
    if kind not in KINDS:
        raise ValueError(f"storage: unknown subscription kind {kind!r}")
    return conn.execute(
        "INSERT OR IGNORE INTO subscriptions (chat_id, kind, feed_id, value, display, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", (chat_id, kind, feed_id, value, display, now())).rowcount > 0


def remove(conn: sqlite3.Connection, chat_id: int, kind: str, value: str) -> bool:
    """Unsubscribe; False when the chat did not have it. The chat's rows still to send
    that no other subscription wants are dropped with it (a fan-out of the source's news
    under way does not go on after the reply)."""
    removed = conn.execute(
        "DELETE FROM subscriptions WHERE chat_id = ? AND kind = ? AND value = ?",
        (chat_id, kind, value)).rowcount > 0
    if removed:
        drop_unwanted(conn, "o.chat_id = ?", (chat_id,), "unsubscribed")
    return removed


def add_defaults(conn: sqlite3.Connection, chat_id: int) -> int:
    """Subscribe the chat to every default feed; returns how many were added."""
    return conn.execute(
        "INSERT OR IGNORE INTO subscriptions (chat_id, kind, feed_id, value, display,"
        " created_at) SELECT ?, 'feed', id, CAST(id AS TEXT), name, ? FROM feeds"
        " WHERE is_default = 1", (chat_id, now())).rowcount


def count(conn: sqlite3.Connection, chat_id: int, kind: str | None = None) -> int:
    sql = "SELECT COUNT(*) FROM subscriptions WHERE chat_id = ?"
    args: list[object] = [chat_id]
    if kind is not None:
        sql += " AND kind = ?"
        args.append(kind)
    return int(conn.execute(sql, args).fetchone()[0])


def feed_ids(conn: sqlite3.Connection, chat_id: int) -> set[int]:
    rows = conn.execute("SELECT feed_id FROM subscriptions WHERE chat_id = ? AND kind = 'feed'",
                        (chat_id,))
    return {r[0] for r in rows}


def categories(conn: sqlite3.Connection) -> list[str]:
    """Distinct non-empty categories of the configured feeds (as written, for display)."""
    rows = conn.execute("SELECT DISTINCT category FROM feeds WHERE category <> ''"
                        " ORDER BY category")
    return [r[0] for r in rows]


class Subscriptions:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, chat_id: int) -> list[Subscription]:
        return await self._db.read(lambda c: list_for_chat(c, chat_id))

    async def add(self, chat_id: int, kind: str, value: str, display: str,
                  feed_id: int | None = None) -> bool:
        return await self._db.write(lambda c: add(c, chat_id, kind, value, display, feed_id))

    async def remove(self, chat_id: int, kind: str, value: str) -> bool:
        return await self._db.write(lambda c: remove(c, chat_id, kind, value))

    async def add_defaults(self, chat_id: int) -> int:
        return await self._db.write(lambda c: add_defaults(c, chat_id))

    async def count(self, chat_id: int, kind: str | None = None) -> int:
        return await self._db.read(lambda c: count(c, chat_id, kind))

    async def feed_ids(self, chat_id: int) -> set[int]:
        return await self._db.read(lambda c: feed_ids(c, chat_id))

    async def categories(self) -> builtins.list[str]:
        return await self._db.read(categories)
