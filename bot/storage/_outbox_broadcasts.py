"""Broadcast rows in the outbox, and what claimed rows refer to.

Admin broadcasts (table ``broadcasts``) only create rows here; the delivery worker sends
them like news rows but outside digest mode: kind ``text`` sends ``broadcasts.text`` as
HTML, ``article`` renders ``broadcasts.article_id``, ``copy`` copies
``from_chat_id``/``from_message_id``. Rows of a cancelled broadcast are never sent.
Per-broadcast counts use the ``outbox_broadcast`` index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.models import Article
from bot.storage._articles import get as get_article
from bot.storage._util import now


@dataclass(frozen=True, slots=True)
class Broadcast:
    """What a broadcast row sends: ``text`` (HTML), an ``article`` or a ``copy`` of a message."""

    id: int
    kind: str
    status: str
    text: str | None
    article_id: int | None
    from_chat_id: int | None
    from_message_id: int | None


def enqueue_broadcast(conn: sqlite3.Connection, broadcast_id: int,
                      chat_ids: Sequence[int] | None = None) -> int:
    """One row per active chat (or per listed active chat); returns how many were created."""
    where, params = "active = 1", [broadcast_id, now()]
    if chat_ids is not None:
        if not chat_ids:
            return 0
        where += f" AND id IN ({','.join('?' * len(chat_ids))})"
        params += list(chat_ids)
    return conn.execute(
        "INSERT OR IGNORE INTO outbox (chat_id, broadcast_id, created_at)"
        f" SELECT id, ?, ? FROM chats WHERE {where}", params).rowcount


def cancel_broadcast(conn: sqlite3.Connection, broadcast_id: int) -> int:
    """Rows of the broadcast not yet sent become ``cancelled`` (a claimed row may still go)."""
    return conn.execute(
        "UPDATE outbox SET status = 'cancelled' WHERE broadcast_id = ? AND status = 'pending'",
        (broadcast_id,)).rowcount


#: outbox status -> the name :func:`broadcast_counts` counts it under
_COUNTED_AS = {"dropped": "blocked", "sending": "pending"}


def broadcast_counts(conn: sqlite3.Connection, broadcast_id: int) -> dict[str, int]:
    """sent, failed, blocked (dropped: chat gone), pending (incl. in flight), cancelled,
    and left: rows of chats that ran /forget before they were sent (the other rows of
    those chats count as they stood, see :func:`keep_forgotten_counts`)."""
    counts = dict.fromkeys(("sent", "failed", "blocked", "pending", "cancelled", "left"), 0)
    for status, n in conn.execute(
            "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status",
            (broadcast_id,)):
        counts[_COUNTED_AS.get(status, status)] += n
    for outcome, n in conn.execute(
            "SELECT outcome, n FROM broadcast_forgotten WHERE broadcast_id = ?",
            (broadcast_id,)):
        counts[outcome] += n
    return counts


def keep_forgotten_counts(conn: sqlite3.Connection, chat_id: int) -> int:
    """Before /forget deletes the chat's broadcast rows: add what each counted in its
    broadcast's report to ``broadcast_forgotten`` (no chat id there), a row not sent yet
    as ``left``, so the report still adds up to its total. Returns the rows counted."""
    counted = 0
    rows = conn.execute(
        "SELECT broadcast_id, status, COUNT(*) FROM outbox WHERE chat_id = ?"
        " AND broadcast_id IS NOT NULL GROUP BY broadcast_id, status", (chat_id,)).fetchall()
    for broadcast_id, status, n in rows:
        outcome = ("left" if status in ("pending", "sending")
                   else _COUNTED_AS.get(status, status))
        conn.execute(
            "INSERT INTO broadcast_forgotten (broadcast_id, outcome, n) VALUES (?, ?, ?)"
            " ON CONFLICT (broadcast_id, outcome) DO UPDATE SET n = n + excluded.n",
            (broadcast_id, outcome, n))
        counted += n
    return counted


def payloads(conn: sqlite3.Connection, article_ids: Iterable[int],
             broadcast_ids: Iterable[int]) -> tuple[dict[int, Article], dict[int, Broadcast]]:
    """The articles and broadcasts claimed rows refer to (with broadcasts' own articles)."""
    broadcasts: dict[int, Broadcast] = {}
    wanted = set(article_ids)
    for bid in set(broadcast_ids):
        row = conn.execute("SELECT * FROM broadcasts WHERE id = ?", (bid,)).fetchone()
        if row is not None:
            broadcasts[bid] = Broadcast(
                id=row["id"], kind=row["kind"], status=row["status"], text=row["text"],
                article_id=row["article_id"], from_chat_id=row["from_chat_id"],
                from_message_id=row["from_message_id"])
            if row["article_id"] is not None:
                wanted.add(row["article_id"])
    articles: dict[int, Article] = {}
    for aid in wanted:
        article = get_article(conn, aid)
        if article is not None:
            articles[aid] = article
    return articles, broadcasts
