"""Delivering while the database is full (tests/diskfull.py): claims and outcomes wait,
quietly, and nothing is lost: every chat gets its message once there is space (a restart
in between may send the rows already claimed again; never fewer)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Service
from bot.delivery import Delivery
from bot.delivery.http import delivery_bot
from bot.errors import StorageError
from bot.models import Article
from bot.storage import Storage
from tests.diskfull import fill, free
from tests.fakes.telegram import FakeTelegram
from tests.news import FEEDS, eventually, store
from tests.service import load, running_service, spawn, write_config


def _statuses(c: sqlite3.Connection) -> Counter[str]:
    return Counter(r[0] for r in c.execute("SELECT status FROM outbox"))


async def _statuses_of(service: Service) -> Counter[str]:
    assert service.storage is not None
    return await service.storage.db.read(_statuses)


def _delivery_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("bot.delivery")
            and r.levelno >= logging.WARNING]


async def test_claims_refused_by_a_full_disk_wait_quietly_and_go_out_after(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """Each refused claim logged a traceback, once a second ("delivery: feeding failed;
    trying again in 1 s"), for as long as the disk stayed full."""
    chats = [fake_telegram.add_private_chat() for _ in range(300)]
    fake_telegram.set_limits(global_per_second=100)
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS,
                          delivery={"messages_per_second": 100})
    async with running_service(config) as service:
        assert service.storage is not None and service.services.delivery is not None
        for chat in chats:
            await service.storage.chats.register(chat.id, "private")
        # the rows are made while the chats are in digest mode (the worker leaves them
        # alone), then the disk fills, then the chats want every article again
        await service.storage.db.write(lambda c: c.execute("UPDATE chats SET digest = 'daily'"))
        await store(service, "خبر والقرص ممتلئ")
        await fill(service.storage)
        await service.storage.db.write(lambda c: c.execute("UPDATE chats SET digest = 'off'"))
        service.services.delivery.wake()
        await asyncio.sleep(3)  # the old code logged a traceback a second
        assert fake_telegram.sent() == []
        assert await _statuses_of(service) == Counter(pending=300)
        assert not _delivery_lines(caplog), [r.getMessage() for r in _delivery_lines(caplog)]

        service.services.delivery.full_retry_max = 1.0  # not up to 30 s apart, here
        await free(service.storage)
        await fake_telegram.wait_for(300, timeout=25)  # the claim is tried again
        assert sorted(Counter(m.chat_id for m in fake_telegram.sent()).values()) == [1] * 300

        async def all_sent() -> bool:
            return await _statuses_of(service) == Counter(sent=300)

        await eventually(all_sent, timeout=5)


async def test_outcomes_refused_by_a_full_disk_are_held_and_recorded_later(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """The recorder logged "delivery: cannot record outcomes" once a second, and the feeder
    a traceback a second for its claims."""
    caplog.set_level(logging.INFO, logger="bot.delivery")
    chats = [fake_telegram.add_private_chat() for _ in range(40)]
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)
    async with running_service(config) as service:
        assert service.storage is not None and service.services.delivery is not None
        delivery = service.services.delivery
        for chat in chats:
            await service.storage.chats.register(chat.id, "private")
        fake_telegram.delay_next("sendMessage", 1.0, times=40)
        await store(service, "خبر قبل امتلاء القرص")
        await eventually(lambda: _claimed(service), timeout=5)
        await fill(service.storage, every_write=True)  # a real full disk: nothing is written
        claimed = (await _statuses_of(service))["sending"]
        assert 0 < claimed < 40
        await asyncio.sleep(6)  # the claimed sends (1 s each, 7 at a time) end; no new claim
        assert len(fake_telegram.sent()) == claimed  # sent, nothing more claimed meanwhile
        assert len(_delivery_lines(caplog)) == 1, [r.getMessage() for r in _delivery_lines(caplog)]
        assert delivery.attempt.recorder.blocked
        assert await _statuses_of(service) == Counter(sending=claimed, pending=40 - claimed)

        delivery.attempt.recorder.full_retry_max = delivery.full_retry_max = 1.0
        await free(service.storage)
        await fake_telegram.wait_for(40, timeout=20)

        async def all_sent() -> bool:
            return await _statuses_of(service) == Counter(sent=40)

        await eventually(all_sent, timeout=10)
        assert sorted(Counter(m.chat_id for m in fake_telegram.sent()).values()) == [1] * 40
    lines = _delivery_lines(caplog)
    assert [r.levelname for r in lines] == ["WARNING"], [r.getMessage() for r in lines]
    assert "outcome(s) cannot be recorded: storage: database full: " in lines[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info]
    assert sum("held outcome(s) recorded" in r.getMessage() for r in caplog.records) == 1


async def _claimed(service: Service) -> bool:
    return (await _statuses_of(service))["sending"] > 0


async def test_a_stop_on_a_full_disk_loses_nothing(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """Stopping while outcomes could not be written failed the stop hook (a traceback)
    and skipped the rest of the worker's shutdown; the rows are taken back at the next
    start either way, and sent again (the documented duplicates), never lost."""
    chats = [fake_telegram.add_private_chat() for _ in range(40)]
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)
    # the stop cannot release the lease (nothing can be written): the restart below
    # takes it over once it expires, after 4 s rather than the default 30 s
    async with running_service(config, lease_seconds=4) as service:
        assert service.storage is not None
        for chat in chats:
            await service.storage.chats.register(chat.id, "private")
        fake_telegram.delay_next("sendMessage", 1.0, times=40)
        await store(service, "خبر قبل امتلاء القرص")
        await eventually(lambda: _claimed(service), timeout=5)
        await fill(service.storage, every_write=True)
        claimed = (await _statuses_of(service))["sending"]
        await fake_telegram.wait_for(claimed, timeout=5)
    assert not [r for r in caplog.records if r.exc_info], \
        [r.getMessage() for r in caplog.records if r.exc_info]
    said = [r.getMessage() for r in caplog.records if r.name == "bot.delivery.worker"
            and r.levelno >= logging.WARNING]
    assert len(said) == 1 and said[0].startswith(
        f"delivery: stopping with {claimed} claimed row(s) not recorded or released")
    db = tmp_path / "newsbot.sqlite3"
    conn = sqlite3.connect(db)
    try:
        assert _statuses(conn) == Counter(sending=claimed, pending=40 - claimed)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()

    child = await spawn("run", "--config", str(config))  # restarted, space is back
    try:
        await fake_telegram.wait_for(40 + claimed, timeout=30)
    finally:
        assert await child.terminate() == 0, child.text
    conn = sqlite3.connect(db)
    try:
        assert _statuses(conn) == Counter(sent=40)
    finally:
        conn.close()
    per_chat = Counter(m.chat_id for m in fake_telegram.sent())
    assert set(per_chat) == {c.id for c in chats}  # nothing lost
    assert sum(per_chat.values()) == 40 + claimed  # the claimed ones twice, no more


async def test_rows_left_sending_are_taken_back_once_the_disk_has_space(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A take-back refused at start failed the worker's start: nothing was delivered
    again until the next restart."""
    chats = [fake_telegram.add_private_chat() for _ in range(5)]
    config = load(write_config(tmp_path, fake_telegram, feeds=FEEDS))
    storage = await Storage.open(config.storage.database)
    delivery = None
    try:
        await storage.feeds.sync_config(config.feeds)
        for chat in chats:
            await storage.chats.register(chat.id, "private")
        feed = (await storage.feeds.list())[0]
        await storage.articles.insert(Article(
            title="خبر قبل الانهيار", url="https://news.example/crash", source="المصدر أ",
            published=datetime.now(UTC), summary="ملخص.", feed_id=feed.id))
        await storage.db.write(lambda c: c.execute(  # a crashed process's claims
            "UPDATE outbox SET status = 'sending', lease_owner = 'otherhost:1:dead'"))
        await fill(storage, every_write=True)
        delivery = Delivery(storage, delivery_bot(config, None))
        delivery.full_retry_max = 0.5
        await delivery.start()
        await asyncio.sleep(1.5)
        assert fake_telegram.sent() == []
        await free(storage)
        await fake_telegram.wait_for(5, timeout=10)
        assert sorted(m.chat_id for m in fake_telegram.sent()) == sorted(c.id for c in chats)
    finally:
        if delivery is not None:
            await delivery.stop()
        await storage.close()


async def test_a_digest_sent_on_a_full_disk_is_marked_sent_once_there_is_space(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """Its rows stayed 'sending' until the next restart, which sent the digest again."""
    reader = fake_telegram.add_private_chat()
    async with running_service(write_config(tmp_path, fake_telegram, feeds=FEEDS)) as service:
        storage, digests = service.storage, service.services.digests
        assert storage is not None and digests is not None
        await storage.chats.register(reader.id, "private")
        await storage.chat_settings.set_digest(reader.id, "hourly")
        for n in range(3):
            await store(service, f"خبر للموجز رقم {n}")
        await storage.db.write(lambda c: c.execute(
            "UPDATE chats SET last_digest_at = last_digest_at - 2 * 86400"))
        fake_telegram.delay_next("sendMessage", 1.0)
        running = asyncio.create_task(digests.run_due())
        await eventually(lambda: _claimed(service), timeout=5)
        await fill(storage, every_write=True)
        with contextlib.suppress(StorageError):
            await running
        [digest] = await fake_telegram.wait_for_messages(reader.id, 1)
        assert "عدد الأخبار: 3" in (digest.plain_text or "")
        with contextlib.suppress(StorageError):
            await digests.run_due()  # still full: the mark waits, no new digest
        assert len(fake_telegram.sent(reader.id)) == 1
        await free(storage)
        await digests.run_due()
        assert await _statuses_of(service) == Counter(sent=3)
        assert await digests.run_due() == 0
        assert len(fake_telegram.sent(reader.id)) == 1  # one digest, marked sent
