"""A chat's settings and lifecycle: digest mode, quiet hours, time zone, stop, forget,
deactivation (its pending rows dropped) and migration to a supergroup id."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.storage._broadcasts import forget_chat
from bot.storage._chats import Chat
from bot.storage._outbox_broadcasts import keep_forgotten_counts
from bot.storage._util import now

if TYPE_CHECKING:
    from bot.storage._db import Database

DIGEST_MODES = ("off", "hourly", "daily")


def drop_chat_rows(conn: sqlite3.Connection, chat_id: int, reason: str) -> int:
    """Drop every row of ``chat_id`` still to send."""
    return conn.execute(
        "UPDATE outbox SET status = 'dropped', error = ?, lease_owner = NULL,"
        " lease_until = NULL WHERE chat_id = ? AND status IN ('pending', 'sending')",
        (reason, chat_id)).rowcount


def deactivate(conn: sqlite3.Connection, chat_id: int, reason: str) -> int:
    """Stop sending to a chat (blocked, kicked, deactivated, stopped); drops its rows."""
    conn.execute(
        "UPDATE chats SET active = 0, deactivated_reason = ?, updated_at = ? WHERE id = ?",
        (reason, now(), chat_id))
    return drop_chat_rows(conn, chat_id, reason)


def reactivate(conn: sqlite3.Connection, chat_id: int) -> bool:
    """Mark a known chat active again (it talked to us); False when the chat is unknown."""
    return conn.execute(
        "UPDATE chats SET active = 1, deactivated_reason = NULL, updated_at = ? WHERE id = ?",
        (now(), chat_id)).rowcount > 0


def migrate(conn: sqlite3.Connection, old: int, new: int) -> bool:
    """Move a group to its supergroup id, keeping subscriptions and rows to send.

    Subscriptions and outbox rows follow through ``ON UPDATE CASCADE``. When the new id is
    already registered (someone used /start there first) the two are merged: the old
    chat's subscriptions and rows move over unless the new chat has the same ones.
    """
    if old == new or conn.execute("SELECT 1 FROM chats WHERE id = ?", (old,)).fetchone() is None:
        return False
    if conn.execute("SELECT 1 FROM chats WHERE id = ?", (new,)).fetchone() is None:
        conn.execute("UPDATE chats SET id = ?, type = 'supergroup', updated_at = ? WHERE id = ?",
                     (new, now(), old))
        return True
    conn.execute("UPDATE OR IGNORE subscriptions SET chat_id = ? WHERE chat_id = ?", (new, old))
    conn.execute("UPDATE OR IGNORE outbox SET chat_id = ? WHERE chat_id = ?", (new, old))
    conn.execute("DELETE FROM chats WHERE id = ?", (old,))
    reactivate(conn, new)
    return True


def stop(conn: sqlite3.Connection, chat_id: int) -> int:
    """/stop: remove every subscription and stop sending; returns subscriptions removed."""
    removed = conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,)).rowcount
    deactivate(conn, chat_id, "stopped")
    return removed


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What :func:`forget` did: ``found`` something stored about the chat (and erased
    it); ``stopped``: running broadcasts it stopped (copies of a message in the chat),
    whose rows the delivery worker has claimed must not go either."""

    found: bool
    stopped: tuple[int, ...] = ()


def stored(conn: sqlite3.Connection, chat_id: int) -> bool:
    """Is anything stored about the chat (what :func:`forget` erases)? A chat that never
    sent /start may have saved searches, and an admin's private chat broadcasts."""
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM chats WHERE id = ?1)"
        " OR EXISTS (SELECT 1 FROM search_queries WHERE chat_id = ?1)"
        " OR EXISTS (SELECT 1 FROM broadcasts WHERE admin_id = ?1 OR from_chat_id = ?1"
        "            OR progress_chat_id = ?1)", (chat_id,)).fetchone()[0] == 1


def forget(conn: sqlite3.Connection, chat_id: int) -> Forgotten:
    """/forget: no row names the chat any more. Deleted: the chat with its subscriptions
    and outbox rows (cascade; a broadcast row's count stays, without the chat:
    ``keep_forgotten_counts``), the searches it saved for their paging buttons
    (``search_queries``, no foreign key); its broadcasts are deleted or lose its id
    (:func:`bot.storage._broadcasts.forget_chat`). tests/test_forget.py checks every
    column of every table, so a new table that keeps a chat id must be handled here."""
    keep_forgotten_counts(conn, chat_id)
    found = conn.execute("DELETE FROM search_queries WHERE chat_id = ?", (chat_id,)).rowcount
    changed, stopped = forget_chat(conn, chat_id)
    found += changed + conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,)).rowcount
    return Forgotten(found > 0, tuple(stopped))


def set_digest(conn: sqlite3.Connection, chat_id: int, mode: str, at: str | None) -> Chat | None:
    """Digest ``off``/``hourly``/``daily`` (``at`` = local HH:MM). The window starts now, so
    the first digest bundles what arrives from here on."""
    if mode not in DIGEST_MODES:
        raise ValueError(f"storage: unknown digest mode {mode!r}")
    conn.execute("UPDATE chats SET digest = ?, digest_time = ?, last_digest_at = ?,"
                 " updated_at = ? WHERE id = ?",
                 (mode, at if mode == "daily" else None, now(), now(), chat_id))
    return _get(conn, chat_id)


def set_quiet(conn: sqlite3.Connection, chat_id: int, start: str | None,
              end: str | None) -> Chat | None:
    conn.execute("UPDATE chats SET quiet_start = ?, quiet_end = ?, updated_at = ? WHERE id = ?",
                 (start, end, now(), chat_id))
    return _get(conn, chat_id)


def set_timezone(conn: sqlite3.Connection, chat_id: int, tz: str) -> Chat | None:
    conn.execute("UPDATE chats SET timezone = ?, updated_at = ? WHERE id = ?",
                 (tz, now(), chat_id))
    return _get(conn, chat_id)


def _get(conn: sqlite3.Connection, chat_id: int) -> Chat | None:
    row = conn.execute("SELECT * FROM chats WHERE id = ?", (chat_id,)).fetchone()
    return Chat.from_row(row) if row else None


class ChatSettings:
    """Async API: settings and lifecycle of one chat."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def deactivate(self, chat_id: int, reason: str) -> int:
        return await self._db.write(lambda c: deactivate(c, chat_id, reason))

    async def reactivate(self, chat_id: int) -> bool:
        return await self._db.write(lambda c: reactivate(c, chat_id))

    async def migrate(self, old: int, new: int) -> bool:
        return await self._db.write(lambda c: migrate(c, old, new))

    async def stop(self, chat_id: int) -> int:
        return await self._db.write(lambda c: stop(c, chat_id))

    async def stored(self, chat_id: int) -> bool:
        return await self._db.read(lambda c: stored(c, chat_id))

    async def forget(self, chat_id: int) -> Forgotten:
        return await self._db.write(lambda c: forget(c, chat_id))

    async def set_digest(self, chat_id: int, mode: str, at: str | None = None) -> Chat | None:
        return await self._db.write(lambda c: set_digest(c, chat_id, mode, at))

    async def set_quiet(self, chat_id: int, start: str | None, end: str | None) -> Chat | None:
        return await self._db.write(lambda c: set_quiet(c, chat_id, start, end))

    async def set_timezone(self, chat_id: int, tz: str) -> Chat | None:
        return await self._db.write(lambda c: set_timezone(c, chat_id, tz))
