"""Crash safety: a clean stop leaves nothing claimed; a kill -9 in the middle of
delivering to hundreds of chats loses nothing, and duplicates stay within what was in
flight (sends under way + outcomes not yet recorded)."""

from __future__ import annotations

import signal
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_config
from bot.delivery.worker import default_concurrency
from bot.models import Article
from bot.storage import Storage
from tests.fakes.telegram import FakeTelegram
from tests.news import FEEDS, store
from tests.service import running_service, spawn, write_config


def statuses(db: str) -> Counter[str]:
    conn = sqlite3.connect(db)
    try:
        return Counter(r[0] for r in conn.execute("SELECT status FROM outbox"))
    finally:
        conn.close()


async def test_stop_finishes_in_flight_sends_and_leaves_nothing_claimed(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    chats = [fake_telegram.add_private_chat() for _ in range(120)]
    fake_telegram.set_limits(global_per_second=60)
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS,
                          delivery={"messages_per_second": 60})
    async with running_service(config) as service:
        assert service.storage is not None
        for chat in chats:
            await service.storage.chats.register(chat.id, "private")
        await store(service, "خبر قبل الإيقاف")
        await fake_telegram.wait_for(30, timeout=10)
    db = str(tmp_path / "newsbot.sqlite3")
    counts = statuses(db)
    assert counts["sending"] == 0 and counts["sent"] == len(fake_telegram.sent())
    assert counts["pending"] == 120 - counts["sent"] > 0
    async with running_service(config):
        await fake_telegram.wait_for(120, timeout=10)
    assert sorted(Counter(m.chat_id for m in fake_telegram.sent()).values()) == [1] * 120
    assert statuses(db) == Counter(sent=120)
    fake_telegram.assert_no_rate_limits()


async def test_kill_9_mid_delivery_loses_nothing(tmp_path: Path,
                                                 fake_telegram: FakeTelegram) -> None:
    rate, n = 150, 300
    chats = [fake_telegram.add_private_chat() for _ in range(n)]
    fake_telegram.set_limits(global_per_second=rate)
    path = write_config(tmp_path, fake_telegram, feeds=FEEDS,
                        delivery={"messages_per_second": rate})
    config = load_config(str(path), env={})
    storage = await Storage.open(config.storage.database)
    try:
        await storage.feeds.sync_config(config.feeds)
        for chat in chats:
            await storage.chats.register(chat.id, "private")
        feed = (await storage.feeds.list())[0]
        await storage.articles.insert(Article(
            title="خبر قبل الانهيار", url="https://news.example/crash", source="المصدر أ",
            published=datetime.now(UTC), summary="ملخص.", feed_id=feed.id))
    finally:
        await storage.close()

    child = await spawn("run", "--config", str(path))
    try:
        await fake_telegram.wait_for(100, timeout=20)
    finally:
        child.proc.send_signal(signal.SIGKILL)
        await child.wait()
    at_kill = len(fake_telegram.sent())
    assert at_kill < n, "the kill came too late to test anything"
    in_flight = statuses(config.storage.database)["sending"]  # leased, not yet recorded
    assert in_flight > 0  # it really died mid-flight

    child = await spawn("run", "--config", str(path))
    try:
        await fake_telegram.wait_for(lambda f: len({m.chat_id for m in f.sent()}) == n,
                                     timeout=20, what="every chat to get the article")
    finally:
        assert await child.terminate(signal.SIGTERM) == 0, child.text
    per_chat = Counter(m.chat_id for m in fake_telegram.sent())
    lost = [c.id for c in chats if per_chat[c.id] == 0]
    duplicates = sum(count - 1 for count in per_chat.values())
    print(f"kill -9 after {at_kill} of {n} messages: lost {len(lost)}, duplicates "
          f"{duplicates}, rows in flight {in_flight}")
    assert lost == []
    # Structural bound on what can be claimed and not recorded: the queue (depth), the
    # senders (concurrency) and one recorder batch.
    concurrency = default_concurrency(rate)
    assert duplicates <= in_flight <= max(concurrency, rate // 2) + concurrency + 256
    assert statuses(config.storage.database) == Counter(sent=n)
    fake_telegram.assert_no_rate_limits()
