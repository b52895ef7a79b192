"""Per-chat gates: a send to a chat and a change that ends sending to it (/stop,
/forget) never overlap.

The delivery worker sends a claimed row, and the digest runner claims and sends a
chat's digest, inside :meth:`ChatGates.hold`. :meth:`ChatGates.close` runs the change
inside the same gate, so it waits for a send under way to that chat to finish, and
records that the chat was closed: a row the worker claimed before the change (it may sit
in the worker's queue, or wait for a send slot) and that has not started yet is then
not sent (:meth:`ChatGates.closed_since`, checked by the worker inside the gate). So
once the change's reply is out, nothing more reaches the chat. The lock is free of
contention in normal running: the worker has at most one row of a chat in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

#: Closed chats remembered at most; past that the oldest are forgotten. That can only
#: let a row claimed before its chat's change go out, and a claimed row waits seconds,
#: not the 100,000 changes in between.
MAX_CLOSED = 100_000


class ChatGates:
    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._closed: dict[int, int] = {}  # chat -> the mark of its last close
        self._mark = 0

    def mark(self) -> int:
        """Take before claiming rows; :meth:`closed_since` tells what changed after."""
        return self._mark

    def closed_since(self, chat_id: int, mark: int) -> bool:
        """Was the chat closed (stopped, forgotten) after :meth:`mark` gave ``mark``?"""
        return self._closed.get(chat_id, 0) > mark

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

    async def close(self, chat_id: int, change: Callable[[], Awaitable[T]]) -> T:
        """Run ``change`` (a database write that ends sending to the chat) once no send
        to it is under way; rows claimed before it are then not sent."""
        async with self.hold(chat_id):
            result = await change()
            self._mark += 1
            self._closed.pop(chat_id, None)
            if len(self._closed) >= MAX_CLOSED:
                del self._closed[next(iter(self._closed))]
            self._closed[chat_id] = self._mark
            return result
