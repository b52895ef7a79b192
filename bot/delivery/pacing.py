"""Even spacing of the worker's sends, so the SendLimiter's window never fills in bursts.

The SendLimiter lets ``messages_per_second`` sends through at once and then makes the
rest wait for the window: bursts. A burst queues up at the server, so the first and the
last of it arrive tens of milliseconds apart, and the next burst can then squeeze 31
sends into one of the server's 1-second windows (a 429) even though the limiter kept 30
per 1.025 s. Spacing the worker's sends evenly at the limiter's own steady rate gives
the same throughput without the bursts; ``burst`` sends may go back to back to absorb
timer jitter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.ratelimit import WINDOW_MARGIN


class Pacer:
    def __init__(self, messages_per_second: float, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
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
