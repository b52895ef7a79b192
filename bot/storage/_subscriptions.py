"""Subscriptions: which chat wants which feed, category or keyword."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage._db import Database


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


class Subscriptions:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, chat_id: int) -> list[Subscription]:
        return await self._db.read(lambda c: list_for_chat(c, chat_id))
