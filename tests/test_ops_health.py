"""/healthz rules as a pure function (bot.ops.health.judge)."""

from __future__ import annotations

from dataclasses import replace

from bot.ops.health import DELIVERY_BACKLOG, DELIVERY_HEARTBEAT, HealthInput, judge

NOW = 1_000_000.0
BASE = HealthInput(now=NOW, role="active", active_since=NOW - 10_000, poll_interval=300,
                   enabled_feeds=3, last_poll=NOW - 30, last_delivery=NOW - 2,
                   outbox_pending=0, oldest_due_at=None)


def test_healthy_and_idle() -> None:
    ok, body = judge(BASE)
    assert ok and body["status"] == "ok" and body["reasons"] == []
    assert body["checks"]["poll"]["threshold_seconds"] == 900
    # idle: no feeds to poll, nothing due, no heartbeats at all -> still healthy
    ok, body = judge(replace(BASE, enabled_feeds=0, last_poll=None, last_delivery=None))
    assert ok, body


def test_poll_stalls_after_three_intervals() -> None:
    ok, _ = judge(replace(BASE, last_poll=NOW - 899))
    assert ok
    ok, body = judge(replace(BASE, last_poll=NOW - 901))
    assert not ok and body["status"] == "unhealthy"
    assert body["reasons"] == [
        "poll: stalled: last poll heartbeat 901s ago (threshold 900s, 3 enabled feed(s))"]
    # never polled since start: the clock starts when the service became active
    ok, _ = judge(replace(BASE, last_poll=None, active_since=NOW - 100))
    assert ok
    ok, body = judge(replace(BASE, last_poll=None, active_since=NOW - 1000))
    assert not ok and "no poll heartbeat since start" in body["reasons"][0]
    # short intervals still get a minute of grace
    ok, _ = judge(replace(BASE, poll_interval=10, last_poll=NOW - 59))
    assert ok


def test_delivery_stalls_only_with_an_old_backlog_and_a_stale_worker() -> None:
    old_backlog = NOW - DELIVERY_BACKLOG - 1
    stale = NOW - DELIVERY_HEARTBEAT - 1
    ok, _ = judge(replace(BASE, outbox_pending=5000, oldest_due_at=old_backlog))
    assert ok  # a long queue that is moving (fresh heartbeat) is fine
    ok, _ = judge(replace(BASE, outbox_pending=1, oldest_due_at=NOW - 10, last_delivery=stale))
    assert ok  # a fresh row and a quiet worker: not yet
    ok, body = judge(replace(BASE, outbox_pending=7, oldest_due_at=old_backlog,
                             last_delivery=stale))
    assert not ok and body["reasons"][0].startswith("delivery: stalled: an outbox row has")
    assert body["checks"]["delivery"]["outbox_pending"] == 7


def test_standby_lost_and_database_errors() -> None:
    ok, body = judge(replace(BASE, role="standby", active_since=None))
    assert ok and body["status"] == "standby"
    ok, body = judge(replace(BASE, role="lost"))
    assert not ok and "lost the single-instance lease" in body["reasons"][0]
    ok, body = judge(replace(BASE, database_error="storage: disk I/O error",
                             enabled_feeds=None, outbox_pending=None))
    assert not ok and body["reasons"] == ["database: storage: disk I/O error"]
