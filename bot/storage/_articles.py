"""Articles: stored once (canonical URL unique, GUID unique per feed), indexed for search
in the same transaction, and handed to delivery through the outbox."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from bot.models import Article
from bot.storage._fts import index_article
from bot.storage._matching import enqueue_article, keyword_values
from bot.storage._util import from_ts, now, to_ts

if TYPE_CHECKING:
    from bot.storage._db import Database


def from_row(row: sqlite3.Row) -> Article:
    published = from_ts(row["published_at"])
    assert published is not None
    return Article(
        id=row["id"], feed_id=row["feed_id"], guid=row["guid"], url=row["url"],
        title=row["title"], source=row["source"], author=row["author"],
        category=row["category"], published=published, text=row["text"],
        summary=row["summary"], image_url=row["image_url"], story_id=row["story_id"],
    )


def exists(conn: sqlite3.Connection, url: str, feed_id: int | None = None,
           guid: str | None = None) -> bool:
    """True when an article with this canonical URL (or this feed's GUID) is stored."""
    if conn.execute("SELECT 1 FROM articles WHERE url = ?", (url,)).fetchone():
        return True
    return bool(guid and feed_id is not None and conn.execute(
        "SELECT 1 FROM articles WHERE feed_id = ? AND guid = ?", (feed_id, guid)).fetchone())


def insert(conn: sqlite3.Connection, article: Article, *, fingerprint: int | None = None,
           story_id: int | None = None, enqueue: bool = True,
           keywords: list[str] | None = None) -> int | None:
    """Store ``article`` unless it is already known; return its new id or None.

    ``story_id`` joins an existing story (cross-source grouping); without it the article
    starts its own story (story_id = its id). With ``enqueue`` the outbox rows for every
    matching chat are created here, in the caller's transaction.
    """
    return insert_counted(conn, article, fingerprint=fingerprint, story_id=story_id,
                          enqueue=enqueue, keywords=keywords)[0]


def insert_counted(conn: sqlite3.Connection, article: Article, *, fingerprint: int | None = None,
                   story_id: int | None = None, enqueue: bool = True,
                   keywords: list[str] | None = None) -> tuple[int | None, int]:
    """:func:`insert`, also returning how many outbox rows it created."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO articles (feed_id, guid, url, title, source, author, category,"
        " published_at, fetched_at, text, summary, image_url, story_id, fingerprint)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (article.feed_id, article.guid, article.url, article.title, article.source,
         article.author, article.category, to_ts(article.published), now(), article.text,
         article.summary, article.image_url, story_id, fingerprint),
    )
    if cur.rowcount == 0:
        return None, 0
    article_id = int(cur.lastrowid or 0)
    if story_id is None:
        conn.execute("UPDATE articles SET story_id = id WHERE id = ?", (article_id,))
    index_article(conn, article_id, article.title, article.summary, article.text)
    queued = 0
    if enqueue:
        queued = enqueue_article(conn, article_id, keywords if keywords is not None
                                 else keyword_values(conn))
    return article_id, queued


def get(conn: sqlite3.Connection, article_id: int) -> Article | None:
    row = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
    return from_row(row) if row else None


def recent_fingerprints(conn: sqlite3.Connection, since: float) -> list[tuple[int, int]]:
    """(story_id, fingerprint) of articles fetched since ``since`` (for story grouping)."""
    rows = conn.execute(
        "SELECT story_id, fingerprint FROM articles WHERE fetched_at >= ?"
        " AND fingerprint IS NOT NULL ORDER BY id", (since,))
    return [(r[0], r[1]) for r in rows]


class Articles:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, article_id: int) -> Article | None:
        return await self._db.read(lambda c: get(c, article_id))

    async def insert(self, article: Article, *, fingerprint: int | None = None,
                     story_id: int | None = None, enqueue: bool = True) -> int | None:
        return await self._db.write(lambda c: insert(
            c, article, fingerprint=fingerprint, story_id=story_id, enqueue=enqueue))
