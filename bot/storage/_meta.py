"""Small named values in the ``meta`` table (callback key, instance lease, ...)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.storage._util import now

if TYPE_CHECKING:
    from bot.storage._db import Database


def get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def put(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key)"
        " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, value, now()))


def get_or_create(conn: sqlite3.Connection, key: str, make: Callable[[], str]) -> str:
    value = get(conn, key)
    if value is None:
        value = make()
        put(conn, key, value)
    return value


class Meta:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        return await self._db.read(lambda c: get(c, key))

    async def put(self, key: str, value: str) -> None:
        await self._db.write(lambda c: put(c, key, value))

    async def get_or_create(self, key: str, make: Callable[[], str]) -> str:
        return await self._db.write(lambda c: get_or_create(c, key, make))
