"""Storage on a full disk (simulated with ``PRAGMA max_page_count``, tests/diskfull.py):
SQLITE_FULL comes out as ``StorageFull`` naming "database full" and the file, nothing of
the refused transaction is kept, and the log says so once per episode."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import errors
from bot.errors import StorageError
from bot.models import Article
from bot.storage import Storage
from bot.storage._db import _translate
from bot.storage._lease import renew, try_acquire
from bot.storage._polling import store_poll
from tests.diskfull import fill, free


def _article(n: int, feed_id: int, prefix: str = "old") -> Article:
    return Article(title=f"خبر {prefix} رقم {n}", url=f"https://news.example/{prefix}/{n}",
                   source="المصدر", published=datetime.now(UTC), summary="ملخص " * 100,
                   text="نص الخبر الكامل " * 100, feed_id=feed_id)


async def _storage(tmp_path: Path, articles: int = 30) -> tuple[Storage, int]:
    storage = await Storage.open(str(tmp_path / "news.sqlite3"))
    feed, _ = await storage.feeds.add("https://news.example/rss", "المصدر")
    for n in range(articles):
        await storage.articles.insert(_article(n, feed.id), enqueue=False)
    return storage, feed.id


def _poll(feed_id: int, n: int = 40):
    items = [(_article(i, feed_id, "new"), 0) for i in range(n)]
    return lambda c: store_poll(c, feed_id, items, now=1.0, next_poll_at=2.0, etag='"v2"',
                                last_modified=None, body_hash="new-body")


def _count(c: sqlite3.Connection) -> tuple[int, str | None]:
    return (c.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            c.execute("SELECT etag FROM feeds").fetchone()[0])


async def test_a_poll_refused_by_a_full_disk_says_so_and_keeps_nothing(tmp_path: Path) -> None:
    """SQLite rolls the whole transaction back itself on this SQLITE_FULL; the ROLLBACK
    that followed failed ("cannot rollback - no transaction is active") and that was the
    error everyone saw."""
    storage, feed_id = await _storage(tmp_path)
    try:
        await fill(storage)
        with pytest.raises(StorageError) as caught:
            await storage.db.write(_poll(feed_id))
        message = str(caught.value)
        assert "cannot rollback" not in message
        assert message.startswith("storage: database full: cannot write ")
        assert str(tmp_path / "news.sqlite3") in message and "database or disk is full" in message
        assert isinstance(caught.value, errors.StorageFull)
        assert await storage.db.read(_count) == (30, None)  # nothing of the poll kept
        await free(storage)
        await storage.db.write(_poll(feed_id))  # the same poll, once there is space
        assert await storage.db.read(_count) == (70, '"v2"')
        assert await storage.db.read(lambda c: c.execute("PRAGMA integrity_check").fetchone()[0]) \
            == "ok"
    finally:
        await storage.close()


async def test_on_a_really_full_disk_even_a_write_in_place_is_refused(tmp_path: Path) -> None:
    """On a real full disk the ``-wal`` file cannot grow: the lease renewal (one row
    changed in place) fails too; the connection is left usable (no transaction open)."""
    storage, _ = await _storage(tmp_path, articles=0)
    try:
        assert (await storage.db.write(lambda c: try_acquire(c, "me", 30, 100.0)))[0]
        await fill(storage)
        assert (await storage.db.write(lambda c: renew(c, "me", 30, 101.0)))[0]  # fits
        await fill(storage, every_write=True)
        with pytest.raises(StorageError, match="database full"):
            await storage.db.write(lambda c: renew(c, "me", 30, 102.0))
        await free(storage)
        ok, record = await storage.db.write(lambda c: renew(c, "me", 30, 103.0))
        assert ok and record is not None and record.expires_at == 133.0
    finally:
        await storage.close()


async def test_one_log_line_when_writes_start_failing_and_one_when_they_work_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.storage")
    storage, feed_id = await _storage(tmp_path)
    path = str(tmp_path / "news.sqlite3")
    try:
        await fill(storage, every_write=True)
        for _ in range(50):
            with pytest.raises(StorageError):
                await storage.db.write(_poll(feed_id, 2))
        episode = storage.db.full
        assert episode is not None and episode.refused == 50
        assert episode.describe(path).startswith(f"database full: cannot write {path} for ")
        await free(storage)
        await storage.db.write(_poll(feed_id, 1))  # within the quiet period: still full
        assert storage.db.full is not None
        storage.db.full_quiet = 0.0
        await storage.db.write(lambda c: c.execute("UPDATE feeds SET name = 'المصدر'"))
        assert storage.db.full is None
    finally:
        await storage.close()
    lines = [r for r in caplog.records
             if r.name == "bot.storage._db" and r.levelno >= logging.WARNING]
    assert [r.levelname for r in lines] == ["ERROR", "WARNING"], [r.getMessage() for r in lines]
    assert lines[0].getMessage().startswith(f"storage: database full: cannot write {path} ")
    assert lines[0].exc_info is None
    assert lines[1].getMessage().startswith(f"storage: {path} can be written again (database "
                                            "full for ")
    assert "50 write(s) refused" in lines[1].getMessage()


def test_an_shm_file_that_cannot_grow_is_a_full_disk() -> None:
    """After a clean stop the ``-wal`` and ``-shm`` files are gone; opening the database
    on a full disk then fails to create the ``-shm`` file, even to read (measured on a
    full tmpfs: "disk I/O error", SQLITE_IOERR_SHMSIZE)."""
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode = sqlite3.SQLITE_IOERR_SHMSIZE  # type: ignore[attr-defined]
    error = _translate(exc, "/var/lib/newsbot/newsbot.sqlite3")
    assert isinstance(error, errors.StorageFull)
    assert str(error) == ("storage: database full: cannot create or grow "
                          "/var/lib/newsbot/newsbot.sqlite3-shm (disk I/O error); free space "
                          "on its disk")
