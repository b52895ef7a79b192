"""Delivery against a Bot API that misbehaves in ways found by fuzzing: a 429 for some
chats, a failure between the parts of a split message, an answer that is not a message
during a digest. No chat waits for another's penalty, nobody gets a part twice, no row is
left claimed forever."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import pytest
from telegram.error import RetryAfter

from bot.delivery.errors import classify
from tests.fakes.telegram import FakeTelegram
from tests.news import eventually, fast_config, register, store
from tests.service import running_service
from tests.test_delivery_e2e import body, outbox


async def test_a_429_puts_its_chat_aside_without_holding_a_sender(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """With 4 senders and 4 chats answered 429 (retry after 30 s), the limiter retried
    inside the send, twice: every sender slept 2 x 30 s and a fifth chat got its news
    after 60.2 s."""
    flooded = [fake_telegram.add_private_chat() for _ in range(4)]
    healthy = fake_telegram.add_private_chat()
    for chat in flooded:
        fake_telegram.inject_fault("sendMessage", status=429, retry_after=30, times=None,
                                   chat_id=chat.id)
    config = fast_config(tmp_path, fake_telegram, messages_per_second=16)  # 4 senders
    async with running_service(config) as service:
        for chat in (*flooded, healthy):
            await register(service, chat.id)
        started = time.monotonic()
        await store(service, "خبر للجميع")
        await fake_telegram.wait_for_messages(healthy.id, 1, timeout=10)
        assert time.monotonic() - started < 5

        async def set_aside() -> bool:
            rows = outbox(service)
            return sum(r[1] == "pending" and "Retry in 30 seconds" in (r[3] or "")
                       for r in rows) == 4
        await eventually(set_aside)
        # each flooded chat was asked once, then left alone for its 30 s
        calls = [c for c in fake_telegram.calls_to("sendMessage")
                 if c.status == 429]
        assert len(calls) == 4


async def test_a_failure_between_parts_resends_only_the_rest(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A long broadcast goes out in parts; a 500 on the second part made the retry start
    over, and the chat got the first part twice."""
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None and service.services.delivery is not None
        await register(service, chat.id)
        text = "\n\n".join(f"<b>فقرة {i}</b> " + "نص طويل للبث " * 30 for i in range(20))
        broadcast = await storage.db.write(lambda c: int(c.execute(
            "INSERT INTO broadcasts (admin_id, kind, text, status, created_at)"
            " VALUES (1, 'text', ?, 'sending', 0)", (text,)).lastrowid or 0))
        # the first part goes through, the second fails once, then all is well
        fake_telegram.inject_fault("sendMessage", status=500, times=1, skip=1)
        await storage.outbox.enqueue_broadcast(broadcast, [chat.id])
        service.services.delivery.wake()

        async def sent() -> bool:
            return [r[1] for r in outbox(service)] == ["sent"]
        await eventually(sent, timeout=20)
        parts = [body(m).split("\n")[0] for m in fake_telegram.sent(chat.id)]
        assert len(parts) == 2 and len(set(parts)) == 2, parts
        assert [c.status for c in fake_telegram.calls_to("sendMessage")] == [200, 500, 200]


async def test_an_answer_that_is_not_a_message_leaves_no_digest_row_claimed(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A 200 without a result made PTB raise KeyError: only TelegramError was handled,
    so the claimed rows stayed 'sending', which nothing claims again until a restart."""
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None and service.services.digests is not None
        await register(service, chat.id)
        await storage.chat_settings.set_digest(chat.id, "hourly")
        await store(service, "خبر ينتظر الموجز")

        def rewind(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE chats SET last_digest_at = last_digest_at - 7200")

        await storage.db.write(rewind)
        fake_telegram.inject_fault("sendMessage", status=200, times=1)
        assert await service.services.digests.run_due() == 0
        [(_, status, _, error)] = outbox(service)
        assert status == "failed" and "internal error: KeyError" in error


async def test_an_odd_success_is_not_sent_again(tmp_path: Path,
                                                fake_telegram: FakeTelegram) -> None:
    """A 200 whose result is not a message was a NetworkError, retried: the chat got the
    message twice (Telegram had taken it)."""
    chat = fake_telegram.add_private_chat()
    fake_telegram.inject_fault("sendMessage", status=200, result=True, chat_id=chat.id)
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        await register(service, chat.id)
        await store(service, "خبر")

        async def done() -> bool:
            return [r[1] for r in outbox(service)] == ["failed"]
        await eventually(done)
        assert len(fake_telegram.calls_to("sendMessage")) == 1


def test_a_429_of_zero_or_less_still_waits_a_second() -> None:
    """A 429 saying 0 (or -5) every time was retried at once, forever (a 429 is not
    counted as an attempt): 72 calls in 7 s."""
    assert classify(RetryAfter(0)).retry_after == 1.0
    assert classify(RetryAfter(-5)).retry_after == 1.0
    assert classify(RetryAfter(7)).retry_after == 7


async def test_a_migration_to_the_chat_itself_fails_the_row_once(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """A 400 whose parameters.migrate_to_chat_id is the chat's own id: the chat "moved" to
    itself (nothing changed) and the row was sent again at once, 20 times."""
    group = fake_telegram.add_supergroup("مجموعة")
    other = fake_telegram.add_private_chat()
    fake_telegram.inject_fault("sendMessage", status=400, times=None, chat_id=group.id,
                               parameters={"migrate_to_chat_id": group.id})
    caplog.set_level(logging.WARNING, logger="bot.delivery.attempt")
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        await register(service, group.id, "supergroup")
        await register(service, other.id)
        await store(service, "خبر للمجموعة")
        await fake_telegram.wait_for_messages(other.id, 1)

        async def failed() -> bool:
            return {r[0]: r[1] for r in outbox(service)}.get(group.id) == "failed"
        await eventually(failed)
        [(_, _, attempts, error)] = [r for r in outbox(service) if r[0] == group.id]
        assert attempts == 1 and error.startswith(f"migrated to {group.id}, not another chat")
        tried = [c for c in fake_telegram.calls_to("sendMessage")
                 if str(c.params.get("chat_id")) == str(group.id)]
        assert len(tried) == 1
        chat = await service.storage.chats.get(group.id)
        assert chat is not None and chat.active  # the chat stays; the next story tries again
    assert any(r.levelno == logging.WARNING and f"chat {group.id} row" in r.getMessage()
               and "not another chat" in r.getMessage() for r in caplog.records)


async def test_a_digest_migrated_to_the_chat_itself_fails_instead_of_waiting(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """The digest kept its rows pending for the next run after such an answer: the same
    request at every run, for ever."""
    group = fake_telegram.add_supergroup("مجموعة")
    fake_telegram.inject_fault("sendMessage", status=400, times=None, chat_id=group.id,
                               parameters={"migrate_to_chat_id": str(group.id)})
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None and service.services.digests is not None
        await register(service, group.id, "supergroup")
        await storage.chat_settings.set_digest(group.id, "hourly")
        await store(service, "خبر ينتظر الموجز")

        def rewind(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE chats SET last_digest_at = last_digest_at - 7200")

        await storage.db.write(rewind)
        assert await service.services.digests.run_due() == 0
        [(_, status, _, error)] = outbox(service)
        assert status == "failed" and "not another chat" in error


async def test_a_429_without_a_usable_retry_after_is_a_rate_limit_not_a_failure(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """PTB builds RetryAfter from parameters.retry_after alone: with "soon" building it
    raised AttributeError (the row failed as an internal error); null, 0 or no value at
    all made the 429 a NetworkError, retried with backoff and counted as an attempt. Now
    each is a rate limit: DEFAULT_RETRY_AFTER (5 s), 0 the 1 s floor, then sent."""
    odd: list[dict[str, object]] = [{"retry_after": "soon"}, {"retry_after": None}, {},
                                    {"retry_after": 0}]
    chats = [fake_telegram.add_private_chat() for _ in odd]
    for chat, parameters in zip(chats, odd, strict=True):
        fake_telegram.inject_fault("sendMessage", status=429, times=1, chat_id=chat.id,
                                   parameters=parameters)
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        for chat in chats:
            await register(service, chat.id)
        await store(service, "خبر رغم الزحام")
        for chat in chats:
            await fake_telegram.wait_for_messages(chat.id, 1, timeout=15)

        async def sent() -> bool:
            return all(r[1] == "sent" for r in outbox(service))
        await eventually(sent)
        # the send is the only attempt counted: a 429 is not one
        assert [r[2] for r in outbox(service)] == [1, 1, 1, 1]
    for chat, parameters in zip(chats, odd, strict=True):
        calls = [c for c in fake_telegram.calls_to("sendMessage")
                 if str(c.params.get("chat_id")) == str(chat.id)]
        assert [c.status for c in calls] == [429, 200], parameters
        wait = 1.0 if parameters == {"retry_after": 0} else 5.0  # DEFAULT_RETRY_AFTER
        assert wait - 0.1 <= calls[1].time - calls[0].time < wait + 3, parameters
