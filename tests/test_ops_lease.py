"""The single-instance lease on a real database, two processes' worth of objects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ops.lease import InstanceLease, InstanceRunningError
from bot.storage import Storage
from bot.storage import _lease as lease_sql

TTL = 2.0


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[tuple[Storage, Storage]]:
    path = str(tmp_path / "db.sqlite3")
    a, b = await Storage.open(path), await Storage.open(path)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_second_instance_exits_or_waits_until_released(
        two: tuple[Storage, Storage]) -> None:
    first = InstanceLease(two[0], ttl=TTL, owner="host:1:aaaa")
    second = InstanceLease(two[1], ttl=TTL, owner="host:2:bbbb")
    assert await first.acquire(wait=False)
    assert first.held and first.role == "active"
    with pytest.raises(InstanceRunningError, match=r"host:1:aaaa .*--exit-if-running"):
        await second.acquire(wait=False)
    assert not second.held

    waiting = asyncio.create_task(second.acquire(wait=True))
    await asyncio.sleep(TTL + 0.4)  # renewals keep the first one's lease alive
    assert not waiting.done() and second.role == "standby"
    started = time.monotonic()
    await first.release()  # a clean stop hands over at once
    assert await asyncio.wait_for(waiting, TTL)
    assert time.monotonic() - started < TTL / 2
    assert second.held and not first.held and not first.lost.is_set()
    await second.release()
    assert await two[0].lease.read() is None


async def test_standby_takes_over_after_a_crash_within_the_expiry(
        two: tuple[Storage, Storage]) -> None:
    first = InstanceLease(two[0], ttl=TTL, owner="host:1:aaaa")
    second = InstanceLease(two[1], ttl=TTL, owner="host:2:bbbb")
    await first.acquire()
    assert first._task is not None
    first._task.cancel()  # "SIGKILL": renewals stop, nothing is released
    crashed = time.monotonic()
    assert await asyncio.wait_for(second.acquire(wait=True), TTL * 2)
    assert time.monotonic() - crashed <= TTL + 0.5
    record = await two[1].lease.read()
    assert record is not None and record.owner == "host:2:bbbb"
    await second.release()


async def test_lease_taken_behind_our_back_is_lost_and_stops_sending(
        two: tuple[Storage, Storage]) -> None:
    first = InstanceLease(two[0], ttl=TTL, owner="host:1:aaaa")
    await first.acquire()
    # Clock games: another process with a clock far ahead judged our lease expired.
    ok, _ = await two[1].db.write(
        lambda c: lease_sql.try_acquire(c, "other:9:cccc", TTL, time.time() + 3600))
    assert ok
    await asyncio.wait_for(first.lost.wait(), TTL)
    assert not first.held and first.role == "lost"
    assert first.holder is not None and first.holder.owner == "other:9:cccc"
    await first.release()  # must not delete the other owner's lease
    record = await two[1].lease.read()
    assert record is not None and record.owner == "other:9:cccc"


async def test_overdue_renewal_counts_as_lost(two: tuple[Storage, Storage]) -> None:
    first = InstanceLease(two[0], ttl=TTL, renew_every=60, owner="host:1:aaaa")
    await first.acquire()
    first._last_ok -= TTL  # no successful renewal for a whole ttl (database stuck)
    assert not first.held
    assert first.lost.is_set()
    await first.release()


async def test_stop_while_waiting_as_standby(two: tuple[Storage, Storage]) -> None:
    first = InstanceLease(two[0], ttl=TTL, owner="host:1:aaaa")
    second = InstanceLease(two[1], ttl=TTL, owner="host:2:bbbb")
    await first.acquire()
    stop = asyncio.Event()
    waiting = asyncio.create_task(second.acquire(wait=True, stop=stop))
    await asyncio.sleep(0.2)
    stop.set()
    assert await asyncio.wait_for(waiting, 2) is False
    assert not second.held
    await first.release()


def test_lease_rows_are_taken_atomically_and_expire(tmp_path: Path) -> None:
    import sqlite3

    from bot.storage._schema import MIGRATIONS

    conn = sqlite3.connect(":memory:")
    MIGRATIONS[0](conn)
    assert lease_sql.try_acquire(conn, "a", 30, 1000.0)[0]
    ok, holder = lease_sql.try_acquire(conn, "b", 30, 1010.0)
    assert not ok and holder is not None and holder.owner == "a"
    assert lease_sql.renew(conn, "a", 30, 1020.0)[0]
    assert not lease_sql.try_acquire(conn, "b", 30, 1049.0)[0]  # renewed until 1050
    ok, record = lease_sql.try_acquire(conn, "b", 30, 1050.5)
    assert ok and record is not None and record.acquired_at == 1050.5
    assert not lease_sql.renew(conn, "a", 30, 1051.0)[0]  # a lost it
    assert not lease_sql.release(conn, "a") and lease_sql.release(conn, "b")
    conn.execute("INSERT INTO meta VALUES ('instance_lease', 'garbage', 0)")
    assert lease_sql.read(conn) is None and lease_sql.try_acquire(conn, "c", 30, 2000.0)[0]


async def test_a_renewal_stuck_behind_the_database_loses_the_lease(
        two: tuple[Storage, Storage], monkeypatch: pytest.MonkeyPatch) -> None:
    first = InstanceLease(two[0], ttl=TTL, owner="host:1:aaaa")
    await first.acquire()

    async def stuck(*args: object) -> None:
        await asyncio.sleep(3600)

    monkeypatch.setattr(two[0].lease, "renew", stuck)
    started = time.monotonic()
    await asyncio.wait_for(first.lost.wait(), TTL * 2)
    assert TTL - first.renew_every - 0.5 < time.monotonic() - started <= TTL
    assert not first.held
    await first.release()
