"""Pacing of every Bot API call that produces a message, so Telegram never answers 429.

PTB's ``AIORateLimiter`` has a global and a per-group limit but no per-chat limit for
private chats (NOTES.md), and a ``RetryAfter`` there pauses all requests. This limiter,
plugged into the ``Application`` as its ``rate_limiter``, applies DESIGN.md's limits to
every send, command replies included:

- global: at most ``messages_per_second`` in any window of 1 s (+ a safety margin),
  counted from when requests *finish* (:class:`CompletionWindow`);
- private chats: one message every ``per_chat_interval_seconds`` (+ margin), in order;
- groups, supergroups and channels (negative ids or @usernames): at most
  ``group_messages_per_minute`` in any window of 60 s (+ margin).

Sends to one chat are serialized (a per-chat lock held across the request), which also
keeps a chat's messages in order. The server counts a request when it *arrives*: a
global window counted from when requests left let a send through while earlier ones,
held up on the way, were still to arrive, and the server saw 31 in a second
(bench/soak.py: 429s when command replies and digests met the delivery worker's sends;
the worker counted its own sends from completion, the others did not). A
``RetryAfter`` (a bug, per DESIGN.md) pauses only the chat it concerns and is retried up
to ``max_retries`` times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

#: ``rate_limit_args`` for a request whose 429 goes straight back to the caller (the
#: delivery worker: retrying inside the limiter held its send slot for 2 x retry_after).
NO_RETRIES = -1

log = logging.getLogger(__name__)

#: Endpoints that create or change a message in a chat (what Telegram's flood limits count).
MESSAGE_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendAnimation", "sendVideo", "sendDocument", "sendAudio",
    "sendMediaGroup", "sendPoll", "sendSticker", "sendVoice", "sendLocation", "copyMessage",
    "copyMessages", "forwardMessage", "forwardMessages", "editMessageText",
    "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia",
})

WINDOW_MARGIN = 0.025  # seconds added to every window: client/server clock skew, jitter


class SlidingWindow:
    """At most ``limit`` events in any window of ``period`` seconds (a log of times)."""

    __slots__ = ("_times", "limit", "period")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._times: deque[float] = deque()

    def delay(self, now: float) -> float:
        """Seconds to wait before an event at ``now`` would fit (0 when it fits)."""
        times = self._times
        while times and times[0] <= now - self.period:
            times.popleft()
        if len(times) < self.limit:
            return 0.0
        return times[0] + self.period - now

    def record(self, now: float) -> None:
        self._times.append(now)

    def idle(self, now: float) -> bool:
        return not self._times or self._times[-1] <= now - self.period

    @property
    def last(self) -> float | None:
        """When the latest event was recorded (None: none yet)."""
        return self._times[-1] if self._times else None


class CompletionWindow:
    """A request may start only while fewer than ``limit`` requests are in flight or
    finished within the last ``period`` seconds. A request arrives before it finishes, so
    every earlier request that arrived within ``period`` before a new one is counted: the
    server's window can never overflow, whatever the delays on the way. In steady state
    it costs a request's latency per window (~1 %)."""

    def __init__(self, limit: int, period: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
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


class _ChatState:
    __slots__ = ("last", "lock", "retry_until", "window")

    def __init__(self, window: SlidingWindow | None) -> None:
        self.lock = asyncio.Lock()
        self.last = 0.0
        self.window = window
        self.retry_until = 0.0


def is_group_chat(chat_id: object) -> bool:
    """Telegram group, supergroup and channel ids are negative; @usernames are channels."""
    if isinstance(chat_id, str):
        try:
            return int(chat_id) < 0
        except ValueError:
            return True
    return isinstance(chat_id, int) and chat_id < 0


class SendLimiter(BaseRateLimiter[int]):
    """The ``rate_limiter`` of the Application. ``rate_limit_args`` = max retries."""

    def __init__(self, messages_per_second: float = 30, per_chat_interval: float = 1.0,
                 group_per_minute: int = 20, max_retries: int = 2,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._global = CompletionWindow(int(messages_per_second), 1.0 + WINDOW_MARGIN, clock)
        self._global_lock = asyncio.Lock()
        self._per_chat_interval = per_chat_interval + WINDOW_MARGIN if per_chat_interval else 0
        self._group_per_minute = group_per_minute
        self._max_retries = max_retries
        self._chats: dict[str, _ChatState] = {}
        self._clock = clock
        self.retry_after_count = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _state(self, chat_id: object) -> _ChatState:
        key = str(chat_id)
        state = self._chats.get(key)
        if state is None:
            if len(self._chats) > 50_000:
                self._prune()
            window = (SlidingWindow(self._group_per_minute, 60.0 + WINDOW_MARGIN)
                      if is_group_chat(chat_id) else None)
            state = self._chats[key] = _ChatState(window)
        return state

    def forget(self, chat_id: object) -> None:
        """Drop what is kept about ``chat_id`` (after /forget) as soon as its limits no
        longer need it: at once when idle, else once its last send is out of the chat's
        window (a private chat's interval, a group's minute) and no send to it is under
        way or waits, so a chat that comes back at once is still paced."""
        key = str(chat_id)
        state = self._chats.get(key)
        if state is None:
            return
        wait = self._busy_for(state, self._clock())
        if wait <= 0 and not state.lock.locked():
            del self._chats[key]
            return
        # looked at again at least every second: a send may take the lock meanwhile
        asyncio.get_running_loop().call_later(min(max(wait, 0.05), 1.0), self.forget, key)

    def _busy_for(self, state: _ChatState, now: float) -> float:
        """Seconds until the chat's state says nothing any more (its limits are idle)."""
        until = max(state.retry_until, state.last + self._per_chat_interval)
        if state.window is not None and state.window.last is not None:
            until = max(until, state.window.last + state.window.period)
        return until - now

    def _prune(self) -> None:
        now = self._clock()
        for key, state in list(self._chats.items()):
            idle = now - state.last > 60 + WINDOW_MARGIN and now > state.retry_until
            if idle and not state.lock.locked():
                del self._chats[key]

    def chat_ready_in(self, chat_id: object) -> float:
        """Seconds until a send to ``chat_id`` would not wait for that chat's own limit."""
        state = self._chats.get(str(chat_id))
        if state is None:
            return 0.0
        now = self._clock()
        wait = max(state.retry_until - now, state.last + self._per_chat_interval - now)
        if state.window is not None:
            wait = max(wait, state.window.delay(now))
        return max(wait, 0.0)

    async def _wait_global(self) -> None:
        async with self._global_lock:  # first come, first served
            await self._global.acquire()

    async def _wait_chat(self, state: _ChatState) -> None:
        while True:
            now = self._clock()
            wait = max(state.retry_until - now, 0.0)
            if state.window is not None:
                wait = max(wait, state.window.delay(now))
            elif self._per_chat_interval:
                wait = max(wait, state.last + self._per_chat_interval - now)
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if endpoint not in MESSAGE_ENDPOINTS or chat_id is None:
            return await callback(*args, **kwargs)
        max_retries = (self._max_retries if rate_limit_args is None
                       else max(0, rate_limit_args))
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        state = self._state(chat_id)
        async with state.lock:
            for attempt in range(max_retries + 1):
                await self._wait_chat(state)
                await self._wait_global()
                now = self._clock()
                state.last = now
                if state.window is not None:
                    state.window.record(now)
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    self.retry_after_count += 1
                    seconds = exc.retry_after
                    delay = (seconds.total_seconds() if hasattr(seconds, "total_seconds")
                             else float(seconds))
                    log.warning("telegram: 429 for chat %s on %s, retry after %.1fs",
                                chat_id, endpoint, delay)
                    state.retry_until = self._clock() + delay + 0.1
                    if attempt == max_retries:
                        raise
                finally:  # the server counted it by now, if ever: from here on it is done
                    self._global.release()
        raise AssertionError("unreachable")  # pragma: no cover
