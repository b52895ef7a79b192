"""/latest: the newest stored articles matching a chat's subscriptions.

Matching is the same as for new articles (feed, category, whole-word keyword on
normalized Arabic; one article per story). Articles listed by /latest are *covered*: the
chat's pending outbox rows for them (or for their stories) are marked sent with the
/latest message id, so the worker does not push them again a moment later.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.arabic import normalize
from bot.matching import KeywordIndex
from bot.models import Article
from bot.storage._articles import from_row
from bot.storage._matching import LEAD_CHARS
from bot.storage._util import now

if TYPE_CHECKING:
    from bot.storage._db import Database

SCAN_LIMIT = 2000  # newest articles examined; /latest is about the recent past


def latest_for_chat(conn: sqlite3.Connection, chat_id: int, n: int) -> list[Article]:
    subs = conn.execute("SELECT kind, feed_id, value FROM subscriptions WHERE chat_id = ?",
                        (chat_id,)).fetchall()
    feeds = {s["feed_id"] for s in subs if s["kind"] == "feed"}
    cats = {s["value"] for s in subs if s["kind"] == "category"}
    keywords = [s["value"] for s in subs if s["kind"] == "keyword"]
    if not subs or n <= 0:
        return []
    found: list[Article] = []
    stories: set[int] = set()
    rows = conn.execute(
        "SELECT a.*, f.category AS feed_category FROM articles a LEFT JOIN feeds f"
        " ON f.id = a.feed_id ORDER BY a.published_at DESC, a.id DESC LIMIT ?", (SCAN_LIMIT,))
    for row in rows:
        story = row["story_id"] or -row["id"]
        if story in stories:
            continue
        hit = row["feed_id"] in feeds or bool(cats and cats & {
            normalize(c) for c in (row["category"], row["feed_category"]) if c})
        if not hit and keywords:
            index = KeywordIndex(" \n ".join(
                (row["title"], row["summary"], (row["text"] or "")[:LEAD_CHARS])))
            hit = any(index.contains(k) for k in keywords)
        if hit:
            stories.add(story)
            found.append(from_row(row))
            if len(found) >= n:
                break
    return found


def cover(conn: sqlite3.Connection, chat_id: int, articles: Sequence[Article],
          message_id: int) -> int:
    """Mark the chat's rows still to send for ``articles`` (or their stories) as sent:
    pending ones, and ones the worker claimed (the /latest handler runs this while no
    send to the chat is under way, and the worker then does not send a row claimed
    before: ``bot.delivery.gates``)."""
    ids = [a.id for a in articles if a.id is not None]
    story_ids = [a.story_id for a in articles if a.story_id is not None]
    if not ids:
        return 0
    return conn.execute(
        "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, lease_owner = NULL,"
        " lease_until = NULL WHERE chat_id = ? AND status IN ('pending', 'sending')"
        " AND (article_id IN"
        f" ({','.join('?' * len(ids))}) OR story_id IN ({','.join('?' * len(story_ids))}))",
        (message_id, now(), chat_id, *ids, *story_ids)).rowcount


class Latest:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_chat(self, chat_id: int, n: int) -> list[Article]:
        return await self._db.read(lambda c: latest_for_chat(c, chat_id, n))

    async def cover(self, chat_id: int, articles: Sequence[Article], message_id: int) -> int:
        return await self._db.write(lambda c: cover(c, chat_id, articles, message_id))
