"""Incoming updates: one chat's burst of commands does not keep the other chats waiting."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from telegram import Chat, Message, Update, User

from bot import metrics
from bot.updates import PerChatUpdateProcessor, update_key
from tests.fakes.telegram import FakeTelegram
from tests.news import FEEDS
from tests.service import running_service, write_config


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    user = User(chat_id, "قارئ", False)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat,
                                             from_user=user, text="/help"))


async def test_one_chat_at_a_time_in_order_and_a_flood_is_cut() -> None:
    processor = PerChatUpdateProcessor(running=2, backlog=3)
    done: list[tuple[int, int]] = []
    running: dict[int, int] = {}
    most = {"together": 0, "per chat": 0}
    gate = asyncio.Event()

    async def handle(chat_id: int, n: int) -> None:
        running[chat_id] = running.get(chat_id, 0) + 1
        most["per chat"] = max(most["per chat"], running[chat_id])
        most["together"] = max(most["together"], sum(running.values()))
        if chat_id == 1:
            await gate.wait()  # the flooding chat's handlers wait for their send slot
        await asyncio.sleep(0)
        running[chat_id] -= 1
        done.append((chat_id, n))

    dropped = metrics.UPDATES_DROPPED._value.get()
    tasks = [asyncio.create_task(processor.process_update(_update(n, 1), handle(1, n)))
             for n in range(10)]
    tasks += [asyncio.create_task(processor.process_update(_update(100 + n, 2), handle(2, n)))
              for n in range(3)]
    await asyncio.wait_for(asyncio.gather(*tasks[10:]), 5)  # chat 2 is not held up by 1
    assert done == [(2, 0), (2, 1), (2, 2)]
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    # chat 1: the running one and 3 waiting were kept, in order; 6 were dropped unrun
    assert [n for chat, n in done if chat == 1] == [0, 1, 2, 3]
    assert metrics.UPDATES_DROPPED._value.get() - dropped == 6
    assert most == {"together": 2, "per chat": 1}
    assert processor._chats == {}  # nothing kept for chats that have caught up


def test_update_key_is_the_chat_else_the_user() -> None:
    assert update_key(_update(1, 42)) == 42
    assert update_key(Update(2)) is None
    assert update_key(object()) is None


async def test_a_burst_from_one_chat_does_not_delay_another(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A burst of /help from one private chat, answered at about one a second (the chat's
    send limit): when 8 slots were shared first come first served, another chat's /help
    waited behind them (21.6 s behind 30; 3.1 s behind these 12)."""
    flooder, other = fake_telegram.add_private_chat(), fake_telegram.add_private_chat()
    async with running_service(write_config(tmp_path, fake_telegram, feeds=FEEDS)):
        for _ in range(12):
            fake_telegram.inject_message(flooder.id, "/help")
        await fake_telegram.wait_for_messages(flooder.id, 2, timeout=10)
        started = time.monotonic()
        fake_telegram.inject_message(other.id, "/help")
        await fake_telegram.wait_for_messages(other.id, 1, timeout=30)
        assert time.monotonic() - started < 1.0  # ~0.02 s measured; 3.1 s before


async def test_an_update_delivered_again_is_handled_once() -> None:
    processor = PerChatUpdateProcessor()
    handled: list[int] = []

    async def handle(n: int) -> None:
        handled.append(n)

    for n in (1, 2, 1, 3, 2):
        await processor.process_update(_update(n, 42), handle(n))
    assert handled == [1, 2, 3]
