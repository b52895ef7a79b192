"""/healthz rules as a pure function (bot.ops.health.judge)."""

from __future__ import annotations

from dataclasses import replace

from bot.ops.health import (
    DELIVERY_BACKLOG,
    DELIVERY_HEARTBEAT,
    DIGEST_HEARTBEAT,
    HealthInput,
    judge,
)

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


def test_digests_stall_only_when_due_and_the_digest_job_is_silent() -> None:
    due = NOW - DELIVERY_BACKLOG - 1
    ok, body = judge(replace(BASE, digest_waiting=700, digest_due_at=None, last_digest_run=None))
    assert ok, body  # waiting for their window, however many and however old
    assert body["checks"]["digests"]["waiting"] == 700
    ok, _ = judge(replace(BASE, digest_due_at=due, last_digest_run=NOW - 30))
    assert ok  # late, but the job runs (Telegram refusing the chat's sends, say)
    ok, _ = judge(replace(BASE, digest_due_at=NOW - 60, last_digest_run=None))
    assert ok  # due for a minute only
    ok, body = judge(replace(BASE, digest_due_at=due,
                             last_digest_run=NOW - DIGEST_HEARTBEAT - 1))
    assert not ok and body["reasons"] == [
        "digests: stalled: headlines have been due for a digest for 301s (threshold 300s)"
        " and the digest job last ran 181s ago (threshold 180s)"]
    # the worker's check is not the digests' (and the other way round)
    ok, _ = judge(replace(BASE, digest_due_at=due, last_digest_run=NOW - 30,
                          last_delivery=NOW - DELIVERY_HEARTBEAT - 1))
    assert ok
