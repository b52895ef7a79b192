"""SendLimiter: the pacing every send goes through (unit level, real clock, short limits)."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import (
    WINDOW_MARGIN,
    CompletionWindow,
    SendLimiter,
    SlidingWindow,
    is_group_chat,
)
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_ptb import application_builder
from tests.memory import holders


def test_sliding_window_delay() -> None:
    w = SlidingWindow(2, 1.0)
    assert w.delay(0.0) == 0
    w.record(0.0)
    w.record(0.5)
    assert w.delay(0.6) == pytest.approx(0.4)
    assert w.delay(1.0) == 0  # the event at 0.0 left the window


def test_group_detection() -> None:
    assert is_group_chat(-100123) and is_group_chat("-5") and is_group_chat("@channel")
    assert not is_group_chat(42) and not is_group_chat("42")


async def _send_times(limiter: SendLimiter, chat_ids: list[int],
                      endpoint: str = "sendMessage") -> list[tuple[int, float]]:
    times: list[tuple[int, float]] = []

    async def one(chat_id: int) -> None:
        async def callback() -> bool:
            times.append((chat_id, time.monotonic()))
            return True

        await limiter.process_request(callback, (), {}, endpoint, {"chat_id": chat_id}, None)

    await asyncio.gather(*(one(c) for c in chat_ids))
    return times


async def test_private_chat_spacing() -> None:
    limiter = SendLimiter(messages_per_second=1000, per_chat_interval=0.1)
    times = await _send_times(limiter, [1, 1, 1, 1])
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(times)]
    assert all(g >= 0.1 for g in gaps), gaps


async def test_distinct_chats_are_not_serialized() -> None:
    limiter = SendLimiter(messages_per_second=1000, per_chat_interval=1.0)
    start = time.monotonic()
    await _send_times(limiter, list(range(1, 51)))
    assert time.monotonic() - start < 0.5


async def test_global_window_is_never_exceeded() -> None:
    limiter = SendLimiter(messages_per_second=10, per_chat_interval=0)
    times = sorted(t for _, t in await _send_times(limiter, list(range(1, 26))))
    for i, t in enumerate(times):
        in_window = [u for u in times[i:] if u < t + 1.0 + WINDOW_MARGIN - 1e-6]
        assert len(in_window) <= 10


async def test_group_window() -> None:
    limiter = SendLimiter(messages_per_second=1000, per_chat_interval=0, group_per_minute=3)
    limiter._state(-1).window.period = 0.3  # type: ignore[union-attr]
    times = [t for _, t in await _send_times(limiter, [-1] * 5)]
    assert times[3] - times[0] >= 0.3


async def test_non_message_endpoints_pass_straight_through() -> None:
    limiter = SendLimiter(messages_per_second=1, per_chat_interval=10)
    start = time.monotonic()
    await _send_times(limiter, [1, 1, 1], endpoint="getChat")
    assert time.monotonic() - start < 0.2


async def test_retry_after_pauses_only_that_chat_then_retries() -> None:
    limiter = SendLimiter(messages_per_second=1000, per_chat_interval=0, max_retries=1)
    calls = {"n": 0}

    async def flaky() -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RetryAfter(timedelta(seconds=0.2))  # type: ignore[arg-type]
        return True

    start = time.monotonic()
    ok = await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert ok is True and calls["n"] == 2
    assert time.monotonic() - start >= 0.2
    assert limiter.retry_after_count == 1
    assert limiter.chat_ready_in(2) == 0


async def test_retry_after_is_raised_when_retries_run_out() -> None:
    limiter = SendLimiter(max_retries=0)

    async def always() -> bool:
        raise RetryAfter(timedelta(seconds=1))  # type: ignore[arg-type]

    with pytest.raises(RetryAfter):
        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert limiter.chat_ready_in(1) > 0.5


async def test_completion_window_counts_requests_until_a_period_after_they_finish() -> None:
    now = [0.0]
    window = CompletionWindow(3, period=1.0, clock=lambda: now[0])
    for _ in range(3):
        await window.acquire()
    assert window.wait_time() is None  # all in flight: only a completion can tell
    now[0] = 0.5
    window.release()  # finished at 0.5: counts until 1.5, however late it arrived
    assert window.wait_time() == pytest.approx(1.0)
    now[0] = 1.5
    assert window.wait_time() == 0.0
    await window.acquire()
    assert window.in_flight == 3


async def test_a_window_of_sends_that_arrive_late_is_not_overtaken(
        fake_telegram: FakeTelegram) -> None:
    """The server counts a send when it arrives. Five sends held up on the way (0.3 s)
    and five more sent when the window had moved on by our clock arrived within one
    second of them: 429s (bench/soak.py saw them with command replies and digests, which
    do not go through the delivery worker's own completion window). A send now waits
    until a second after the earlier ones *finished*."""
    fake_telegram.set_limits(global_per_second=5)
    fake_telegram.delay_next("sendMessage", 0.3, times=5)
    chats = [fake_telegram.add_private_chat().id for _ in range(10)]
    app = application_builder(fake_telegram).rate_limiter(
        SendLimiter(5, per_chat_interval=0)).build()
    async with app:
        await asyncio.gather(*(app.bot.send_message(c, "خبر") for c in chats))
    fake_telegram.assert_no_rate_limits()
    assert len(fake_telegram.sent()) == 10


async def test_forget_drops_a_chat_once_its_limits_no_longer_need_it() -> None:
    now = [100.0]
    limiter = SendLimiter(messages_per_second=1000, per_chat_interval=0.05,
                          clock=lambda: now[0])
    roots = {"limiter": limiter}
    await _send_times(limiter, [42, -100])  # a private chat and a group
    limiter.forget(42)  # its 0.05 s are not over: it is still paced
    limiter.forget(-100)
    limiter.forget(7)  # nothing kept: nothing to do
    assert holders(roots, 42) and holders(roots, -100)
    now[0] += 0.1
    await asyncio.sleep(0.2)  # looked at again when its interval was over
    assert holders(roots, 42) == [] and holders(roots, -100)  # a group's minute is not
    now[0] += 60
    await asyncio.sleep(1.1)  # looked at again every second at most
    assert holders(roots, -100) == []
    assert limiter.chat_ready_in(42) == 0 == limiter.chat_ready_in(-100)
