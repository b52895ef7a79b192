"""Fair handling of incoming updates: one chat cannot keep the others waiting.

PTB's :class:`~telegram.ext.SimpleUpdateProcessor` runs up to N updates at once, first
come first served. A handler holds its slot while its reply waits for the chat's send
limit (about one message a second to a private chat, 20 a minute to a group), so a chat
that sends 30 commands in a burst held every slot for half a minute, and every other
chat's commands waited behind it (measured: 21.6 s for a private ``/help``; 59 s behind
a group).

:class:`PerChatUpdateProcessor` runs the updates of one chat (or, without a chat, of one
user: inline queries) one at a time and in order, so a chat holds at most one of the
``running`` slots. A chat with ``backlog`` updates already waiting has further updates
dropped (the coroutine closed unrun, counted, logged once per burst): a flood costs the
flooder, not memory or the other chats, and a stop does not wait for a long queue of
replies to be sent at the chat's pace (10 to a group: ~30 s at 20 a minute).

An update whose ``update_id`` was among the last :data:`REMEMBERED` is not handled again:
Telegram delivers a webhook update again when it did not get our answer (a network
blip), and a command ran twice (measured: the same /help POSTed three times got two
replies). Long polling never repeats one; this costs a set lookup.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot import metrics

log = logging.getLogger(__name__)

RUNNING = 8  # handlers running at once, over all chats
BACKLOG = 10  # updates of one chat waiting behind its running one; more are dropped
ACCEPTED = 4096  # updates held at all (running and waiting): PTB's own bound
REMEMBERED = 10_000  # update ids kept to recognise one delivered again


@dataclass(slots=True)
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0
    dropped: int = 0


def update_key(update: object) -> int | None:
    """Whose turn an update takes: its chat's id, else its user's; None for updates of
    neither (polls, ``my_chat_member`` without a chat), which run unordered."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run in order, one at a time; ``running`` at once overall."""

    __slots__ = ("_backlog", "_chats", "_running", "_seen", "_seen_order")

    def __init__(self, running: int = RUNNING, backlog: int = BACKLOG,
                 accepted: int = ACCEPTED) -> None:
        super().__init__(accepted)
        self._running = asyncio.Semaphore(running)
        self._backlog = backlog
        self._chats: dict[int, _Chat] = {}
        self._seen: set[int] = set()
        self._seen_order: deque[int] = deque()

    def _repeated(self, update: object) -> bool:
        """True for an update handled already (its ``update_id`` seen); remembers it."""
        if not isinstance(update, Update):
            return False
        if update.update_id in self._seen:
            return True
        self._seen.add(update.update_id)
        self._seen_order.append(update.update_id)
        if len(self._seen_order) > REMEMBERED:
            self._seen.discard(self._seen_order.popleft())
        return False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._repeated(update):
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            log.info("updates: update %s delivered again; handled once",
                     getattr(update, "update_id", "?"))
            return
        key = update_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat()
        if chat.waiting > self._backlog:  # one running + ``backlog`` waiting
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # never run: no "was never awaited" warning
            chat.dropped += 1
            metrics.UPDATES_DROPPED.inc()
            if chat.dropped == 1:
                log.warning("updates: chat %s sends faster than it is answered; its "
                            "updates beyond %d waiting are dropped", key, self._backlog)
            return
        chat.waiting += 1
        try:
            async with chat.lock, self._running:
                await coroutine
        finally:
            chat.waiting -= 1
            if chat.waiting == 0:
                if chat.dropped:
                    log.info("updates: chat %s caught up; %d update(s) dropped",
                             key, chat.dropped)
                del self._chats[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
