"""Articles: stored once (canonical URL unique, GUID unique per feed), indexed for search
in the same transaction, and handed to delivery through the outbox.

Everything CPU-heavy about storing an article (its full-text row, the words keywords are
matched against) can be computed beforehand by :func:`prepare`, off the single writer
thread (the ingest workers do); :class:`ArticleWriter` then only executes SQL, with the
full-text and outbox rows of a poll written in ``executemany`` batches.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.models import Article
from bot.storage._fts import Fields, index_fields, index_rows
from bot.storage._matching import OutboxBatch, keyword_words
from bot.storage._util import from_ts, now, to_ts

if TYPE_CHECKING:
    from bot.storage._db import Database


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article to store with what storing it needs computed: its story
    ``fingerprint``, its full-text row (``index``, :func:`bot.storage._fts.index_fields`)
    and its keyword-matching words (``tokens``, :func:`bot.storage._matching.keyword_words`).
    ``index`` and ``tokens`` left None are computed on the writer thread."""

    article: Article
    fingerprint: int | None = None
    index: Fields | None = None
    tokens: str | None = None


def prepare(article: Article, fingerprint: int | None = None, *,
            tokens: bool = True) -> Prepared:
    """:class:`Prepared` with everything computed (pure; run it in a worker); without
    ``tokens``, the keyword-matching words are left out (None): when no chat has a
    keyword subscription they are not used, and ~2.4 KB of pickle an article less crosses
    from the workers (should one be added meanwhile, the writer computes them)."""
    a = article
    return Prepared(a, fingerprint, index_fields(a.title, a.summary, a.text, a.source, a.url),
                    keyword_words(a.title, a.summary, a.text) if tokens else None)


_INSERT = (
    "INSERT OR IGNORE INTO articles (id, feed_id, guid, url, title, source, author, category,"
    " published_at, fetched_at, text, summary, image_url, story_id, fingerprint)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class ArticleWriter:
    """Stores articles in the caller's transaction: :meth:`add` each, then :meth:`flush`.

    An article's id is the one SQLite would give it (one more than the largest), set in
    the INSERT together with its ``story_id`` (its own id when it founds a story), so no
    UPDATE follows. Its full-text row and outbox rows (with ``enqueue``) are queued and
    written by :meth:`flush` in insertion order: the same rows as storing them one by one.
    With ``push_after`` (a timestamp), an article published before it gets no outbox rows
    (counted in :attr:`stale`): a feed that lists old items anew is not news.
    """

    def __init__(self, conn: sqlite3.Connection, *, enqueue: bool = True,
                 keywords: list[str] | None = None, push_after: float | None = None) -> None:
        self._conn = conn
        self._next_id = int(conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0])
        self._index: list[tuple[int, str, str, str, str]] = []
        self._outbox = OutboxBatch(conn, keywords) if enqueue else None
        self._push_after = push_after
        self.stale = 0  # added articles published before ``push_after``: not enqueued

    def add(self, item: Prepared, *, story_id: int | None = None) -> int | None:
        """Insert ``item.article`` unless it is already known; return its new id or None.
        ``story_id`` joins an existing story; without it the article founds its own."""
        a = item.article
        article_id = self._next_id
        story = article_id if story_id is None else story_id
        cur = self._conn.execute(_INSERT, (
            article_id, a.feed_id, a.guid, a.url, a.title, a.source, a.author, a.category,
            to_ts(a.published), now(), a.text, a.summary, a.image_url, story, item.fingerprint))
        if cur.rowcount == 0:
            return None
        self._next_id += 1
        fields = item.index or index_fields(a.title, a.summary, a.text, a.source, a.url)
        self._index.append((article_id, *fields))
        if self._outbox is None:
            return article_id
        if self._push_after is not None and to_ts(a.published) < self._push_after:
            self.stale += 1  # old news: stored and searchable, never pushed
            return article_id
        self._outbox.add(article_id, story, feed_id=a.feed_id, category=a.category,
                         title=a.title, summary=a.summary, text=a.text, tokens=item.tokens)
        return article_id

    def flush(self) -> int:
        """Write the queued full-text and outbox rows; return the outbox rows created."""
        index_rows(self._conn, self._index)
        self._index.clear()
        return self._outbox.flush() if self._outbox is not None else 0


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


def insert_counted(conn: sqlite3.Connection, article: Article | Prepared, *,
                   fingerprint: int | None = None, story_id: int | None = None,
                   enqueue: bool = True,
                   keywords: list[str] | None = None) -> tuple[int | None, int]:
    """:func:`insert` (of an article, or a :class:`Prepared` one: then ``fingerprint`` is
    its own), also returning how many outbox rows it created."""
    item = article if isinstance(article, Prepared) else Prepared(article, fingerprint)
    writer = ArticleWriter(conn, enqueue=enqueue, keywords=keywords)
    article_id = writer.add(item, story_id=story_id)
    return article_id, writer.flush()


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
