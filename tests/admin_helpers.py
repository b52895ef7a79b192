"""Helpers for the admin command tests (tests/test_admin*.py): a config with admins,
many registered chats at once, command entities, waiting for a progress report."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.app import Service
from bot.storage._chats import register
from tests.fakes.telegram import EditRecord, FakeChat, FakeTelegram, SentMessage
from tests.fakes.telegram_html import utf16_len
from tests.news import FEEDS
from tests.service import write_config


def admin_config(tmp_path: Path, fake: FakeTelegram, admins: list[int], *,
                 rate: int | None = None, feeds: list[dict[str, Any]] | None = None,
                 **sections: dict[str, Any]) -> Path:
    """Like tests.news.fast_config (short per-chat spacing, allowed by the fake), with
    ``admins``; ``rate`` raises the global cap here and in the fake."""
    fake.set_limits(private_per_window=1000)
    delivery: dict[str, Any] = {"per_chat_interval_seconds": 0.05}
    if rate is not None:
        delivery["messages_per_second"] = rate
        fake.set_limits(global_per_second=rate)
    return write_config(tmp_path, fake, feeds=FEEDS if feeds is None else feeds,
                        admins=admins, delivery=delivery, **sections)


async def register_chats(service: Service, chats: list[FakeChat]) -> None:
    """Register ``chats`` as subscribers in one transaction (/start without the replies)."""
    assert service.storage is not None

    def run(conn: sqlite3.Connection) -> None:
        for chat in chats:
            register(conn, chat.id, chat.type, None, None)

    await service.storage.db.write(run)


def command(text: str, *formatting: tuple[str, int, int]) -> dict[str, Any]:
    """inject_message kwargs for ``text`` (a command) with extra entities
    ``(type, offset, length)`` in UTF-16 units."""
    name = text.split(maxsplit=1)[0]
    entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(name)}]
    entities += [{"type": t, "offset": o, "length": n} for t, o, n in formatting]
    return {"text": text, "entities": entities}


def buttons(message: SentMessage) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for b in message.buttons}


def final_edit(fake: FakeTelegram, chat_id: int, broadcast_id: int) -> EditRecord | None:
    """The edit that made the progress message the final report, if any yet."""
    for edit in fake.edits(chat_id):
        text = edit.plain_text or ""
        if f"البث #{broadcast_id}" in text and ("اكتمل" in text or "أُوقف البث" in text
                                                or "لا توجد محادثات" in text):
            return edit
    return None


def figure(text: str, label: str) -> int:
    """The number after ``label:`` on its line of a progress or final report."""
    for line in text.splitlines():
        if label in line:
            return int(line.rsplit(":", 1)[1].strip().split()[0])
    raise AssertionError(f"no {label!r} in {text!r}")
