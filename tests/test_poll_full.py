"""Polling while the database is full (tests/diskfull.py): the feed is not blamed (no
failure counted, no backoff, never disabled), nothing is fetched and rebuilt at every
tick, and the items polled meanwhile are stored, once, when there is space again."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

import jobs.poll
from bot.app import Service
from tests.diskfull import fill, free
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram import FakeTelegram
from tests.fixtures.ingest.site import item, rss
from tests.service import running_service, write_config

pytest_plugins = ["tests.fakes.feed_fixtures"]


@pytest.fixture(autouse=True)
def fast_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The poll job ticks every second here, not every 5 s (the behaviour is per tick)."""
    monkeypatch.setattr(jobs.poll, "TICK_SECONDS", 1.0)

TITLES = ["البنك المركزي يبقي أسعار الفائدة دون تغيير",
          "انطلاق بطولة كأس آسيا بمشاركة 24 منتخبا"]
FIRST = item("البنك المركزي يبقي أسعار الفائدة دون تغيير", "https://bank.example/1", "1",
             description="أبقى البنك المركزي أسعار الفائدة دون تغيير للمرة الثالثة على التوالي، "
                         "مشيرا إلى تراجع معدلات التضخم خلال الأشهر الماضية.")
SECOND = item("انطلاق بطولة كأس آسيا بمشاركة 24 منتخبا", "https://sport.example/2", "2",
              description="انطلقت اليوم منافسات بطولة كأس آسيا لكرة القدم بمشاركة 24 منتخبا، "
                          "وسط حضور جماهيري كبير في حفل الافتتاح. " * 40,
              date=format_datetime(datetime.now(UTC) - timedelta(hours=1)))


async def _until(check, timeout: float, what: str):  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def _started(service: Service, fake: FakeTelegram, chat_id: int) -> None:
    storage = service.storage
    assert storage is not None

    async def polled() -> bool:
        return (await storage.feeds.list())[0].initialized

    await _until(polled, 20, "the feed was not polled")
    fake.inject_message(chat_id, "/start")
    await fake.wait_for_messages(chat_id, 1)


async def _titles(service: Service) -> list[str]:
    assert service.storage is not None
    return await service.storage.db.read(
        lambda c: [r[0] for r in c.execute("SELECT title FROM articles ORDER BY id")])


def _config(tmp_path: Path, fake: FakeTelegram, server: FeedServer, **polling: object) -> Path:
    return write_config(tmp_path, fake, feeds=[{
        "url": server.url("/rss.xml"), "name": "أخبار محلية", "default": True}],
        polling={"allow_private_addresses": True, "interval_seconds": 10, **polling})


async def test_a_full_disk_pauses_polling_instead_of_refetching_at_every_tick(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer,
        caplog: pytest.LogCaptureFixture) -> None:
    """On a real full disk the failure cannot be recorded either: the feed stayed due and
    was fetched, parsed and built again at every tick (5 s), two tracebacks each time."""
    caplog.set_level(logging.INFO)
    feed_server.add_feed("/rss.xml", rss([FIRST]), etag='"v1"')
    chat = fake_telegram.add_private_chat()
    async with running_service(_config(tmp_path, fake_telegram, feed_server)) as service:
        assert service.storage is not None and service.services.poller is not None
        poller = service.services.poller
        await _started(service, fake_telegram, chat.id)
        feed_server.add_feed("/rss.xml", rss([SECOND, FIRST]), etag='"v2"')
        await service.storage.polling.mark_due()
        feed_server.reset_log()
        await fill(service.storage, every_write=True)
        await asyncio.sleep(3.5)  # three ticks: only the first one polls
        assert len(feed_server.requests("/rss.xml")) == 1
        assert await _titles(service) == TITLES[:1]

        await free(service.storage)
        poller.options = replace(poller.options, full_retry=0.5)  # do not wait 30 s here
        await _until(lambda: _has(service, TITLES[1]), 15, "not stored after the disk")
        [message] = (await fake_telegram.wait_for_messages(chat.id, 2))[1:]
        assert "كأس آسيا" in message.plain_text
        assert await _titles(service) == TITLES  # once
        [feed] = await service.storage.feeds.list()
        assert feed.consecutive_failures == 0 and feed.etag == '"v2"'
    poll_lines = [r for r in caplog.records if r.name == "bot.ingest.poller"]
    assert not [r for r in poll_lines if r.levelno >= logging.WARNING or r.exc_info], \
        [r.getMessage() for r in poll_lines]
    said = [r.getMessage() for r in poll_lines]
    assert sum("polling paused: storage: database full: cannot write" in m for m in said) == 1
    assert sum("polling resumes" in m for m in said) == 1


async def _has(service: Service, title: str) -> bool:
    return title in await _titles(service)


async def test_a_full_disk_is_not_counted_against_the_feed(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer) -> None:
    """When the failure could be recorded (it fits in its page), each refused poll counted
    as a failure of the feed: backed off (10 s, 20 s ... up to 6 h after the disk was
    freed), then disabled after ``max_consecutive_failures``, for an admin to resume."""
    feed_server.add_feed("/rss.xml", rss([FIRST]), etag='"v1"')
    chat = fake_telegram.add_private_chat()
    config = _config(tmp_path, fake_telegram, feed_server, max_consecutive_failures=2)
    async with running_service(config) as service:
        assert service.storage is not None and service.services.poller is not None
        poller = service.services.poller
        await _started(service, fake_telegram, chat.id)
        feed_server.add_feed("/rss.xml", rss([SECOND, FIRST]), etag='"v2"')
        await fill(service.storage)
        outcomes = []
        for _ in range(3):
            [feed] = await service.storage.feeds.list()
            outcomes.append(await poller.poll_feed(feed))  # a failure would fit in its page
        assert len(feed_server.requests("/rss.xml")) == 4  # the first poll, and 3 refused
        [feed] = await service.storage.feeds.list()
        assert (feed.consecutive_failures, feed.disabled_reason, feed.last_error) == (0, None,
                                                                                      None)
        assert [(o.result, o.kind) for o in outcomes] == [("error", "full")] * 3
        assert "storage: database full: cannot write" in (outcomes[0].error or "")
        await free(service.storage)
        poller.options = replace(poller.options, full_retry=0.5)
        await service.storage.polling.mark_due()  # due now, not at its 10 s interval
        await _until(lambda: _has(service, TITLES[1]), 15, "not stored after the disk")
        await fake_telegram.wait_for_messages(chat.id, 2)
        [feed] = await service.storage.feeds.list()
        assert feed.consecutive_failures == 0 and feed.disabled_reason is None
