"""Matching: turn one stored article into outbox rows, inside the storing transaction.

One row per active chat subscribed to the article's feed, to its category (the feed's
or the article's own), or to a keyword found in its title, summary or lead. The unique
indexes on ``outbox`` make it idempotent and give one message per story per chat: a
chat that already has a row for the same story gets none for this article.
"""

from __future__ import annotations

import sqlite3

from bot.arabic import normalize
from bot.matching import KeywordIndex
from bot.storage._util import now

LEAD_CHARS = 1000  # how much of the body keywords are matched against


def keyword_values(conn: sqlite3.Connection) -> list[str]:
    """Distinct keyword subscriptions of active chats."""
    rows = conn.execute(
        "SELECT DISTINCT s.value FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " WHERE s.kind = 'keyword' AND c.active = 1")
    return [r[0] for r in rows]


def enqueue_article(conn: sqlite3.Connection, article_id: int,
                    keywords: list[str] | None = None) -> int:
    """Create the outbox rows for ``article_id``; return how many were created.

    ``keywords`` (from :func:`keyword_values`) may be passed when enqueuing a batch so the
    distinct keywords are read once.
    """
    art = conn.execute(
        "SELECT a.id, a.feed_id, a.category, a.story_id, a.title, a.summary, a.text,"
        " f.category AS feed_category FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id"
        " WHERE a.id = ?", (article_id,)).fetchone()
    if art is None:
        return 0
    categories = {normalize(c) for c in (art["category"], art["feed_category"]) if c}
    if keywords is None:
        keywords = keyword_values(conn)
    matched: list[str] = []
    if keywords:
        index = KeywordIndex(" \n ".join(
            (art["title"], art["summary"], (art["text"] or "")[:LEAD_CHARS])))
        matched = [k for k in keywords if index.contains(k)]

    conditions = ["(s.kind = 'feed' AND s.feed_id = ?)"]
    params: list[object] = [art["feed_id"]]
    if categories:
        conditions.append(
            f"(s.kind = 'category' AND s.value IN ({','.join('?' * len(categories))}))")
        params += sorted(categories)
    if matched:
        conditions.append(f"(s.kind = 'keyword' AND s.value IN ({','.join('?' * len(matched))}))")
        params += matched
    cur = conn.execute(
        "INSERT OR IGNORE INTO outbox (chat_id, article_id, story_id, created_at)"
        " SELECT DISTINCT s.chat_id, ?, ?, ? FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        f" WHERE c.active = 1 AND ({' OR '.join(conditions)})",
        [art["id"], art["story_id"], now(), *params],
    )
    return cur.rowcount
