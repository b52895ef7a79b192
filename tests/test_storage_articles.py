"""Articles: stored once, indexed and enqueued in the same transaction."""

from __future__ import annotations

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
