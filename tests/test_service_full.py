"""The whole service on a full disk (tests/diskfull.py): it never exits for it (no crash
loop under systemd), it says so on /healthz, and it carries on by itself once there is
space again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Service
from bot.errors import StorageError
from bot.storage import Storage
from tests.diskfull import fill, free, full_from_the_start
from tests.fakes.telegram import FakeTelegram
from tests.news import FEEDS, store
from tests.service import load, write_config
from tests.test_ops_http import free_port, get, get_json

LEASE = 3.0  # seconds: a renewal every 0.5 s, overdue after 2.5 s


@contextlib.asynccontextmanager
async def _service(config: Path) -> AsyncIterator[Service]:
    service = Service(load(config), lease_seconds=LEASE)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def _until(check, timeout: float, what: str):  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)
    return value


async def test_a_lease_that_cannot_be_renewed_on_a_full_disk_suspends_instead_of_exiting(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """On a real full disk the renewal fails too; after ``ttl - renew_every`` the service
    declared the lease "lost to another process", stopped and exited 1."""
    chat = fake_telegram.add_private_chat()
    async with _service(write_config(tmp_path, fake_telegram, feeds=FEEDS)) as service:
        assert service.storage is not None and service.lease is not None
        lease = service.lease
        await service.storage.chats.register(chat.id, "private")
        await fill(service.storage, every_write=True)
        await asyncio.sleep(LEASE + 1)
        assert not lease.lost.is_set()
        assert lease.role == "suspended" and not service.services.may_send()
        await free(service.storage)
        await _until(lambda: lease.role == "active", 3, "not active again")
        assert not lease.lost.is_set()
        await store(service, "خبر بعد تحرير المساحة")
        await fake_telegram.wait_for_messages(chat.id, 1, timeout=10)
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.ops.lease"
            and r.levelno >= logging.WARNING]
    assert [level for level, _ in said] == ["WARNING", "ERROR", "WARNING"], said
    assert said[0][1].startswith("instance: cannot renew the lease: storage: database full: ")
    assert said[1][1].startswith("instance: the lease could not be renewed for ")
    assert said[2][1] == "instance: renewed the lease again; sending resumes"


async def test_a_service_started_on_a_full_disk_waits_for_space_instead_of_exiting(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """It exited 1 at once ("newsbot: storage: database or disk is full", measured on a
    full tmpfs: 2-3 s a start), and systemd's Restart=on-failure started it again 5 s
    later into the same failure, for as long as the disk stayed full."""
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)
    await (await Storage.open(str(tmp_path / "newsbot.sqlite3"))).close()
    chat = fake_telegram.add_private_chat()
    service = Service(load(config), lease_seconds=LEASE)
    with full_from_the_start(every_write=True):
        starting = asyncio.create_task(service.start())
        await asyncio.sleep(4)
    try:
        assert not starting.done(), starting.exception()
        assert service.storage is not None and service.app is None
        await free(service.storage)
        assert await asyncio.wait_for(starting, 15)
        fake_telegram.inject_message(chat.id, "/start")
        await fake_telegram.wait_for_messages(chat.id, 1)
        assert len(await service.storage.feeds.list()) == len(FEEDS)
    finally:
        if starting.done() and not starting.exception():
            await service.stop()
        else:
            starting.cancel()
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
            and r.name in ("bot.ops.lease", "bot.app")]
    assert len(said) == 1 and said[0].startswith(
        "instance: cannot take the database lease: storage: database full: "), said


async def test_healthz_says_the_database_is_full_until_writes_work_again(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """/healthz answered 200 "ok" while nothing could be written (measured on a full
    tmpfs: 200 twenty seconds in)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = str(tmp_path / "newsbot.sqlite3")
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS,
                          http={"enabled": True, "port": port})
    async with _service(config) as service:
        assert service.storage is not None
        assert (await get_json(f"{base}/healthz"))[0] == 200
        await fill(service.storage, every_write=True)
        with pytest.raises(StorageError):
            await service.storage.chats.register(1, "private")
        status, body = await get_json(f"{base}/healthz")
        assert status == 503 and body["status"] == "unhealthy", body
        assert body["reasons"][0].startswith(f"database full: cannot write {db} for "), body
        assert body["reasons"][0].endswith("write(s) refused); free space on its disk")
        assert "newsbot_database_full 1.0" in (await get(f"{base}/metrics"))[2]
        await asyncio.sleep(LEASE)  # the lease renewals are refused too: nothing is sent
        status, body = await get_json(f"{base}/healthz")
        assert (status, body["role"]) == (503, "suspended"), body
        assert body["reasons"][0].startswith("instance: the single-instance lease cannot be "
                                             "renewed (the database is full)"), body

        service.storage.db.full_quiet = 1.0  # a minute by default
        await free(service.storage)
        deadline = time.monotonic() + 10
        while (status := (await get_json(f"{base}/healthz"))[0]) != 200:
            assert time.monotonic() < deadline, "/healthz stayed unhealthy"
            await asyncio.sleep(0.2)
        assert service.storage.db.full is None
        assert "newsbot_database_full 0.0" in (await get(f"{base}/metrics"))[2]
