"""Shared fixtures. ``fake_telegram``: a started fake Bot API server (tests/fakes/telegram.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_ptb import make_bot

# httpx logs every request URL at INFO, and Bot API URLs contain the token.
logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API on 127.0.0.1 (random port) with Telegram's default limits.

    Point PTB at ``fake.base_url`` / ``fake.base_file_url`` with ``fake.token``; change
    limits per test with ``fake.set_limits(...)`` or ``fake.disable_rate_limits()``.
    """
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def telegram_bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """An initialized PTB ``Bot`` talking to ``fake_telegram``."""
    async with make_bot(fake_telegram) as bot:
        yield bot
