"""Articles: stored once, indexed and enqueued in the same transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Article
from bot.storage import Storage


@pytest.fixture
async def storage(tmp_path: Path):
    s = await Storage.open(str(tmp_path / "a.sqlite3"))
    yield s
    await s.close()


def article(feed_id: int, url: str, title: str = "عنوان", guid: str | None = None) -> Article:
    return Article(title=title, url=url, source="المصدر", feed_id=feed_id, guid=guid,
                   published=datetime(2024, 3, 11, 12, tzinfo=UTC), summary="ملخّص الخبر",
                   text="نص الخبر الكامل")


async def test_insert_once_by_url_and_guid(storage: Storage) -> None:
    feed, _ = await storage.feeds.add("https://a.example/rss", "A", is_default=True)
    await storage.chats.register(1, "private")
    first = await storage.articles.insert(article(feed.id, "https://a.example/1", guid="g1"))
    assert first is not None
    assert await storage.articles.insert(article(feed.id, "https://a.example/1")) is None
    assert await storage.articles.insert(article(feed.id, "https://a.example/2", guid="g1")) \
        is None
    stored = await storage.articles.get(first)
    assert stored is not None and stored.story_id == first
    assert stored.published == datetime(2024, 3, 11, 12, tzinfo=UTC)
    # indexed on normalized text, and enqueued for the subscribed chat
    hits = await storage.db.read(lambda c: c.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'ملخص'").fetchall())
    assert [h[0] for h in hits] == [first]
    pending = await storage.db.read(lambda c: c.execute(
        "SELECT chat_id, article_id FROM outbox").fetchall())
    assert [tuple(p) for p in pending] == [(1, first)]


async def test_no_enqueue_on_first_poll(storage: Storage) -> None:
    feed, _ = await storage.feeds.add("https://a.example/rss", "A", is_default=True)
    await storage.chats.register(1, "private")
    await storage.articles.insert(article(feed.id, "https://a.example/1"), enqueue=False)
    assert (await storage.stats())["outbox_pending"] == 0


def _batch_fixture(conn) -> list[tuple[Article, int, int | None]]:  # type: ignore[no-untyped-def]
    """Feeds, chats and subscriptions, and the (article, fingerprint, story) to store."""
    from bot.matching import keyword_key

    for url, name, category in (("https://a.example/rss", "A", "رياضة"),
                                ("https://b.example/rss", "B", "")):
        conn.execute("INSERT INTO feeds (url, name, category, created_at) VALUES (?, ?, ?, 0)",
                     (url, name, category))
    for chat in (1, 2, 3, 4, 5):
        conn.execute("INSERT INTO chats (id, type, active, created_at, updated_at)"
                     " VALUES (?, 'private', ?, 0, 0)", (chat, int(chat != 5)))
    subs = [(1, "feed", 1, "1"), (2, "category", None, "رياضه"), (3, "keyword", None,
            keyword_key("الحكومة")), (4, "feed", 2, "2"), (4, "keyword", None,
            keyword_key("مجلس الوزراء")), (5, "feed", 1, "1"), (2, "category", None, "اقتصاد")]
    conn.executemany("INSERT INTO subscriptions (chat_id, kind, feed_id, value, display,"
                     " created_at) VALUES (?, ?, ?, ?, 'x', 0)", subs)

    def a(feed: int, n: int, title: str, text: str, category: str | None = None,
          guid: str | None = None) -> Article:
        return Article(title=title, url=f"https://{'ab'[feed - 1]}.example/{n}",
                       source="AB"[feed - 1], feed_id=feed, guid=guid, category=category,
                       published=datetime(2024, 3, 11, 12, n, tzinfo=UTC),
                       summary=text.split(".")[0], text=text)

    return [
        (a(1, 1, "الحكومة تعلن خطة", "قالت الحكومة إن الخطة جاهزة. وأضافت أنها تبدأ غدا."),
         11, None),
        (a(2, 2, "اجتماع مجلس الوزراء", "اجتمع مجلس الوزراء أمس. وناقش الموازنة.", "اقتصاد",
           "g2"), 12, None),
        (a(1, 3, "مباراة القمة", "فاز الفريق في مباراة القمة. وسجل هدفين."), 13, 1),
        (replace(a(2, 9, "خبر مكرر", "رابط موجود من قبل."), url="https://a.example/1"), 14,
         None),  # the URL of the first: ignored
        (a(2, 4, "خبر آخر", "وبالحكومة نص عن المجلس.", guid="g2"), 15, None),  # GUID known
        (a(2, 5, "مجلس الوزراء يقر الموازنة", "أقر مجلس الوزراء الموازنة."), 0, 2),
    ]


def _contents(conn) -> tuple[list, list, list]:  # type: ignore[no-untyped-def]
    arts = conn.execute("SELECT id, feed_id, guid, url, title, source, author, category,"
                        " published_at, text, summary, image_url, story_id, fingerprint"
                        " FROM articles ORDER BY id").fetchall()
    fts = conn.execute("SELECT rowid, title, summary, text, source FROM articles_fts"
                       " ORDER BY rowid").fetchall()
    outbox = conn.execute("SELECT id, chat_id, article_id, story_id FROM outbox"
                          " ORDER BY id").fetchall()
    return [tuple(r) for r in arts], [tuple(r) for r in fts], [tuple(r) for r in outbox]


async def test_a_prepared_batch_stores_what_one_by_one_storing_stores(tmp_path: Path) -> None:
    """ArticleWriter (ids and story ids in the INSERT, full-text and outbox rows written in
    executemany batches from precomputed fields) against the plain way: INSERT, set the
    story, index_article() and enqueue_article() computing everything on the writer."""
    from bot.storage._articles import ArticleWriter, prepare
    from bot.storage._fts import index_article
    from bot.storage._matching import enqueue_article
    from bot.storage._util import now, to_ts

    def one_by_one(conn) -> tuple[list, list, list]:  # type: ignore[no-untyped-def]
        for art, fp, story in _batch_fixture(conn):
            cur = conn.execute(
                "INSERT OR IGNORE INTO articles (feed_id, guid, url, title, source, author,"
                " category, published_at, fetched_at, text, summary, image_url, story_id,"
                " fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (art.feed_id, art.guid, art.url, art.title, art.source, art.author,
                 art.category, to_ts(art.published), now(), art.text, art.summary,
                 art.image_url, story, fp))
            if cur.rowcount == 0:
                continue
            article_id = int(cur.lastrowid or 0)
            if story is None:
                conn.execute("UPDATE articles SET story_id = id WHERE id = ?", (article_id,))
            index_article(conn, article_id, art.title, art.summary, art.text)
            enqueue_article(conn, article_id)
        return _contents(conn)

    def batched(conn) -> tuple[list, list, list]:  # type: ignore[no-untyped-def]
        items = _batch_fixture(conn)
        writer = ArticleWriter(conn)
        ids = [writer.add(prepare(art, fp), story_id=story) for art, fp, story in items]
        assert ids == [1, 2, 3, None, None, 4]
        assert writer.flush() == 5
        return _contents(conn)

    plain = await Storage.open(str(tmp_path / "plain.sqlite3"))
    fast = await Storage.open(str(tmp_path / "fast.sqlite3"))
    try:
        expected, got = await plain.db.write(one_by_one), await fast.db.write(batched)
    finally:
        await plain.close()
        await fast.close()
    assert got == expected
    arts, fts, outbox = got
    assert [a[12] for a in arts] == [1, 2, 1, 2]  # story ids: own, own, joined, joined
    assert len(fts) == 4 and len(outbox) == 5


async def test_an_article_id_is_the_one_sqlite_would_give(storage: Storage) -> None:
    """Also after the newest article was deleted (SQLite reuses the id then)."""
    from bot.storage._articles import ArticleWriter, prepare

    feed, _ = await storage.feeds.add("https://a.example/rss", "A")
    for n in (1, 2, 3):
        await storage.articles.insert(article(feed.id, f"https://a.example/{n}"))

    def go(conn) -> tuple[int, int | None]:  # type: ignore[no-untyped-def]
        conn.execute("DELETE FROM articles WHERE id = 3")
        conn.execute("SAVEPOINT probe")
        cur = conn.execute("INSERT INTO articles (url, title, source, published_at, fetched_at)"
                           " VALUES ('https://a.example/probe', 't', 's', 0, 0)")
        sqlite_id = int(cur.lastrowid or 0)
        conn.execute("ROLLBACK TO probe")
        conn.execute("RELEASE probe")
        writer = ArticleWriter(conn, enqueue=False)
        ours = writer.add(prepare(article(feed.id, "https://a.example/4")))
        writer.flush()
        return sqlite_id, ours

    sqlite_id, ours = await storage.db.write(go)
    assert ours == sqlite_id == 3


async def test_a_polls_outbox_rows_are_those_of_one_insert_select_per_article(
        tmp_path: Path) -> None:
    """OutboxBatch selects each distinct condition's chats once and inserts their rows: the
    same rows, in the same order (so with the same ids), as enqueue_article's INSERT ...
    SELECT per article. Subscriptions are stored out of chat order (the SELECT's order is
    the index's, not the chat ids'), chats match by feed, category and keyword at once,
    an inactive chat and joined stories (rows ignored) are in the batch, and most articles
    share their condition (the chats are selected once for them)."""
    from bot.matching import keyword_key
    from bot.storage._articles import ArticleWriter, prepare
    from bot.storage._matching import enqueue_article
    from bot.storage._util import now, to_ts

    def fixture(conn) -> list[tuple[Article, int | None]]:  # type: ignore[no-untyped-def]
        for n, category in ((1, "رياضة"), (2, ""), (3, "اقتصاد")):
            conn.execute("INSERT INTO feeds (url, name, category, created_at)"
                         " VALUES (?, ?, ?, 0)", (f"https://f{n}.example/rss", f"F{n}", category))
        for chat in range(1, 13):
            conn.execute("INSERT INTO chats (id, type, active, created_at, updated_at)"
                         " VALUES (?, 'private', ?, 0, 0)", (chat, int(chat != 7)))
        subs = [(9, "feed", 1), (3, "feed", 1), (12, "category", "رياضه"), (7, "feed", 1),
                (5, "keyword", keyword_key("الحكومة")), (1, "feed", 2), (11, "feed", 1),
                (3, "category", "رياضه"), (2, "category", "اقتصاد"), (10, "feed", 3),
                (8, "keyword", keyword_key("مجلس الوزراء")), (4, "feed", 3), (6, "feed", 2),
                (9, "keyword", keyword_key("الحكومة")), (1, "category", "اقتصاد")]
        conn.executemany(
            "INSERT INTO subscriptions (chat_id, kind, feed_id, value, display, created_at)"
            " VALUES (?, ?, ?, ?, 'x', 0)",
            [(chat, kind, value if kind == "feed" else None,
              str(value) if kind == "feed" else value) for chat, kind, value in subs])
        texts = ["وصلت الأخبار اليوم.", "قالت الحكومة إن الخطة جاهزة.",
                 "اجتمع مجلس الوزراء أمس.", "أقر مجلس الوزراء خطة الحكومة."]
        items: list[tuple[Article, int | None]] = []
        for n in range(24):
            feed = 1 + n % 3
            category = "اقتصاد" if n % 5 == 0 else None
            art = Article(title=f"خبر رقم {n}", url=f"https://f{feed}.example/{n}",
                          source=f"F{feed}", feed_id=feed, category=category,
                          published=datetime(2024, 3, 11, 12, n, tzinfo=UTC),
                          summary=texts[n % 4], text=texts[n % 4] + " وتفاصيل أخرى.")
            items.append((art, 1 + (n - 4) if n % 7 == 4 else None))  # some join a story
        return items

    def one_by_one(conn) -> list[tuple]:  # type: ignore[no-untyped-def]
        for art, story in fixture(conn):
            cur = conn.execute(
                "INSERT INTO articles (feed_id, url, title, source, category, published_at,"
                " fetched_at, text, summary, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (art.feed_id, art.url, art.title, art.source, art.category,
                 to_ts(art.published), now(), art.text, art.summary, story))
            article_id = int(cur.lastrowid or 0)
            if story is None:
                conn.execute("UPDATE articles SET story_id = id WHERE id = ?", (article_id,))
            enqueue_article(conn, article_id)
        return [tuple(r) for r in conn.execute(
            "SELECT id, chat_id, article_id, story_id, status FROM outbox ORDER BY id")]

    def batched(conn) -> list[tuple]:  # type: ignore[no-untyped-def]
        items = fixture(conn)
        writer = ArticleWriter(conn)
        for art, story in items:
            writer.add(prepare(art), story_id=story)
        created = writer.flush()
        rows = [tuple(r) for r in conn.execute(
            "SELECT id, chat_id, article_id, story_id, status FROM outbox ORDER BY id")]
        assert created == len(rows)
        return rows

    plain = await Storage.open(str(tmp_path / "plain.sqlite3"))
    fast = await Storage.open(str(tmp_path / "fast.sqlite3"))
    try:
        expected, got = await plain.db.write(one_by_one), await fast.db.write(batched)
    finally:
        await plain.close()
        await fast.close()
    assert got == expected
    assert len(got) > 40
    # not in chat id order: the test covers the SELECT's own order
    assert [r[1] for r in got if r[2] == 1] != sorted(r[1] for r in got if r[2] == 1)
