"""The worker's own throttle, in front of the SendLimiter: even spacing.

The SendLimiter lets ``messages_per_second`` sends through at once and then makes the
rest wait: bursts, which queue up at the server. :class:`Pacer` spaces the worker's sends
evenly at the limiter's steady rate (``burst`` may go back to back to absorb timer
jitter): same throughput, no bursts. The window the server counts, from when requests
arrive, is kept by the SendLimiter for every send (``bot.ratelimit.CompletionWindow``:
counted from when requests finish), command replies and digests included.
"""

from __future__ import annotations

import asyncio
import time
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


class Throttle:
    """``async with throttle:`` around every request the worker makes."""

    def __init__(self, messages_per_second: int, clock: Clock = time.monotonic) -> None:
        self.pacer = Pacer(messages_per_second, clock=clock)

    async def __aenter__(self) -> None:
        await self.pacer.wait()

    async def __aexit__(self, *exc: object) -> None:
        pass
