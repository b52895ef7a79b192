"""The delivery worker: drains the outbox through the Bot API within Telegram's limits.

One feeder task scans pending rows from a wrapping cursor, claims (leases) them in
batches, one per chat and only for chats whose own limit lets a send go now (see
``fairness.py``), and keeps a queue of about half a second of sends (``depth``) for
``concurrency`` sender tasks.
Senders go through PTB's Bot, so the SendLimiter applies the global, per-chat and
per-group limits to every send (command replies included). Outcomes are recorded in
small batches (``recorder.py``); a chat is free for its next row once its last outcome
is recorded. New rows are picked up at once after :meth:`Delivery.wake`, else within
``poll_seconds``.

Crash safety: claimed rows are ``sending`` with a lease; at start every row left in
``sending`` by another process is taken back, so after a kill -9 nothing is lost and
only the rows in flight (at most ``concurrency`` sends, plus outcomes not yet recorded:
``flush_seconds`` worth, 20-100 ms) can be sent twice. :meth:`Delivery.stop` (SIGTERM) finishes the
sends in flight, records them and releases every row not sent.

Each send holds its chat's gate (``gates.py``): /stop, /forget, /unsubscribe, /delfeed and
/latest wait for a send under way to their chat, and a row claimed before them goes back
to pending (they may have dropped, deleted or covered it) instead of out. Likewise a
stopped broadcast's rows that are claimed but not yet taken by a sender are not sent,
and a row under way in parts sends no further part (:meth:`Delivery.stop_broadcast`).

A full database (:class:`StorageFull`) stops nothing for good: taking back, claiming and
recording are tried again after 1, 2, 4 ... 30 s (``full_retry_max``), without a
traceback each time, and no row is claimed while outcomes wait to be recorded (see
``recorder.py``), so a restart in between can only resend the rows already claimed. Any
other failure to claim (a failing disk: SQLITE_IOERR) is tried again after 1, 2, 4 ... 30
s too, with one traceback per episode, a line at the 2nd, 4th, 8th ... failure in a row
and one when claiming works again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

from bot.delivery.attempt import Attempt
from bot.delivery.fairness import next_cursor, pick
from bot.delivery.gates import ChatGates
from bot.delivery.http import DeliveryBot
from bot.delivery.recorder import FULL_RETRY_MAX
from bot.errors import StorageError, StorageFull
from bot.metrics import OUTBOX_PENDING, heartbeat
from bot.storage import OutboxRow, Storage

log = logging.getLogger(__name__)
T = TypeVar("T")

PROCESS_OWNER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
MAX_WINDOW = 5000
GAUGE_SECONDS = 10.0


def default_concurrency(messages_per_second: int) -> int:
    """Sends in flight: enough to keep the global cap busy at ~10-100 ms per request."""
    return max(4, min(64, messages_per_second // 4))


class _Waiting:
    """``chat in waiting``: the chat has a claimed row, or its limit defers it."""

    def __init__(self, busy: set[int], deferred: dict[int, float], now: float) -> None:
        self.busy, self.deferred, self.now = busy, deferred, now

    def __contains__(self, chat_id: object) -> bool:
        return chat_id in self.busy or self.deferred.get(chat_id, 0.0) > self.now  # type: ignore[call-overload]


class Delivery:
    """``wake()`` after storing articles; ``start()`` with the app, ``stop()`` before it."""

    def __init__(self, storage: Storage, bot: DeliveryBot, *, messages_per_second: int = 30,
                 concurrency: int | None = None, poll_seconds: float = 2.0,
                 lease_seconds: float = 600.0, flush_seconds: float | None = None,
                 owner: str = PROCESS_OWNER,
                 may_send: Callable[[], bool] = lambda: True) -> None:
        self.storage = storage
        self.may_send = may_send  # False once this process lost the single-instance lease
        self.bot = bot
        self.owner = owner
        self.concurrency = concurrency or default_concurrency(messages_per_second)
        # Claimed rows queued for the senders: about half a second of sends, refilled when
        # half gone (fewer, larger claims: each costs a few database round trips).
        self.depth = max(self.concurrency, messages_per_second // 2)
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        limiter = getattr(bot, "rate_limiter", None)
        self._ready_in = getattr(limiter, "chat_ready_in", lambda chat_id: 0.0)
        self.gates = ChatGates()
        # claimed rows for the senders, each with the gates' mark taken before its claim
        self._queue: asyncio.Queue[tuple[OutboxRow, int] | None] = asyncio.Queue()
        self._claimed: dict[int, OutboxRow] = {}  # row id -> claimed row not yet recorded
        self._queued: dict[int, OutboxRow] = {}  # claimed rows no sender has taken yet
        self._stopped: dict[int, None] = {}  # broadcasts stopped in this run (ordered set)
        self._busy: set[int] = set()  # chats with a claimed row
        self._deferred: dict[int, float] = {}  # chat -> monotonic time it is ready again
        self._cursor = 0
        self._gauge_at = 0.0
        self._signal = asyncio.Event()
        self._stop_event = asyncio.Event()
        self._stopping = False
        self._taken_back = False  # rows left ``sending`` by a previous run are pending again
        self.full_retry_max = FULL_RETRY_MAX
        self._tasks: list[asyncio.Task[None]] = []
        if flush_seconds is None:  # ~3 sends' worth, between 20 and 100 ms
            flush_seconds = min(0.1, max(0.02, 3 / messages_per_second))
        self.attempt = Attempt(storage, bot, self._deferred, self._done,
                               messages_per_second=messages_per_second,
                               flush_seconds=flush_seconds, stopped=self._stopped)

    # ------------------------------------------------------------------ lifecycle
    def wake(self) -> None:
        """New rows are in the outbox: look now instead of at the next poll."""
        self._signal.set()

    @property
    def in_flight(self) -> int:
        return len(self._claimed)

    def stop_broadcast(self, broadcast_id: int) -> int:
        """The broadcast was stopped (its pending rows cancelled in the database): its
        rows claimed before that and not taken by a sender yet are not sent either (they
        are recorded ``cancelled``), and one being sent in parts sends no further part
        (``attempt.py``). Returns how many rows not taken by a sender there are now."""
        self._stopped[broadcast_id] = None
        while len(self._stopped) > 1000:
            del self._stopped[next(iter(self._stopped))]
        return sum(r.broadcast_id == broadcast_id for r in self._queued.values())

    def forget(self, chat_id: int) -> None:
        """Drop what the worker keeps about a chat that asked /forget (its rows are gone):
        when its limit lets it have a row again, and the broadcasts copying its messages
        (``compose.py``). A row of it claimed before /forget is looked at again and not
        sent (``gates.py``); then the chat is not busy any more, and its gate's change is
        forgotten once no row claimed before it is left."""
        self._deferred.pop(chat_id, None)
        self.attempt.composer.forget(chat_id)

    async def without_sends(self, chats: int | Collection[int],
                            change: Callable[[], Awaitable[T]]) -> T:
        """Run ``change`` once no send to ``chats`` is under way (``gates.py``) and the
        outcomes of those sends are recorded, so it sees them (/forget counts a broadcast
        row sent a moment ago as sent, not as still to send)."""
        async def recorded() -> T:
            await self.attempt.recorder.flush()
            return await change()

        return await self.gates.change(chats, recorded)

    async def start(self) -> None:
        await self.bot.initialize()
        with contextlib.suppress(StorageFull):  # the feeder tries again before claiming
            await self._take_back()
        if self._stopping:  # stopped while starting
            await self.bot.shutdown()
            return
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._feed(), name="delivery-feeder"),
                       loop.create_task(self.attempt.recorder.run(), name="delivery-recorder")]
        self._tasks += [loop.create_task(self._send_loop(), name=f"delivery-sender-{i}")
                        for i in range(self.concurrency)]
        log.info("delivery: started (%d senders, owner %s)", self.concurrency, self.owner)

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Finish the sends in flight (up to ``timeout``), record them, release the rest."""
        self._stopping = True
        self._stop_event.set()
        if not self._tasks:
            return
        self._signal.set()
        feeder, recorder, senders = self._tasks[0], self._tasks[1], self._tasks[2:]
        self._tasks = []
        await asyncio.wait({feeder}, timeout=timeout)
        feeder.cancel()
        while not self._queue.empty():  # claimed, never started: not sent
            if (item := self._queue.get_nowait()) is not None:
                self.gates.release(item[1])
        self._queued.clear()
        for _ in senders:
            self._queue.put_nowait(None)
        _, late = await asyncio.wait(senders, timeout=timeout)
        for task in (*late, recorder):
            task.cancel()
        await asyncio.gather(feeder, recorder, *senders, return_exceptions=True)
        leftover: list[int] = []
        try:
            await self.attempt.recorder.flush()
            leftover = list(self._claimed)
            if leftover:
                await self.storage.outbox.release(leftover)
        except StorageError as exc:  # a full disk: the next start takes them back
            log.warning("delivery: stopping with %d claimed row(s) not recorded or released "
                        "(%s): they stay 'sending' and the next start takes them back, so "
                        "those already sent go out again", len(self._claimed), exc)
            leftover = []
        self._claimed.clear()
        self._busy.clear()
        await self.bot.shutdown()
        log.info("delivery: stopped (%d unsent row(s) released)", len(leftover))

    async def _take_back(self) -> None:
        if self._taken_back:
            return
        taken = await self.storage.outbox.release_others(self.owner)
        self._taken_back = True
        if taken:
            log.info("delivery: took back %d row(s) left in flight by a previous run", taken)

    # ------------------------------------------------------------------ feeding
    def _done(self, chats: list[int], row_ids: list[int]) -> None:
        """Outcomes recorded: those chats may have their next row."""
        self._busy.difference_update(chats)
        for row_id in row_ids:
            self._claimed.pop(row_id, None)
        self._signal.set()

    async def _feed(self) -> None:
        delay = 0.0
        failures, failing_since = 0, 0.0  # feeding failures in a row (not a full disk)
        while not self._stopping:
            try:
                more = await self._feed_once()
            except StorageFull as exc:  # logged by the storage; try again later
                delay = min(self.full_retry_max, max(1.0, 2 * delay))
                log.debug("delivery: cannot claim rows: %s; trying again in %.0f s", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop_event.wait(), delay)
                continue
            except Exception as exc:  # a database hiccup (a failing disk) must not end delivery
                # 1, 2, 4 ... 30 s apart; the traceback once, then a line at the 2nd, 4th,
                # 8th ... failure in a row (a disk failing for an hour logged ~3,600)
                failures += 1
                delay = min(self.full_retry_max, 2.0 ** min(failures - 1, 16))
                if failures == 1:
                    failing_since = time.monotonic()
                    log.exception("delivery: feeding failed; trying again in %.0f s", delay)
                elif failures & (failures - 1) == 0:
                    log.warning("delivery: feeding failed %d times in a row (%s: %s); trying "
                                "again in %.0f s", failures, type(exc).__name__, exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop_event.wait(), delay)
                continue
            if failures:
                log.warning("delivery: feeding works again after %d failure(s) in %.0f s",
                            failures, time.monotonic() - failing_since)
                failures = 0
            delay = 0.0
            if more:
                await asyncio.sleep(0)  # let senders start; then look for more
            else:
                await self._sleep(time.monotonic())

    async def _feed_once(self) -> bool:
        """One round of claiming; True when there may be more to claim right away."""
        heartbeat("delivery")
        now = time.monotonic()
        if now >= self._gauge_at:
            self._gauge_at = now + GAUGE_SECONDS
            OUTBOX_PENDING.set(await self.storage.outbox.pending_count())
        room = self.depth - self._queue.qsize()
        if room < max(1, self.depth // 2) or now < self.attempt.pause_until:
            return False
        if not self.may_send():  # another process owns the database now: claim nothing
            return False
        if self.attempt.recorder.blocked:  # outcomes wait for space: claim nothing more
            return False
        await self._take_back()
        self._signal.clear()
        claimed, wrapped = await self._claim(room)
        return bool(claimed) or not wrapped

    async def _sleep(self, now: float) -> None:
        timeout = self.poll_seconds
        soonest = min((t for t in self._deferred.values() if t > now), default=None)
        if soonest is not None:
            timeout = min(timeout, soonest - now)
        if self.attempt.pause_until > now:
            timeout = min(timeout, self.attempt.pause_until - now)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._signal.wait(), max(timeout, 0.005))
        self._signal.clear()

    async def _claim(self, room: int) -> tuple[int, bool]:
        """Claim up to ``room`` rows; returns (claimed, the scan reached the end)."""
        now = time.monotonic()
        if len(self._deferred) > 1000:
            for chat_id in [c for c, t in self._deferred.items() if t <= now]:
                del self._deferred[chat_id]
        window = min(MAX_WINDOW, 4 * room + len(self._busy) + len(self._deferred) + 64)
        rows = await self.storage.outbox.scan(self._cursor, window)
        chosen = pick(rows, _Waiting(self._busy, self._deferred, now), self._ready_in, room)
        for chat_id, wait in chosen.deferred.items():
            self._deferred[chat_id] = now + wait
        self._cursor, wrapped = next_cursor(self._cursor, len(rows), window, chosen)
        if not chosen.ids:
            return 0, wrapped
        mark = self.gates.mark()  # a chat changed after it: its row is looked at again
        try:
            claimed = await self.storage.outbox.claim(chosen.ids, self.owner,
                                                      time.time() + self.lease_seconds)
            self.gates.keep(mark, len(claimed))  # released as each row is looked at
        finally:
            self.gates.release(mark)
        for row in claimed:  # known at once: a broadcast stopped meanwhile counts them
            self._claimed[row.id] = row
            self._queued[row.id] = row
            self._busy.add(row.chat_id)
        try:
            await self.attempt.composer.prepare(claimed)
        finally:  # claimed: sent (a failed load is tried again per row), never left behind
            for row in claimed:
                self._queue.put_nowait((row, mark))
        return len(claimed), wrapped

    async def _send_loop(self) -> None:
        while await self._send_next():
            pass

    async def _send_next(self) -> bool:
        """Send the next claimed row; False when told to stop. (Its own frame: a sender
        waiting for the next row holds nothing of the last one, /forget's chat included.)"""
        item = await self._queue.get()
        if item is None:
            return False
        if self._queue.qsize() <= self.depth // 2:
            self._signal.set()
        row, mark = item
        try:
            self._queued.pop(row.id, None)
            if row.broadcast_id is not None and row.broadcast_id in self._stopped:
                self.attempt.skip(row, "cancelled", "the broadcast was stopped")
                return True
            async with self.gates.hold(row.chat_id):
                if self.gates.changed_since(row.chat_id, mark):
                    self.attempt.skip(row, "pending", None)  # unless the change took it
                    return True
                try:
                    await self.attempt.run(row)
                except Exception as exc:  # a bug (rendering ...): fail the row, keep the sender
                    log.exception("delivery: row %s failed unexpectedly", row.id)
                    self.attempt.fail(row, exc)
        finally:
            self.gates.release(mark)
        return True
