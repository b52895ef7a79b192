"""Small helpers shared by the admin command modules."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.admin.feeds import Run
from bot.services import Services

log = logging.getLogger(__name__)

_background: set[asyncio.Task[Any]] = set()


def cpu_runner(services: Services) -> Run:
    """Run CPU-bound work (parsing, extraction) off the event loop: on the poller's
    worker pool (processes in the service), else in a thread."""

    async def run(fn: Callable[..., Any], *args: Any) -> Any:
        if services.poller is not None:
            return await services.poller.workers.run(fn, *args)
        return await asyncio.to_thread(fn, *args)

    return run


def in_background(coro: Coroutine[Any, Any, Any], what: str) -> None:
    """Run ``coro`` without waiting for it (a reference is kept until it ends)."""
    task = asyncio.ensure_future(coro)
    _background.add(task)

    def done(t: asyncio.Task[Any]) -> None:
        _background.discard(t)
        if not t.cancelled() and t.exception() is not None:
            log.error("admin: %s failed: %r", what, t.exception())

    task.add_done_callback(done)


def poll_soon(services: Services, feed_id: int) -> None:
    """Poll ``feed_id`` now, in the background (its first poll stores without pushing)."""
    if services.poller is not None:
        in_background(services.poller.poll_now(feed_id), f"first poll of feed {feed_id}")


async def typing(update: Update) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await chat.send_action(ChatAction.TYPING)
    except TelegramError as exc:
        log.info("admin: chat action failed: %s", exc)
