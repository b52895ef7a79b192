"""Wiring python-telegram-bot to a `FakeTelegram` (or a `RemoteFakeTelegram`).

``run_polling()`` owns the event loop, so inside pytest-asyncio an Application is driven by
hand: ``initialize()``, ``updater.start_polling()``, ``start()`` and the reverse. `running`
does exactly that::

    app = build_application(fake)
    app.add_handler(CommandHandler("start", start))
    async with running(app):
        fake.inject_message(chat.id, "/start")
        await fake.wait_for_messages(chat.id, 1)
"""

from __future__ import annotations

import contextlib
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any, Protocol

from telegram import Bot
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest


class FakeEndpoint(Protocol):
    """Anything with the fake's addresses: FakeTelegram or RemoteFakeTelegram."""

    @property
    def base_url(self) -> str: ...

    @property
    def base_file_url(self) -> str: ...

    @property
    def token(self) -> str: ...


def make_bot(fake: FakeEndpoint, *, read_timeout: float | None = None, **kwargs: Any) -> Bot:
    """A PTB Bot pointed at the fake (use ``async with bot:`` to initialize it)."""
    if read_timeout is not None:
        kwargs["request"] = HTTPXRequest(read_timeout=read_timeout, connection_pool_size=8)
    return Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, **kwargs)


def application_builder(fake: FakeEndpoint) -> ApplicationBuilder:
    """An ApplicationBuilder with token and URLs set; add your own options, then build()."""
    return (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
    )


def build_application(fake: FakeEndpoint) -> Application:  # type: ignore[type-arg]
    return application_builder(fake).build()


@contextlib.asynccontextmanager
async def running(
    app: Application,  # type: ignore[type-arg]
    *,
    poll_timeout: float = 1.0,
    allowed_updates: list[str] | None = None,
    drop_pending_updates: bool = False,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Run ``app`` with long polling for the duration of the block, then shut it down."""
    await app.initialize()
    try:
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=dtm.timedelta(seconds=poll_timeout),
            allowed_updates=allowed_updates,
            drop_pending_updates=drop_pending_updates,
        )
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
