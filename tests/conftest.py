"""Shared fixtures. ``fake_telegram``: a started fake Bot API server (tests/fakes/telegram.py)."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_ptb import make_bot

# httpx logs every request URL at INFO, and Bot API URLs contain the token.
logging.getLogger("httpx").setLevel(logging.WARNING)

_real_getaddrinfo = socket.getaddrinfo
#: names looked up in tests that would have left this machine (kept for debugging)
BLOCKED_LOOKUPS: list[str] = []


def _local_only_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Tests never reach the internet, DNS included: only IP literals and localhost."""
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name != "localhost":
        try:
            ipaddress.ip_address(str(name).split("%", 1)[0])
        except ValueError:
            BLOCKED_LOOKUPS.append(str(name))
            raise socket.gaierror(socket.EAI_NONAME, f"tests: no DNS for {name}") from None
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process code cannot resolve names (subprocesses get .example names only)."""
    monkeypatch.setattr(socket, "getaddrinfo", _local_only_getaddrinfo)
    yield


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
