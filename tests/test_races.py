"""Chat and admin actions racing the background jobs (delivery, digests, polling,
retention, index rebuild), driven deterministically: the fake Bot API holds a send until
the test releases it, the feed server holds a poll's fetch."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import Service
from tests.fakes.telegram import FakeTelegram, SentMessage
from tests.news import ask, eventually, fast_config, feed_id, register, store
from tests.service import running_service


def chat_rows(service: Service, chat_id: int) -> dict[str, int]:
    """Rows that name ``chat_id``, per table and column, over every column of the schema
    whose name ends in ``chat_id`` (and ``chats.id``)."""
    assert service.storage is not None
    conn = sqlite3.connect(service.storage.db.path)
    try:
        found = {}
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE"
            " 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'articles_fts%'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            names = [c for c in columns if c.endswith("chat_id")] + (
                ["id"] if table == "chats" else [])
            for column in names:
                n = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?",
                                 (chat_id,)).fetchone()[0]
                if n:
                    found[f"{table}.{column}"] = n
        return found
    finally:
        conn.close()


def statuses(service: Service, chat_id: int) -> list[str]:
    assert service.storage is not None
    conn = sqlite3.connect(service.storage.db.path)
    try:
        return [r[0] for r in conn.execute(
            "SELECT status FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,))]
    finally:
        conn.close()


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info]


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until ``check()`` holds."""

    async def holds() -> bool:
        return check()

    await eventually(holds, timeout)


def gate_waiting(service: Service, chat_id: int) -> bool:
    """Some action waits for the chat's send in flight (see bot/delivery/gates.py)."""
    delivery = service.services.delivery
    gates = getattr(delivery, "gates", None)
    return gates is not None and gates.waiting(chat_id) > 0


def sends_after(fake: FakeTelegram, chat_id: int, index: int) -> list[str]:
    """Messages to ``chat_id`` the fake answered after its call number ``index``."""
    return [c.method for c in fake.calls[index + 1:]
            if c.method in ("sendMessage", "sendPhoto", "copyMessage") and c.status == 200
            and str(c.params.get("chat_id")) == str(chat_id)]


def answer_index(fake: FakeTelegram, query_id: str) -> int:
    return next(i for i, c in enumerate(fake.calls) if c.method == "answerCallbackQuery"
                and c.params.get("callback_query_id") == query_id)


async def forget_prompt(fake: FakeTelegram, chat_id: int) -> tuple[SentMessage, str]:
    prompt = await ask(fake, chat_id, "/forget")
    yes = prompt.buttons[0]["callback_data"]
    return prompt, yes


FORGOTTEN = "🗑 حُذفت بيانات هذه المحادثة. إن أردت العودة فأرسل /start."


async def test_forget_while_the_worker_sends_to_the_chat(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(fast_config(tmp_path, fake)) as service:
        assert service.storage is not None
        await ask(fake, chat.id, "/start")
        await service.storage.search.save_query("غزة", chat.id)  # a /search paging button
        prompt, yes = await forget_prompt(fake, chat.id)
        hold = fake.hold_next("sendMessage", chat_id=chat.id)
        await store(service, "خبر في الطريق")
        await store(service, "خبر ينتظر دوره")
        await hold.arrived.wait()  # the worker's send is at Telegram
        query = fake.inject_callback(chat.id, prompt.message_id, yes)
        await until(lambda: gate_waiting(service, chat.id) or any(
            a.callback_query_id == query for a in fake.callback_answers))
        hold.release()
        [edit] = await fake.wait_for_edits(chat.id, 1)
        assert edit.plain_text == FORGOTTEN
        late = sends_after(fake, chat.id, answer_index(fake, query))
        assert (late, chat_rows(service, chat.id)) == ([], {})
    assert errors(caplog) == []


async def test_forget_while_a_digest_for_the_chat_goes_out(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(fast_config(tmp_path, fake)) as service:
        storage, digests = service.storage, service.services.digests
        assert storage is not None and digests is not None
        await ask(fake, chat.id, "/start")
        await ask(fake, chat.id, "/digest hourly")
        prompt, yes = await forget_prompt(fake, chat.id)
        for i in range(3):
            await store(service, f"عنوان للموجز {i}")
        await storage.db.write(lambda conn: conn.execute(
            "UPDATE chats SET last_digest_at = last_digest_at - 7200"))
        hold = fake.hold_next("sendMessage", chat_id=chat.id)
        run = asyncio.create_task(digests.run_due())
        await hold.arrived.wait()  # the digest is at Telegram
        query = fake.inject_callback(chat.id, prompt.message_id, yes)
        await until(lambda: gate_waiting(service, chat.id) or any(
            a.callback_query_id == query for a in fake.callback_answers))
        hold.release()
        assert await run == 1
        [edit] = await fake.wait_for_edits(chat.id, 1)
        assert edit.plain_text == FORGOTTEN
        late = sends_after(fake, chat.id, answer_index(fake, query))
        assert (late, chat_rows(service, chat.id)) == ([], {})
    assert errors(caplog) == []


async def test_stop_while_a_row_for_the_chat_waits_for_a_sender(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    # 4 senders, all held by sends to other chats: the chat's row is claimed and queued
    fake = fake_telegram
    chat = fake.add_private_chat()
    others = [fake.add_private_chat() for _ in range(4)]
    async with running_service(fast_config(tmp_path, fake, messages_per_second=4)) as service:
        storage, delivery = service.storage, service.services.delivery
        assert storage is not None and delivery is not None and delivery.concurrency == 4
        await ask(fake, chat.id, "/start")
        a, b = await feed_id(service, 0), await feed_id(service, 1)
        for other in others:  # subscribed to feed b only
            await register(service, other.id)
            await storage.subscriptions.remove(other.id, "feed", str(a))
            await storage.subscriptions.add(other.id, "feed", str(b), "المصدر ب", b)
        holds = [fake.hold_next("sendMessage", chat_id=other.id) for other in others]
        await store(service, "خبر للآخرين", feed=1)
        for hold in holds:
            await hold.arrived.wait()
        await store(service, "خبر للمحادثة")
        await until(lambda: statuses(service, chat.id) == ["sending"])  # claimed, queued
        stopped = (await ask(fake, chat.id, "/stop")).plain_text or ""
        assert "أُلغيت الاشتراكات كلها (1)" in stopped
        for hold in holds:
            hold.release()
        await fake.wait_for(lambda f: all(f.sent(o.id) for o in others))
        await until(lambda: delivery.in_flight == 0)  # the queued row's turn came
        assert statuses(service, chat.id) == ["dropped"]
        restarted = (await ask(fake, chat.id, "/start")).plain_text or ""
        assert "أُعيد الاشتراك في المصادر الافتراضية (1)" in restarted
        await store(service, "خبر بعد العودة")
        await fake.wait_for(lambda f: any("خبر بعد العودة" in (m.plain_text or "")
                                          for m in f.sent(chat.id)))
    assert [m.plain_text for m in fake.sent(chat.id)
            if "خبر للمحادثة" in (m.plain_text or "")] == []
    assert errors(caplog) == []


async def test_stop_while_a_send_to_the_chat_fails(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(fast_config(tmp_path, fake)) as service:
        storage, delivery = service.storage, service.services.delivery
        assert storage is not None and delivery is not None
        await ask(fake, chat.id, "/start")
        hold = fake.hold_next("sendMessage", chat_id=chat.id, status=500)
        await store(service, "خبر قبل الإيقاف")
        await store(service, "خبر ثانٍ قبل الإيقاف")
        await hold.arrived.wait()
        fake.inject_message(chat.id, "/stop")

        async def stopped() -> bool:
            record = await storage.chats.get(chat.id)
            return gate_waiting(service, chat.id) or (record is not None and not record.active)

        await eventually(stopped)
        hold.release()
        await until(lambda: delivery.in_flight == 0)  # the failure is recorded
        # the failed send does not bring its row back to be retried after /stop
        assert statuses(service, chat.id) == ["dropped", "dropped"]
        await ask(fake, chat.id, "/start")
        await store(service, "خبر بعد العودة")
        await fake.wait_for(lambda f: any("خبر بعد العودة" in (m.plain_text or "")
                                          for m in f.sent(chat.id)))
        await until(lambda: delivery.in_flight == 0)
        assert statuses(service, chat.id) == ["dropped", "dropped", "sent"]
    assert errors(caplog) == []
