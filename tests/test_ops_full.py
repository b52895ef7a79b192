"""Retention and the search-index rebuild on a full disk (tests/diskfull.py): neither
gives up until the next start, and a refused rebuild gives its half-built index's space
back at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.storage import _search
from bot.storage._fts import SHADOW_TABLE
from bot.storage._maintenance import DAY
from jobs import maintenance
from tests.diskfull import fill, free, full_from_the_start
from tests.fakes.telegram import FakeTelegram
from tests.service import running_service, write_config
from tests.test_ops_retention import _article
from tests.test_search_storage import ARTICLES, BAHRAIN, stale_index, titles


async def _eventually(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


def _articles(c: sqlite3.Connection) -> int:
    return int(c.execute("SELECT COUNT(*) FROM articles").fetchone()[0])


async def test_retention_refused_for_space_is_tried_again_soon(
        tmp_path: Path, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """It raised out of the job (a traceback) and waited for the next daily run."""
    monkeypatch.setattr(maintenance, "FULL_RETRY_SECONDS", 1.0, raising=False)
    async with running_service(write_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None and service.app is not None
        assert service.app.job_queue is not None
        feed, _ = await storage.feeds.add("https://news.example/rss", "المصدر")
        for n in range(5):
            await storage.articles.insert(_article(n, feed.id), enqueue=False)
        old = time.time() - 200 * DAY
        await storage.db.write(lambda c: c.execute("UPDATE articles SET fetched_at = ?", (old,)))
        await fill(storage, every_write=True)
        [job] = service.app.job_queue.get_jobs_by_name("maintenance")
        await job.run(service.app)
        await asyncio.sleep(0.5)
        assert await storage.db.read(_articles) == 5
        await free(storage)

        async def pruned() -> bool:
            return await storage.db.read(_articles) == 0

        await _eventually(pruned, 10, "retention was not tried again")
    assert not [r for r in caplog.records if r.exc_info]
    said = [r.getMessage() for r in caplog.records if r.name == "jobs.maintenance"
            and r.levelno >= logging.WARNING]
    assert len(said) == 1 and said[0].startswith(
        "maintenance: retention stopped: storage: database full: cannot write "), said


async def test_a_rebuild_refused_for_space_gives_it_back_and_finishes_later(
        tmp_path: Path, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """It logged a traceback, left its half-built index in the file (pages the bot
    needed) and gave up until the next start: the index stayed stale all run."""
    monkeypatch.setattr(maintenance, "FULL_RETRY_SECONDS", 0.5, raising=False)
    monkeypatch.setattr(maintenance, "RETRY_SECONDS", 0.2)
    monkeypatch.setattr(_search, "REINDEX_BATCH", 20)
    db = tmp_path / "newsbot.sqlite3"
    storage = await stale_index(db)
    for n in range(300):
        await storage.articles.insert(replace(
            ARTICLES[n % len(ARTICLES)], url=f"https://example.com/more/{n}",
            title=f"{ARTICLES[n % len(ARTICLES)].title} {n}"), enqueue=False)
    await storage.close()

    def shadow(c: sqlite3.Connection) -> bool:
        return c.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                         (SHADOW_TABLE,)).fetchone() is not None

    with contextlib.ExitStack() as full:
        full.enter_context(full_from_the_start(spare=40))  # room for a part of the index
        async with running_service(write_config(tmp_path, fake_telegram)) as service:
            storage = service.storage
            assert storage is not None

            async def refused() -> bool:
                return any("rebuilding the index" in r.getMessage() for r in caplog.records
                           if r.levelno >= logging.WARNING)

            await _eventually(refused, 20, "the rebuild did not run into the full disk")
            assert await storage.search.index_is_stale()  # the old index stays in use
            assert not await storage.db.read(shadow)  # and its space is given back
            assert storage.db.full is not None

            full.close()  # connections opened from now on have space again
            storage.db.full_quiet = 0.0
            await free(storage)

            async def rebuilt() -> bool:
                return not await storage.search.index_is_stale()

            await _eventually(rebuilt, 20, "the index was not rebuilt once there was space")
            assert await titles(storage, "البحرين") == [BAHRAIN.title]
    assert not [r for r in caplog.records if r.exc_info]
    said = [r.getMessage() for r in caplog.records if r.name == "jobs.maintenance"
            and r.levelno >= logging.WARNING and "rebuilding the index" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(
        "search: rebuilding the index stopped: storage: database full: cannot rebuild the "
        f"search index of {db} "), said
