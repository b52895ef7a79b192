"""Matching: turn one stored article into outbox rows, inside the storing transaction.

One row per active chat subscribed to the article's feed, to its category (the feed's
or the article's own), or to a keyword found in its title, summary or lead. The unique
indexes on ``outbox`` make it idempotent and give one message per story per chat: a
chat that already has a row for the same story gets none for this article.

The words keywords are matched against (:func:`keyword_words`) can be computed before
the transaction (the ingest workers do), so that the writer thread only runs SQL;
:class:`OutboxBatch` then creates the rows of many articles with ``executemany``, in the
same order (and so with the same result) as one :func:`enqueue_article` call each: the
chats an article goes to are selected once per distinct condition (a poll's articles
mostly share theirs: same feed, same category, no keyword) by the very SELECT of
:func:`enqueue_article`'s INSERT, in its order, and the rows inserted from that list: the
writer's CPU for bench/poll.py's all-changed cycle at 200 feeds (10,000 articles, 20,000
outbox rows), replayed on the writer alone, went from 5.6 to 5.1 s (best of 8, alternated
with the ``INSERT ... SELECT`` per article).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.arabic import normalize
from bot.matching import KeywordIndex, words_text
from bot.storage._util import now

LEAD_CHARS = 1000  # how much of the body keywords are matched against

_COLUMNS = "INSERT OR IGNORE INTO outbox (chat_id, article_id, story_id, created_at)"
#: The chats an article goes to (first column), for :func:`outbox_conditions` (``{}``),
#: with the article's id, story and time as constants: :data:`_INSERT` inserts its rows.
#: :class:`OutboxBatch` runs this very text on its own (same plan, so the same rows in
#: the same order) and inserts the rows it gives.
_CHATS = ("SELECT DISTINCT s.chat_id, ?, ?, ? FROM subscriptions s JOIN chats c"
          " ON c.id = s.chat_id WHERE c.active = 1 AND ({})")
_INSERT = f"{_COLUMNS} {_CHATS}"
_INSERT_ROWS = f"{_COLUMNS} VALUES (?, ?, ?, ?)"


def keyword_values(conn: sqlite3.Connection) -> list[str]:
    """Distinct keyword subscriptions of active chats."""
    rows = conn.execute(
        "SELECT DISTINCT s.value FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " WHERE s.kind = 'keyword' AND c.active = 1")
    return [r[0] for r in rows]


def has_keywords(conn: sqlite3.Connection) -> bool:
    """Does an active chat have a keyword subscription (are keyword words needed)?"""
    return conn.execute(
        "SELECT 1 FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " WHERE s.kind = 'keyword' AND c.active = 1 LIMIT 1").fetchone() is not None


def keyword_text(title: str, summary: str, text: str | None) -> str:
    """What keywords are matched against: the title, the summary and the lead."""
    return " \n ".join((title, summary, (text or "")[:LEAD_CHARS]))


def keyword_words(title: str, summary: str, text: str | None) -> str:
    """The words of :func:`keyword_text`, space-joined (no word holds whitespace:
    ``KeywordIndex.from_tokens(keyword_words(...).split())`` is the text's index). One
    string, because it crosses from the ingest workers by pickle: a tuple of ~250 words
    costs ~8x more to pickle and unpickle."""
    return words_text(keyword_text(title, summary, text))


def matched_keywords(keywords: Sequence[str], index: KeywordIndex) -> list[str]:
    return [k for k in keywords if index.contains(k)]


def outbox_conditions(feed_id: int | None, categories: set[str],
                      matched: Sequence[str]) -> tuple[str, tuple[object, ...]]:
    """Which subscriptions want an article: the condition on ``s`` (a subscription) and
    its parameters."""
    conditions = ["(s.kind = 'feed' AND s.feed_id = ?)"]
    params: list[object] = [feed_id]
    if categories:
        conditions.append(
            f"(s.kind = 'category' AND s.value IN ({','.join('?' * len(categories))}))")
        params += sorted(categories)
    if matched:
        conditions.append(f"(s.kind = 'keyword' AND s.value IN ({','.join('?' * len(matched))}))")
        params += matched
    return " OR ".join(conditions), tuple(params)


def outbox_statement(feed_id: int | None, categories: set[str],
                     matched: Sequence[str]) -> tuple[str, list[object]]:
    """The INSERT of an article's outbox rows, and its parameters after the first three
    (article id, story id, created at)."""
    where, params = outbox_conditions(feed_id, categories, matched)
    return _INSERT.format(where), list(params)


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
        index = KeywordIndex(keyword_text(art["title"], art["summary"], art["text"]))
        matched = matched_keywords(keywords, index)
    sql, params = outbox_statement(art["feed_id"], categories, matched)
    return conn.execute(sql, [art["id"], art["story_id"], now(), *params]).rowcount


class OutboxBatch:
    """The outbox rows of articles stored in one transaction, created by :meth:`flush`
    with one ``executemany``, in insertion order (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, keywords: list[str] | None = None) -> None:
        self._conn = conn
        self._keywords = keyword_values(conn) if keywords is None else keywords
        self._feed_categories: dict[int | None, str | None] = {}
        self._normalized: dict[str, str] = {}  # category -> normalize(category)
        # (article id, story id, created at, (condition, parameters))
        self._pending: list[tuple[int, int, float, tuple[str, tuple[object, ...]]]] = []

    def _feed_category(self, feed_id: int | None) -> str | None:
        if feed_id not in self._feed_categories:
            row = self._conn.execute("SELECT category FROM feeds WHERE id = ?",
                                     (feed_id,)).fetchone()
            self._feed_categories[feed_id] = row[0] if row else None
        return self._feed_categories[feed_id]

    def _normalize(self, category: str) -> str:
        key = self._normalized.get(category)
        if key is None:
            key = self._normalized[category] = normalize(category)
        return key

    def add(self, article_id: int, story_id: int, *, feed_id: int | None,
            category: str | None, title: str, summary: str, text: str,
            tokens: str | None = None) -> None:
        """Queue the rows of a stored article (as :func:`enqueue_article` would make them);
        ``tokens`` are its :func:`keyword_words` when already computed."""
        categories = {self._normalize(c) for c in (category, self._feed_category(feed_id))
                      if c}
        matched: list[str] = []
        if self._keywords:
            index = (KeywordIndex.from_tokens(tokens.split()) if tokens is not None
                     else KeywordIndex(keyword_text(title, summary, text)))
            matched = matched_keywords(self._keywords, index)
        self._pending.append((article_id, story_id, now(),
                              outbox_conditions(feed_id, categories, matched)))

    def flush(self) -> int:
        """Create the queued rows; return how many were created."""
        chats: dict[tuple[str, tuple[object, ...]], list[int]] = {}
        rows: list[tuple[int, int, int, float]] = []
        for article_id, story_id, created, condition in self._pending:
            targets = chats.get(condition)
            if targets is None:
                where, params = condition
                targets = chats[condition] = [r[0] for r in self._conn.execute(
                    _CHATS.format(where), (0, 0, 0.0, *params))]
            rows += [(chat, article_id, story_id, created) for chat in targets]
        self._pending.clear()
        return self._conn.executemany(_INSERT_ROWS, rows).rowcount if rows else 0


def drop_unwanted(conn: sqlite3.Connection, where: str, params: Sequence[object], reason: str,
                  *, feed_gone: int | None = None) -> int:
    """After a subscription went (/unsubscribe, a feed deleted): drop the article rows
    still to send chosen by ``where`` (SQL over ``o``, the outbox row, and ``a``, its article) whose
    chat no longer wants their story: none of the chat's subscriptions matches the article
    (as :func:`enqueue_article` matches), nor another stored article of the same story.
    ``feed_gone``: a feed about to be deleted, whose subscriptions no longer count (its
    category still does: a chat subscribed to the category still wants its news). Rows
    the worker claimed (``sending``) are dropped too; whether one still goes out depends
    on the caller (/unsubscribe runs while no send to the chat is under way, and the
    worker does not send what it claimed before: ``bot.delivery.gates``). Returns the
    rows dropped."""
    rows = conn.execute(
        "SELECT o.id, o.chat_id, o.article_id, o.story_id FROM outbox o JOIN articles a"
        f" ON a.id = o.article_id WHERE o.status IN ('pending', 'sending') AND ({where})",
        params).fetchall()
    wants: dict[int, tuple[set[int], set[str], list[str]]] = {}
    facts: dict[int, tuple[int | None, set[str], str]] = {}
    indexes: dict[int, KeywordIndex] = {}  # built only for chats with keywords
    stories: dict[int, list[int]] = {}

    def subscriptions(chat_id: int) -> tuple[set[int], set[str], list[str]]:
        if chat_id not in wants:
            feeds, categories, keywords = set(), set(), []
            for kind, feed_id, value in conn.execute(
                    "SELECT kind, feed_id, value FROM subscriptions WHERE chat_id = ?",
                    (chat_id,)):
                if kind == "feed" and feed_id is not None and feed_id != feed_gone:
                    feeds.add(feed_id)
                elif kind == "category":
                    categories.add(value)
                elif kind == "keyword":
                    keywords.append(value)
            wants[chat_id] = feeds, categories, keywords
        return wants[chat_id]

    def article(article_id: int) -> tuple[int | None, set[str], str]:
        if article_id not in facts:
            row = conn.execute(
                "SELECT a.feed_id, a.category, a.title, a.summary, a.text, f.category"
                " FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
                (article_id,)).fetchone()
            facts[article_id] = (None, set(), "") if row is None else (
                row[0], {normalize(c) for c in (row[1], row[5]) if c},
                keyword_text(row[2], row[3], row[4]))
        return facts[article_id]

    def story(story_id: int | None, article_id: int) -> list[int]:
        if story_id is None:
            return [article_id]
        if story_id not in stories:
            stories[story_id] = [r[0] for r in conn.execute(
                "SELECT id FROM articles WHERE story_id = ?", (story_id,))]
        return [article_id, *(i for i in stories[story_id] if i != article_id)]

    def wanted(chat_id: int, article_id: int) -> bool:
        feeds, categories, keywords = subscriptions(chat_id)
        feed_id, article_categories, text = article(article_id)
        if feed_id in feeds or categories & article_categories:
            return True
        if not keywords or not text:
            return False
        if article_id not in indexes:
            indexes[article_id] = KeywordIndex(text)
        return any(indexes[article_id].contains(k) for k in keywords)

    drop = [(reason, r[0]) for r in rows
            if not any(wanted(r[1], a) for a in story(r[3], r[2]))]
    conn.executemany("UPDATE outbox SET status = 'dropped', error = ?, lease_owner = NULL,"
                     " lease_until = NULL WHERE id = ? AND status IN ('pending', 'sending')",
                     drop)
    return len(drop)
