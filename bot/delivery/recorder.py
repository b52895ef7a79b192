"""Batched recording of delivery outcomes (aiosqlite costs ~120 µs a call: NOTES.md).

Outcomes wait at most ``interval`` seconds (or until ``batch`` of them) and are written
in one transaction. A row sent but not yet recorded when the process dies is sent again
after the restart, so the interval bounds the duplicates a crash can cause together
with the sends in flight. The chats of recorded rows are then handed to ``on_done``
(the worker frees them for their next row).

When the database is full (:class:`StorageFull`) the outcomes stay here, in memory, and
are written once there is space, tried again after 1, 2, 4 ... :attr:`Recorder.full_retry_max`
seconds; :attr:`Recorder.blocked` tells the worker to claim nothing new meanwhile, so that a
restart in between sends again only those rows (they are still ``sending`` in the database
and taken back at start). One line is logged when outcomes start waiting and one when they
are written.

The parts of a split text (:class:`PartsSent`) go the same way, in the same transactions,
before the outcomes: :meth:`Recorder.parts_sent` returns once they are written, so the
next part goes out only after that (a crash then resends at most the part in flight),
or at once while outcomes are held for space (then they wait in memory with them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.errors import StorageError, StorageFull
from bot.storage import PartsSent, RowUpdate
from bot.storage._outbox import Outbox

log = logging.getLogger(__name__)

FULL_RETRY_MAX = 30.0  # seconds: longest wait between two tries on a full database


class Recorder:
    def __init__(self, outbox: Outbox, on_done: Callable[[list[int], list[int]], None], *,
                 interval: float = 0.02, batch: int = 256) -> None:
        self._outbox = outbox
        self._on_done = on_done
        self.interval = interval
        self.batch = batch
        self._updates: list[RowUpdate] = []
        self._chats: list[int] = []
        self._gone: list[tuple[int, str]] = []
        self._moved: list[tuple[int, int]] = []
        self._parts: dict[int, PartsSent] = {}  # row id -> its latest progress
        self._written: asyncio.Future[bool] | None = None  # done when the next batch is
        self._event = asyncio.Event()
        self._full = asyncio.Event()
        self._lock = asyncio.Lock()
        #: outcomes are waiting because the database is full: claim no new rows
        self.blocked = False
        self.full_retry_max = FULL_RETRY_MAX

    def add(self, chat_id: int, update: RowUpdate, *, gone: str | None = None,
            moved_to: int | None = None) -> None:
        self._updates.append(update)
        self._chats.append(chat_id)
        if gone is not None:
            self._gone.append((chat_id, gone))
        if moved_to is not None:
            self._moved.append((chat_id, moved_to))
        self._event.set()
        if len(self._updates) >= self.batch:
            self._full.set()

    async def parts_sent(self, parts: PartsSent) -> bool:
        """Record that parts of a row's split text went out; return once that is written
        (True), or at once when outcomes are being held for space (False: it is held with
        them)."""
        self._parts[parts.row_id] = parts
        self._event.set()
        if self.blocked:
            return False
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self._written)

    @property
    def waiting(self) -> int:
        return len(self._updates) + len(self._parts)

    async def run(self) -> None:
        """Flush forever (cancel to stop; call :meth:`flush` once more afterwards)."""
        delay = 0.0
        while True:
            await self._event.wait()
            if not self._full.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.interval)
            try:
                written = await self.flush()
            except StorageFull as exc:  # keep the outcomes; try again later
                if not self.blocked:
                    self.blocked = True
                    log.warning("delivery: %d outcome(s) cannot be recorded: %s; they are kept "
                                "in memory until there is space, and no new rows are claimed "
                                "meanwhile (a restart before then sends those messages again)",
                                self.waiting, exc)
                delay = min(self.full_retry_max, max(1.0, 2 * delay))
                await asyncio.sleep(delay)
                continue
            except StorageError as exc:  # keep the outcomes; try again shortly
                log.error("delivery: cannot record outcomes: %s", exc)
                await asyncio.sleep(1.0)
                continue
            except Exception:
                log.exception("delivery: cannot record outcomes")
                await asyncio.sleep(1.0)
                continue
            delay = 0.0
            if self.blocked and written:
                self.blocked = False
                log.info("delivery: the database takes writes again: %d held outcome(s) "
                         "recorded; claiming resumes", written)

    async def flush(self) -> int:
        """Write the outcomes waiting; how many were written."""
        async with self._lock:
            if not self._updates and not self._parts:
                self._event.clear()
                return 0
            updates, chats, gone, moved = self._updates, self._chats, self._gone, self._moved
            self._updates, self._chats, self._gone, self._moved = [], [], [], []
            parts, self._parts = self._parts, {}
            written, self._written = self._written, None
            self._event.clear()
            self._full.clear()
            try:
                await self._outbox.record(updates, gone, moved, list(parts.values()))
            except BaseException:
                self._updates[:0], self._chats[:0] = updates, chats
                self._gone[:0], self._moved[:0] = gone, moved
                self._parts = {**parts, **self._parts}  # newer progress wins
                self._event.set()
                if written is not None and not written.done():
                    written.set_result(False)  # the senders go on; it is written later
                raise
            if written is not None and not written.done():
                written.set_result(True)
            self._on_done(chats, [u.row_id for u in updates])
            return len(updates) + len(parts)
