"""Matching: one outbox row per matching active chat, one per story, same transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.matching import keyword_key
from bot.storage import Storage
from bot.storage._matching import enqueue_article


@pytest.fixture
async def storage(tmp_path: Path):
    s = await Storage.open(str(tmp_path / "m.sqlite3"))
    yield s
    await s.close()


def add_article(conn: sqlite3.Connection, feed_id: int | None, title: str, *,
                category: str | None = None, story_id: int | None = None, url: str = "") -> int:
    cur = conn.execute(
        "INSERT INTO articles (feed_id, url, title, source, category, published_at, fetched_at,"
        " summary, story_id) VALUES (?, ?, ?, 'src', ?, 0, 0, '', ?)",
        (feed_id, url or f"https://x.example/{title}", title, category, story_id))
    return int(cur.lastrowid or 0)


def subscribe(conn: sqlite3.Connection, chat_id: int, kind: str, value: str,
              feed_id: int | None = None) -> None:
    conn.execute("INSERT INTO subscriptions (chat_id, kind, feed_id, value, display, created_at)"
                 " VALUES (?, ?, ?, ?, ?, 0)", (chat_id, kind, feed_id, value, value))


def outbox(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    return [tuple(r) for r in conn.execute(
        "SELECT chat_id, article_id FROM outbox ORDER BY chat_id, article_id")]


async def test_feed_category_keyword_and_inactive(storage: Storage) -> None:
    feed, _ = await storage.feeds.add("https://a.example/rss", "A", category="رياضة")
    other, _ = await storage.feeds.add("https://b.example/rss", "B")
    for chat_id in (1, 2, 3, 4, 5):
        await storage.chats.register(chat_id, "private")
    await storage.chats.deactivate(5, "blocked")

    def go(conn: sqlite3.Connection) -> list[tuple[int, int]]:
        subscribe(conn, 1, "feed", str(feed.id), feed.id)
        subscribe(conn, 2, "category", "رياضه")  # stored normalized
        subscribe(conn, 3, "keyword", keyword_key("الأمم المتحدة"))
        subscribe(conn, 4, "feed", str(other.id), other.id)
        subscribe(conn, 5, "feed", str(feed.id), feed.id)  # inactive chat
        a = add_article(conn, feed.id, "كلمة الأمين العام للأمم المتّحدة")
        assert enqueue_article(conn, a) == 3
        assert enqueue_article(conn, a) == 0  # idempotent
        b = add_article(conn, other.id, "خبر آخر", category="رياضة")
        enqueue_article(conn, b)
        return outbox(conn)

    rows = await storage.db.write(go)
    assert rows == [(1, 1), (2, 1), (2, 2), (3, 1), (4, 2)]


async def test_one_message_per_story_per_chat(storage: Storage) -> None:
    a_feed, _ = await storage.feeds.add("https://a.example/rss", "A")
    b_feed, _ = await storage.feeds.add("https://b.example/rss", "B")
    await storage.chats.register(1, "private")

    def go(conn: sqlite3.Connection) -> list[tuple[int, int]]:
        subscribe(conn, 1, "feed", str(a_feed.id), a_feed.id)
        subscribe(conn, 1, "feed", str(b_feed.id), b_feed.id)
        first = add_article(conn, a_feed.id, "زلزال", url="https://a.example/1")
        conn.execute("UPDATE articles SET story_id = id WHERE id = ?", (first,))
        enqueue_article(conn, first)
        second = add_article(conn, b_feed.id, "زلزال!", story_id=first, url="https://b.example/1")
        assert enqueue_article(conn, second) == 0
        return outbox(conn)

    assert await storage.db.write(go) == [(1, 1)]
