"""Poll timing: intervals, server hints, backoff, jitter, disabling. Pure arithmetic."""

from __future__ import annotations

import pytest

from bot.ingest import schedule as s


def test_base_interval_feed_override_and_default() -> None:
    assert s.base_interval(None, 300) == 300
    assert s.base_interval(60, 300) == 60
    assert s.base_interval(0, 300) == 300  # 0 / negative mean "not set"
    assert s.base_interval(-5, 300) == 300
    assert s.base_interval(1, 300) == s.MIN_DELAY  # never hammer a server


def test_success_delay_honours_hints_within_bounds() -> None:
    assert s.success_delay(300) == 300
    assert s.success_delay(300, ttl_minutes=15) == 900  # RSS <ttl>
    assert s.success_delay(300, max_age=600) == 600  # Cache-Control: max-age
    assert s.success_delay(300, retry_after=1200) == 1200
    assert s.success_delay(300, ttl_minutes=1, max_age=0) == 300  # never more often
    assert s.success_delay(300, ttl_minutes=1440) == s.HINT_CAP  # a day: capped
    assert s.success_delay(4 * 3600, ttl_minutes=1440) == 4 * 3600  # cap below interval
    assert s.success_delay(300, ttl_minutes=15, max_age=3600) == 3600  # the largest hint


def test_failure_delay_doubles_up_to_the_cap() -> None:
    delays = [s.failure_delay(300, n) for n in range(1, 10)]
    assert delays[:5] == [300, 600, 1200, 2400, 4800]
    assert max(delays) == s.MAX_BACKOFF and delays[-1] == s.MAX_BACKOFF
    assert s.failure_delay(300, 10_000) == s.MAX_BACKOFF  # no overflow
    assert s.failure_delay(300, 0) == 300
    # an interval above the cap is never shortened by a failure
    assert s.failure_delay(8 * 3600, 3) == 8 * 3600


def test_failure_delay_respects_retry_after_bounded() -> None:
    assert s.failure_delay(300, 1, retry_after=900) == 900
    assert s.failure_delay(300, 5, retry_after=60) == 4800  # backoff is longer
    assert s.failure_delay(300, 1, retry_after=10**9) == s.MAX_RETRY_AFTER


@pytest.mark.parametrize("u", [0.0, 0.25, 0.5, 0.75, 0.999999])
def test_jitter_stays_within_ten_percent(u: float) -> None:
    value = s.jittered(1000, u)
    assert 900 <= value < 1100
    assert s.next_poll_at(5000.0, 1000, u) == 5000.0 + value


def test_jitter_spreads_feeds_polled_together() -> None:
    times = {round(s.next_poll_at(0, 300, i / 100), 3) for i in range(100)}
    assert len(times) == 100 and max(times) - min(times) > 50


def test_should_disable() -> None:
    assert not s.should_disable(99, 100)
    assert s.should_disable(100, 100)
    assert not s.should_disable(10**6, 0)  # 0: never
