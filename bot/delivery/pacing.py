"""The worker's own throttle, in front of the SendLimiter: even spacing, and a window
counted from when requests *finish*.

The SendLimiter lets ``messages_per_second`` sends through at once and then makes the
rest wait: bursts, which queue up at the server. And it counts a send when it leaves,
while the server counts it when it arrives: when one request of a window is delayed more
than ``WINDOW_MARGIN`` (25 ms) longer than a later one (a busy server, a descheduled
process), the server sees 31 in one second and answers 429. Two fixes here:

- :class:`Pacer` spaces the worker's sends evenly at the limiter's steady rate
  (``burst`` may go back to back to absorb timer jitter): same throughput, no bursts.
- :class:`CompletionWindow` lets a request start only while fewer than ``limit``
  requests are in flight or finished within the last ``period`` seconds. A request
  arrives before it finishes, so every earlier request that arrived within a second
  before a new one is counted: the server's window can never overflow, whatever the
  delays. In steady state it costs a request's latency per second (~0.5%).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable

from bot.ratelimit import WINDOW_MARGIN

Clock = Callable[[], float]


class Pacer:
    def __init__(self, messages_per_second: float, burst: int | None = None,
                 clock: Clock = time.monotonic) -> None:
        self.interval = (1.0 + WINDOW_MARGIN) / messages_per_second
        self.burst = burst if burst is not None else max(2, int(messages_per_second // 50))
        self._clock = clock
        self._next = 0.0

    def reserve(self) -> float:
        """Take the next slot; returns seconds to wait for it (0 when it is now)."""
        now = self._clock()
        slot = max(self._next, now - (self.burst - 1) * self.interval)
        self._next = slot + self.interval
        return max(slot - now, 0.0)

    async def wait(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)


class CompletionWindow:
    def __init__(self, limit: int, period: float = 1.0, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._finished: deque[float] = deque()
        self._released = asyncio.Event()
        self.in_flight = 0

    def wait_time(self) -> float | None:
        """Seconds until a request may start: 0 now, None when only a request finishing
        can tell (all ``limit`` are in flight). Prunes old completions."""
        now = self._clock()
        done = self._finished
        while done and done[0] <= now - self.period:
            done.popleft()
        if len(done) + self.in_flight < self.limit:
            return 0.0
        return done[0] + self.period - now if done else None

    async def acquire(self) -> None:
        while (delay := self.wait_time()) != 0:
            self._released.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), delay)
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self._finished.append(self._clock())
        self._released.set()


class Throttle:
    """``async with throttle:`` around every request the worker makes."""

    def __init__(self, messages_per_second: int, clock: Clock = time.monotonic) -> None:
        self.pacer = Pacer(messages_per_second, clock=clock)
        self.window = CompletionWindow(messages_per_second, clock=clock)

    async def __aenter__(self) -> None:
        await self.pacer.wait()
        await self.window.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.window.release()
