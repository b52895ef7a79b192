"""Outbox storage for delivery: scan, leases, outcomes, chat lifecycle, broadcasts, /latest."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Article
from bot.storage import RowUpdate, Storage


@pytest.fixture
async def storage(tmp_path: Path):
    s = await Storage.open(str(tmp_path / "o.sqlite3"))
    yield s
    await s.close()


async def setup(storage: Storage, chats: list[int]) -> int:
    feed, _ = await storage.feeds.add("https://a.example/rss", "أ", category="عام",
                                      is_default=True)
    for chat_id in chats:
        await storage.chats.register(chat_id, "private" if chat_id > 0 else "group")
    return feed.id


async def article(storage: Storage, feed_id: int, n: int, title: str = "خبر") -> int:
    new = await storage.articles.insert(Article(
        title=f"{title} {n}", url=f"https://a.example/{n}", source="أ",
        published=datetime(2026, 1, 1, n % 24, tzinfo=UTC), feed_id=feed_id, summary="ملخص"))
    assert new is not None
    return new


def rows(storage: Storage) -> list[tuple]:
    conn = sqlite3.connect(storage.db.path)
    try:
        return [tuple(r) for r in conn.execute(
            "SELECT id, chat_id, status, attempts, error FROM outbox ORDER BY id")]
    finally:
        conn.close()


async def test_scan_claim_and_record(storage: Storage) -> None:
    feed = await setup(storage, [1, 2, 3])
    await article(storage, feed, 1)
    await storage.chat_settings.set_digest(3, "hourly")  # left for the digest job
    scanned = await storage.outbox.scan(0, 100)
    assert [chat for _, chat in scanned] == [1, 2]
    claimed = await storage.outbox.claim([i for i, _ in scanned], "me", time.time() + 60)
    assert [(r.chat_id, r.chat_type, r.timezone) for r in claimed] == [
        (1, "private", "Asia/Riyadh"), (2, "private", "Asia/Riyadh")]
    assert await storage.outbox.claim([claimed[0].id], "other", time.time() + 60) == []
    assert await storage.outbox.scan(0, 100) == []
    await storage.outbox.record([
        RowUpdate(claimed[0].id, "sent", message_id=7),
        RowUpdate(claimed[1].id, "pending", error="500", not_before=time.time() + 60,
                  attempt=True)])
    assert [(r[1], r[2], r[3]) for r in rows(storage)] == [
        (1, "sent", 1), (2, "pending", 1), (3, "pending", 0)]
    assert await storage.outbox.scan(0, 100) == []  # not before its backoff


async def test_a_crashed_owner_rows_come_back(storage: Storage) -> None:
    feed = await setup(storage, [1, 2])
    await article(storage, feed, 1)
    ids = [i for i, _ in await storage.outbox.scan(0, 100)]
    await storage.outbox.claim(ids, "dead-process", time.time() + 600)
    assert await storage.outbox.release_others("me") == 2
    assert len(await storage.outbox.scan(0, 100)) == 2


async def test_gone_chat_is_deactivated_and_its_rows_dropped(storage: Storage) -> None:
    feed = await setup(storage, [1, 2])
    for n in (1, 2):
        await article(storage, feed, n)
    first = (await storage.outbox.scan(0, 1))[0][0]
    await storage.outbox.claim([first], "me", time.time() + 60)
    await storage.outbox.record([RowUpdate(first, "dropped", error="blocked")],
                                gone=[(1, "blocked")])
    chat = await storage.chats.get(1)
    assert chat is not None and not chat.active and chat.deactivated_reason == "blocked"
    assert [r[2] for r in rows(storage) if r[1] == 1] == ["dropped", "dropped"]
    assert {c for _, c in await storage.outbox.scan(0, 100)} == {2}


async def test_migration_moves_subscriptions_settings_and_rows(storage: Storage) -> None:
    feed = await setup(storage, [-5])
    await storage.chat_settings.set_quiet(-5, "23:00", "07:00")
    await article(storage, feed, 1)
    assert await storage.chat_settings.migrate(-5, -1005)
    assert await storage.chats.get(-5) is None
    moved = await storage.chats.get(-1005)
    assert moved is not None and moved.type == "supergroup" and moved.quiet_start == "23:00"
    assert [s.feed_id for s in await storage.subscriptions.list(-1005)] == [feed]
    assert [c for _, c in await storage.outbox.scan(0, 100)] == [-1005]


async def test_migration_into_an_existing_chat_merges(storage: Storage) -> None:
    feed = await setup(storage, [-5, -1005])  # both registered and subscribed to `feed`
    await storage.subscriptions.add(-5, "keyword", "سوريا", "سوريا")
    await article(storage, feed, 1)  # a row for each
    assert await storage.chat_settings.migrate(-5, -1005)
    subs = await storage.subscriptions.list(-1005)
    assert sorted(s.kind for s in subs) == ["feed", "keyword"]
    assert [c for _, c in await storage.outbox.scan(0, 100)] == [-1005]  # one, not two


async def test_stop_and_forget(storage: Storage) -> None:
    feed = await setup(storage, [1, 2])
    await article(storage, feed, 1)
    assert await storage.chat_settings.stop(1) == 1
    assert await storage.subscriptions.list(1) == []
    assert [r[2] for r in rows(storage) if r[1] == 1] == ["dropped"]
    mine = await storage.search.save_query("غزة", 2)
    theirs = await storage.search.save_query("غزة", 1)
    assert (await storage.chat_settings.forget(2)).found
    assert await storage.chats.get(2) is None and [r[1] for r in rows(storage)] == [1]
    assert await storage.search.load_query(mine) is None  # its /search paging buttons
    assert await storage.search.load_query(theirs) == ("غزة", 1)
    assert not (await storage.chat_settings.forget(2)).found


async def test_removing_a_source_drops_the_rows_no_subscription_wants(storage: Storage) -> None:
    feed = await setup(storage, [1, 2, 3, 4])  # all subscribed to `feed` (category عام)
    other, _ = await storage.feeds.add("https://b.example/rss", "ب")
    await storage.subscriptions.add(2, "category", "عام", "عام")
    await storage.subscriptions.add(3, "feed", str(other.id), "ب", other.id)
    first = await article(storage, feed, 1)
    story = await storage.articles.insert(Article(  # the same story from the other feed
        title="خبر 1 من مصدر آخر", url="https://b.example/1", source="ب",
        published=datetime(2026, 1, 1, tzinfo=UTC), feed_id=other.id), story_id=first)
    assert story is not None
    await article(storage, feed, 2, "اقتصاد")
    await storage.subscriptions.add(4, "keyword", "اقتصاد", "اقتصاد")
    assert await storage.feeds.remove(feed)
    # 1: nothing else wants them; 2: its category does; 3: the story comes from feed ب
    # too; 4: its keyword wants the second
    assert [(r[1], r[2]) for r in rows(storage)] == [
        (1, "dropped"), (2, "pending"), (3, "pending"), (4, "dropped"),
        (1, "dropped"), (2, "pending"), (3, "dropped"), (4, "pending")]
    assert await storage.subscriptions.remove(2, "category", "عام")
    assert [r[2] for r in rows(storage) if r[1] == 2] == ["dropped", "dropped"]
    assert not await storage.subscriptions.remove(2, "category", "عام")


async def test_broadcast_rows_counts_and_cancel(storage: Storage) -> None:
    await setup(storage, [1, 2, 3, 4])
    await storage.chat_settings.set_digest(4, "daily", "08:00")

    def draft(conn: sqlite3.Connection) -> int:
        return int(conn.execute(
            "INSERT INTO broadcasts (admin_id, kind, text, created_at) VALUES (1, 'text',"
            " 'مرحبا', 0)").lastrowid or 0)

    bid = await storage.db.write(draft)
    assert await storage.outbox.enqueue_broadcast(bid) == 4
    scanned = await storage.outbox.scan(0, 100)
    assert {c for _, c in scanned} == {1, 2, 3, 4}  # digest mode does not hold broadcasts
    ids = {c: i for i, c in scanned}
    await storage.outbox.claim([ids[1], ids[2]], "me", time.time() + 60)
    await storage.outbox.record([RowUpdate(ids[1], "sent", message_id=1),
                                 RowUpdate(ids[2], "dropped", error="blocked")],
                                gone=[(2, "blocked")])
    assert await storage.outbox.cancel_broadcast(bid) == 2
    assert await storage.outbox.broadcast_counts(bid) == {
        "sent": 1, "failed": 0, "blocked": 1, "pending": 0, "cancelled": 2, "left": 0}
    arts, casts = await storage.outbox.payloads([], [bid])
    assert casts[bid].kind == "text" and casts[bid].text == "مرحبا" and arts == {}


async def test_latest_matches_like_delivery_and_covers_pending_rows(storage: Storage) -> None:
    feed = await setup(storage, [1])
    other, _ = await storage.feeds.add("https://b.example/rss", "ب")
    await storage.subscriptions.add(1, "keyword", "سوريا", "سوريا")
    a1 = await article(storage, feed, 1)
    await storage.articles.insert(Article(
        title="أخبار من سوريا", url="https://b.example/2", source="ب", feed_id=other.id,
        published=datetime(2026, 1, 1, 5, tzinfo=UTC)))
    await storage.articles.insert(Article(
        title="طقس", url="https://b.example/3", source="ب", feed_id=other.id,
        published=datetime(2026, 1, 1, 6, tzinfo=UTC)))
    found = await storage.latest.for_chat(1, 5)
    assert [a.title for a in found] == ["أخبار من سوريا", "خبر 1"]
    assert [a.title for a in await storage.latest.for_chat(1, 1)] == ["أخبار من سوريا"]
    assert await storage.latest.cover(1, found, 99) == 2
    assert await storage.outbox.scan(0, 100) == []
    assert a1 in {a.id for a in found}
