"""Delivering while the disk fails the database's reads (tests/diskerror.py: SQLite says
SQLITE_IOERR, as on a failing disk): the worker keeps trying, further and further apart,
with one traceback for the whole episode instead of one a second, says when it works
again, and nothing is lost."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Article
from bot.storage import Storage
from tests.diskerror import ReaderDisk
from tests.fakes.telegram import FakeTelegram
from tests.news import FEEDS, feed_id
from tests.service import running_service, write_config


def _feeding_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.delivery.worker"
            and r.levelno >= logging.WARNING and "feeding" in r.getMessage()]


async def test_reads_failing_for_a_while_log_one_traceback_and_the_news_goes_out(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """Before: "delivery: feeding failed; trying again in 1 s" with a traceback every
    second for as long as the disk failed (3,600 an hour)."""
    path = tmp_path / "newsbot.sqlite3"
    await (await Storage.open(str(path))).close()  # ReaderDisk needs the file in WAL mode
    chat = fake_telegram.add_private_chat()
    with ReaderDisk(path) as disk:
        async with running_service(write_config(tmp_path, fake_telegram, feeds=FEEDS)) as svc:
            assert svc.storage is not None
            await svc.storage.chats.register(chat.id, "private")
            article = Article(title="خبر والقرص يتعثر", url="https://news.example/disk",
                              source="المصدر أ", published=datetime.now(UTC),
                              summary="ملخص قصير للخبر يكفي لفهمه.",
                              feed_id=await feed_id(svc, 0))
            with disk.failing():
                assert await svc.storage.articles.insert(article)  # (the writer still writes)
                assert svc.services.delivery is not None
                svc.services.delivery.wake()
                await asyncio.sleep(1.6)  # tried at once, then 1 s later
                assert fake_telegram.sent() == []
            [message] = await fake_telegram.wait_for_messages(chat.id, 1, timeout=10)
            assert "خبر والقرص يتعثر" in (message.plain_text or "")
    lines = _feeding_lines(caplog)
    assert [r.exc_info is not None for r in lines[:1]] == [True]
    assert sum(r.exc_info is not None for r in lines) == 1, [r.getMessage() for r in lines]
    assert "feeding failed 2 times in a row" in lines[1].getMessage()
    assert "feeding works again after" in lines[-1].getMessage()
