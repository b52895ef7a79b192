"""Helpers for end-to-end delivery tests: store articles the way ingestion does, then
wake the worker (ingestion and delivery share only the database)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import Service
from bot.models import Article
from tests.fakes.telegram import FakeTelegram, SentMessage
from tests.service import write_config

FEEDS = [
    {"url": "https://a.example/rss", "name": "المصدر أ", "category": "عام", "default": True},
    {"url": "https://b.example/rss", "name": "المصدر ب", "category": "رياضة"},
]
_urls = itertools.count(1)


def fast_config(tmp_path: Path, fake: FakeTelegram, **delivery: Any) -> Path:
    """A config whose per-chat spacing is short (commands answer quickly); the fake is
    told to allow it. Delivery limits otherwise as in production unless overridden."""
    fake.set_limits(private_per_window=1000)
    settings = {"per_chat_interval_seconds": 0.05, **delivery}
    return write_config(tmp_path, fake, feeds=FEEDS, delivery=settings)


async def feed_id(service: Service, index: int = 0) -> int:
    assert service.storage is not None
    return (await service.storage.feeds.list())[index].id


async def store(service: Service, title: str = "خبر عاجل", *, feed: int = 0,
                summary: str = "ملخص قصير للخبر يكفي لفهمه.", image_url: str | None = None,
                story_id: int | None = None, wake: bool = True) -> int:
    """Store an article from feed number ``feed`` (its outbox rows with it) and wake
    delivery, like the ingestion pipeline does."""
    assert service.storage is not None
    n = next(_urls)
    new = await service.storage.articles.insert(Article(
        title=title, url=f"https://news.example/{n}", source="المصدر أ",
        published=datetime.now(UTC), summary=summary, image_url=image_url,
        feed_id=await feed_id(service, feed)), story_id=story_id)
    assert new is not None
    if wake and service.services.delivery is not None:
        service.services.delivery.wake()
    return new


async def ask(fake: FakeTelegram, chat_id: int, text: str, **kwargs: Any) -> SentMessage:
    """Send ``text`` as a user and return the bot's next message to that chat."""
    before = len(fake.sent(chat_id))
    fake.inject_message(chat_id, text, **kwargs)
    found = await fake.wait_for_messages(chat_id, before + 1)
    return found[before]


async def register(service: Service, chat_id: int, chat_type: str = "private") -> None:
    assert service.storage is not None
    await service.storage.chats.register(chat_id, chat_type)


async def eventually(check: Any, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
    """Await ``check()`` (async, returning a truthy value when done) until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value or loop.time() > deadline:
            assert value, f"timed out after {timeout}s waiting for {check}"
            return value
        await asyncio.sleep(0.02)
