"""Admin broadcasts: drafts, the one-transaction confirm, cancel, and the final state.

Life of a broadcast (table ``broadcasts``)::

    draft --confirm--> sending --no row left--> done
      |                  |
      +--cancel----------+--cancel--> cancelled (finished_at set once no row is in flight)

* :func:`confirm` moves ``draft`` to ``sending`` and creates the outbox rows (one per
  active chat, ``enqueue_broadcast``) in ONE transaction, so a second press, a press by
  someone else or a crash in between can never send twice or half-create it.
* :func:`cancel` of a draft discards it (``cancelled``, ``finished_at`` now); of a
  ``sending`` broadcast it marks it ``cancelled`` and turns its pending rows into
  ``cancelled`` ones; rows already claimed by the delivery worker may still go out (the
  worker re-reads the broadcast within seconds and skips the rest), so ``finished_at`` is
  set by :func:`finish` when no row is pending or in flight.
* :func:`active` lists what the progress job must follow: ``sending`` broadcasts and
  cancelled ones whose final report is not written yet. It reads only the database, so
  progress reporting survives a restart.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.models import Article
from bot.storage._articles import insert as insert_article
from bot.storage._outbox_broadcasts import cancel_broadcast, enqueue_broadcast
from bot.storage._util import now

if TYPE_CHECKING:
    from bot.storage._db import Database

#: A draft not confirmed within this many seconds can no longer be confirmed.
DRAFT_TTL = 24 * 3600.0

KINDS = ("text", "article", "copy")

#: The author of a broadcast whose author ran /forget in their private chat: no Telegram
#: user has this id, so nobody can act as its author any more.
FORGOTTEN_ADMIN = 0


@dataclass(frozen=True, slots=True)
class BroadcastRecord:
    id: int
    admin_id: int
    kind: str
    text: str | None
    article_id: int | None
    from_chat_id: int | None
    from_message_id: int | None
    status: str
    progress_chat_id: int | None
    progress_message_id: int | None
    total: int
    created_at: float
    confirmed_at: float | None
    finished_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> BroadcastRecord:
        return cls(**dict(row))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a confirm or cancel did. ``result``:

    confirm: ``started`` (``total`` rows created; 0 means no active chat, and the
    broadcast is already ``done``), ``expired``, ``not_author``, ``missing``, or the
    status it already had (``sending``, ``done``, ``cancelled``).
    cancel: ``discarded`` (a draft), ``stopping`` (``cancelled`` rows were pending),
    ``not_author``, ``missing``, or the status it already had (``done``, ``cancelled``).
    """

    result: str
    record: BroadcastRecord | None = None
    total: int = 0
    cancelled: int = 0


def get(conn: sqlite3.Connection, broadcast_id: int) -> BroadcastRecord | None:
    row = conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()
    return BroadcastRecord.from_row(row) if row else None


def create(conn: sqlite3.Connection, admin_id: int, kind: str, *, text: str | None = None,
           article_id: int | None = None, from_chat_id: int | None = None,
           from_message_id: int | None = None) -> BroadcastRecord:
    """A new draft."""
    if kind not in KINDS:
        raise ValueError(f"storage: unknown broadcast kind {kind!r}")
    cur = conn.execute(
        "INSERT INTO broadcasts (admin_id, kind, text, article_id, from_chat_id,"
        " from_message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (admin_id, kind, text, article_id, from_chat_id, from_message_id, now()))
    record = get(conn, int(cur.lastrowid or 0))
    assert record is not None
    return record


def create_for_article(conn: sqlite3.Connection, admin_id: int, article: Article,
                       fingerprint: int | None = None) -> BroadcastRecord:
    """Store ``article`` WITHOUT outbox rows (subscribers get it through the broadcast,
    not through matching) unless its URL is already stored, and make a draft of it."""
    row = conn.execute("SELECT id FROM articles WHERE url = ?", (article.url,)).fetchone()
    article_id = row[0] if row else insert_article(conn, article, fingerprint=fingerprint,
                                                   enqueue=False)
    if article_id is None:  # the same GUID of the same feed: cannot happen with feed None
        raise ValueError(f"storage: article {article.url} could not be stored")
    return create(conn, admin_id, "article", article_id=int(article_id))


def set_progress_message(conn: sqlite3.Connection, broadcast_id: int, chat_id: int,
                         message_id: int) -> None:
    conn.execute("UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ?"
                 " WHERE id = ?", (chat_id, message_id, broadcast_id))


def confirm(conn: sqlite3.Connection, broadcast_id: int, admin_id: int,
            at: float | None = None) -> Outcome:
    """Start sending: draft -> sending plus one outbox row per active chat (see module)."""
    at = now() if at is None else at
    record = get(conn, broadcast_id)
    if record is None:
        return Outcome("missing")
    if record.admin_id != admin_id:
        return Outcome("not_author", record)
    if record.status != "draft":
        return Outcome(record.status, record)
    if at - record.created_at > DRAFT_TTL:
        conn.execute("UPDATE broadcasts SET status = 'cancelled', finished_at = ? WHERE id = ?",
                     (at, broadcast_id))
        return Outcome("expired", get(conn, broadcast_id))
    conn.execute("UPDATE broadcasts SET status = 'sending', confirmed_at = ? WHERE id = ?"
                 " AND status = 'draft'", (at, broadcast_id))
    total = enqueue_broadcast(conn, broadcast_id)
    if total:
        conn.execute("UPDATE broadcasts SET total = ? WHERE id = ?", (total, broadcast_id))
    else:
        conn.execute("UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ?",
                     (at, broadcast_id))
    return Outcome("started", get(conn, broadcast_id), total=total)


def cancel(conn: sqlite3.Connection, broadcast_id: int, admin_id: int, *,
           any_admin_may_stop: bool = True) -> Outcome:
    """Discard a draft (its author only) or stop a sending broadcast (its author, or any
    admin when ``any_admin_may_stop``)."""
    record = get(conn, broadcast_id)
    if record is None:
        return Outcome("missing")
    if record.status == "draft":
        if record.admin_id != admin_id:
            return Outcome("not_author", record)
        conn.execute("UPDATE broadcasts SET status = 'cancelled', finished_at = ? WHERE id = ?",
                     (now(), broadcast_id))
        return Outcome("discarded", get(conn, broadcast_id))
    if record.status != "sending":
        return Outcome(record.status, record)
    if record.admin_id != admin_id and not any_admin_may_stop:
        return Outcome("not_author", record)
    conn.execute("UPDATE broadcasts SET status = 'cancelled' WHERE id = ?", (broadcast_id,))
    cancelled = cancel_broadcast(conn, broadcast_id)
    return Outcome("stopping", get(conn, broadcast_id), cancelled=cancelled)


def active(conn: sqlite3.Connection) -> list[BroadcastRecord]:
    """Broadcasts whose progress is still to report (oldest first)."""
    rows = conn.execute(
        "SELECT * FROM broadcasts WHERE status = 'sending' OR (status = 'cancelled'"
        " AND confirmed_at IS NOT NULL AND finished_at IS NULL) ORDER BY id")
    return [BroadcastRecord.from_row(r) for r in rows]


def finish(conn: sqlite3.Connection, broadcast_id: int,
           at: float | None = None) -> BroadcastRecord | None:
    """No row is left to send: ``sending`` becomes ``done``; a cancelled one keeps its
    status. Either way ``finished_at`` is set (once). Returns the record."""
    at = now() if at is None else at
    conn.execute("UPDATE broadcasts SET status = 'done' WHERE id = ? AND status = 'sending'",
                 (broadcast_id,))
    conn.execute("UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                 (at, broadcast_id))
    return get(conn, broadcast_id)


def expire_drafts(conn: sqlite3.Connection, at: float | None = None) -> int:
    """Drafts older than :data:`DRAFT_TTL` become cancelled (retention then deletes them)."""
    at = now() if at is None else at
    return conn.execute(
        "UPDATE broadcasts SET status = 'cancelled', finished_at = ? WHERE status = 'draft'"
        " AND created_at < ?", (at, at - DRAFT_TTL)).rowcount


def forget_chat(conn: sqlite3.Connection, chat_id: int) -> tuple[int, list[int]]:
    """/forget: no broadcast names ``chat_id`` any more, as author (an admin's private
    chat id is their user id), as the chat of its preview and progress message, or as
    the chat a copy is made from. Returns (broadcasts changed, ids of those stopped).

    * A draft is deleted: only its author could confirm it, with the buttons in that chat.
    * A running copy of a message in the chat is stopped as ⏹ stops it (the caller
      tells the delivery worker, as for ⏹): the rest cannot be copied without naming
      the chat.
    * Otherwise the broadcast stays, with its counts (other admins may follow its progress
      message in a group, or see it in /stats): the author becomes
      :data:`FORGOTTEN_ADMIN`, and the message or the chat of its progress report are
      cleared (the report is then not written).

    The chat's own outbox rows go with the chat; their counts stay
    (:func:`~bot.storage._outbox_broadcasts.keep_forgotten_counts`).
    """
    names = "(admin_id = ? OR from_chat_id = ? OR progress_chat_id = ?)"
    ids = (chat_id, chat_id, chat_id)
    changed = conn.execute(f"DELETE FROM broadcasts WHERE status = 'draft' AND {names}",
                           ids).rowcount
    stopped = [r[0] for r in conn.execute(
        "SELECT id FROM broadcasts WHERE status = 'sending' AND from_chat_id = ?",
        (chat_id,))]
    for broadcast_id in stopped:
        conn.execute("UPDATE broadcasts SET status = 'cancelled' WHERE id = ?", (broadcast_id,))
        cancel_broadcast(conn, broadcast_id)
    changed += conn.execute(
        "UPDATE broadcasts SET"
        " admin_id = CASE admin_id WHEN ?1 THEN ?2 ELSE admin_id END,"
        " from_chat_id = CASE from_chat_id WHEN ?1 THEN NULL ELSE from_chat_id END,"
        " from_message_id = CASE from_chat_id WHEN ?1 THEN NULL ELSE from_message_id END,"
        " progress_chat_id = CASE progress_chat_id WHEN ?1 THEN NULL ELSE progress_chat_id END,"
        " progress_message_id = CASE progress_chat_id WHEN ?1 THEN NULL"
        "                       ELSE progress_message_id END"
        " WHERE admin_id = ?1 OR from_chat_id = ?1 OR progress_chat_id = ?1",
        (chat_id, FORGOTTEN_ADMIN)).rowcount
    return changed, stopped


def active_chat_count(conn: sqlite3.Connection) -> int:
    """How many chats a broadcast confirmed now would go to."""
    return int(conn.execute("SELECT COUNT(*) FROM chats WHERE active = 1").fetchone()[0])


class Broadcasts:
    """Async API over the broadcasts table (see the module functions)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, broadcast_id: int) -> BroadcastRecord | None:
        return await self._db.read(lambda c: get(c, broadcast_id))

    async def create(self, admin_id: int, kind: str, *, text: str | None = None,
                     from_chat_id: int | None = None,
                     from_message_id: int | None = None) -> BroadcastRecord:
        return await self._db.write(lambda c: create(
            c, admin_id, kind, text=text, from_chat_id=from_chat_id,
            from_message_id=from_message_id))

    async def create_for_article(self, admin_id: int, article: Article,
                                 fingerprint: int | None = None) -> BroadcastRecord:
        return await self._db.write(
            lambda c: create_for_article(c, admin_id, article, fingerprint))

    async def set_progress_message(self, broadcast_id: int, chat_id: int,
                                   message_id: int) -> None:
        await self._db.write(
            lambda c: set_progress_message(c, broadcast_id, chat_id, message_id))

    async def confirm(self, broadcast_id: int, admin_id: int) -> Outcome:
        return await self._db.write(lambda c: confirm(c, broadcast_id, admin_id))

    async def cancel(self, broadcast_id: int, admin_id: int, *,
                     any_admin_may_stop: bool = True) -> Outcome:
        return await self._db.write(lambda c: cancel(
            c, broadcast_id, admin_id, any_admin_may_stop=any_admin_may_stop))

    async def active(self) -> list[BroadcastRecord]:
        return await self._db.read(active)

    async def finish(self, broadcast_id: int) -> BroadcastRecord | None:
        return await self._db.write(lambda c: finish(c, broadcast_id))

    async def expire_drafts(self) -> int:
        return await self._db.write(expire_drafts)

    async def active_chat_count(self) -> int:
        return await self._db.read(active_chat_count)
