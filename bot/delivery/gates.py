"""Per-chat gates: a send to a chat and a change to what the chat gets (/stop, /forget,
/unsubscribe, /latest, and /delfeed for every chat subscribed to the feed) never overlap.

The delivery worker sends a claimed row, and the digest runner claims and sends a
chat's digest, inside :meth:`ChatGates.hold`. :meth:`ChatGates.change` runs the change
inside the same gate, so it waits for a send under way to that chat to finish, and
records that the chat changed: a row the worker claimed before the change (it may sit
in the worker's queue, or wait for a send slot) and has not started is then not sent
as claimed (:meth:`ChatGates.changed_since`, checked by the worker inside the gate) but
put back to ``pending``, so it goes out only if the change left it to send (a row /stop
dropped, /forget deleted, /latest covered or /unsubscribe and /delfeed dropped stays as
it is). So once the change's reply is out, the chat gets nothing the change took away.
The lock is free of contention in normal running: the worker has at most one row of a
chat in flight.

A change is remembered only while a row claimed before it may still be looked at: every
mark the worker takes stays open until each row claimed under it was looked at
(:meth:`ChatGates.release`), and a change no open mark is older than is forgotten. So a
chat's id does not stay here after its change (after /forget, nothing of the chat).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from typing import TypeVar

T = TypeVar("T")

#: Changed chats remembered at most; past that the oldest are forgotten. That can only
#: let a row claimed before its chat's change go out, and a claimed row waits seconds,
#: not the 100,000 changes in between (a bound for a stalled worker: see the module).
MAX_CHANGED = 100_000


class ChatGates:
    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._changed: dict[int, int] = {}  # chat -> the mark of its last change
        self._mark = 0
        self._open: dict[int, int] = {}  # mark -> its uses not released yet

    def mark(self) -> int:
        """Take before claiming rows; :meth:`changed_since` tells what changed after.
        :meth:`release` it once done with it (and once per :meth:`keep` use)."""
        self._open[self._mark] = self._open.get(self._mark, 0) + 1
        return self._mark

    def keep(self, mark: int, uses: int) -> None:
        """``mark`` (still held) gets ``uses`` more uses: one per row claimed under it."""
        self._open[mark] += uses

    def release(self, mark: int) -> None:
        """One use of ``mark`` is over (a row claimed under it was looked at)."""
        left = self._open[mark] - 1
        if left:
            self._open[mark] = left
            return
        del self._open[mark]
        self._prune()

    def _prune(self) -> None:
        """Forget the changes no open mark is older than: nobody can ask about them."""
        oldest = min(self._open, default=None)
        changed = self._changed
        while changed:
            chat_id = next(iter(changed))
            if oldest is not None and changed[chat_id] > oldest:
                return
            del changed[chat_id]

    def changed_since(self, chat_id: int, mark: int) -> bool:
        """Did a :meth:`change` of the chat end after :meth:`mark` gave ``mark``?"""
        return self._changed.get(chat_id, 0) > mark

    def waiting(self, chat_id: int) -> int:
        """How many wait for the chat's gate (for tests and diagnostics)."""
        lock = self._locks.get(chat_id)
        if lock is None:
            return 0
        return self._users.get(chat_id, 0) - (1 if lock.locked() else 0)

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat's gate (waiting for whoever holds it)."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id], self._locks[chat_id]

    async def change(self, chats: int | Collection[int],
                     change: Callable[[], Awaitable[T]]) -> T:
        """Run ``change`` (what changes the rows to send of one chat, or of several:
        /delfeed changes every chat subscribed to the feed) once no send to them is under
        way; rows claimed before it are then looked at again (see the module)."""
        ids = sorted({chats} if isinstance(chats, int) else set(chats))
        async with contextlib.AsyncExitStack() as stack:
            # in one order: two changes of several chats never wait for each other
            for chat_id in ids:
                await stack.enter_async_context(self.hold(chat_id))
            result = await change()
            self._mark += 1
            for chat_id in ids:
                self._changed.pop(chat_id, None)
                self._changed[chat_id] = self._mark
            while len(self._changed) > MAX_CHANGED:
                del self._changed[next(iter(self._changed))]
            self._prune()
            return result
