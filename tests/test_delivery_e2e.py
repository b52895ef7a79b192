"""The delivery worker end to end: the real service against the fake Bot API, which
enforces HTML, lengths, flood limits (429) and answers like Telegram for blocked,
deactivated, kicked and migrated chats, broken photos and injected 5xx/hangs."""

from __future__ import annotations

import itertools
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.delivery.digests
import bot.delivery.http
import jobs.digest
from bot import metrics
from bot.app import Service
from bot.delivery.schedule import zone
from bot.render.bidi import LRM
from bot.storage._digests import LEFT_OUT
from tests.fakes.telegram import FakeTelegram, SentMessage
from tests.news import FEEDS, eventually, fast_config, feed_id, register, store
from tests.service import running_service, write_config


def outbox(service: Service) -> list[tuple[Any, ...]]:
    assert service.storage is not None
    conn = sqlite3.connect(service.storage.db.path)
    try:
        return [tuple(r) for r in conn.execute(
            "SELECT chat_id, status, attempts, error FROM outbox ORDER BY id")]
    finally:
        conn.close()


def body(message: SentMessage) -> str:
    return message.plain_text or message.plain_caption or ""


def rewind_digests(conn: sqlite3.Connection) -> None:
    """Every digest window started two days ago: the digests are due."""
    conn.execute("UPDATE chats SET last_digest_at = last_digest_at - 2 * 86400")


def quiet_now() -> tuple[str, str]:
    """A quiet-hours range around the current time in Asia/Riyadh."""
    local = datetime.now(UTC).astimezone(zone("Asia/Riyadh"))
    return ((local - timedelta(hours=1)).strftime("%H:%M"),
            (local + timedelta(hours=1)).strftime("%H:%M"))


async def test_news_message_photo_fallback_and_quiet_hours(tmp_path: Path,
                                                           fake_telegram: FakeTelegram) -> None:
    loud, other, quiet = (fake_telegram.add_private_chat() for _ in range(3))
    fake_telegram.break_photo("https://img.example/broken.jpg", reason="fetch")
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        for chat in (loud, other, quiet):
            await register(service, chat.id)
        assert service.storage is not None
        await service.storage.chat_settings.set_quiet(quiet.id, *quiet_now())
        await store(service, "خبر <مهم> & عاجل", image_url="https://img.example/ok.jpg")
        first = await fake_telegram.wait_for(3)
        assert {m.method for m in first} == {"sendPhoto"}
        photo = fake_telegram.sent(loud.id)[0]
        assert photo.caption is not None and photo.caption.startswith("<b>خبر &lt;مهم&gt; &amp;")
        hosts = [b["url"].split("/")[2] for b in photo.buttons]
        assert hosts == ["wa.me", "t.me", "twitter.com", "www.facebook.com"]
        assert not photo.disable_notification
        assert fake_telegram.sent(quiet.id)[0].disable_notification  # quiet hours: silent

        await store(service, "خبر بصورة معطوبة", image_url="https://img.example/broken.jpg")
        later = (await fake_telegram.wait_for(6))[3:]
        assert {m.method for m in later} == {"sendMessage"}
        assert all("اقرأ الخبر كاملاً" in body(m) for m in later)
        assert 1 <= sum(c.status == 400 for c in fake_telegram.calls_to("sendPhoto")) <= 3
        await eventually(lambda: _all_sent(service, 6))
    fake_telegram.assert_no_rate_limits()


async def _all_sent(service: Service, n: int) -> bool:
    rows = outbox(service)
    return len(rows) == n and all(r[1] == "sent" for r in rows)


async def test_telegram_error_paths(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    ok = fake_telegram.add_private_chat()
    blocked = fake_telegram.add_private_chat()
    deleted = fake_telegram.add_private_chat()
    kicked = fake_telegram.add_supergroup("طُرد البوت منها")
    old = fake_telegram.add_group("مجموعة قديمة")
    new = fake_telegram.add_supergroup("مجموعة قديمة")
    channel = fake_telegram.add_channel("قناة", bot_status="member")  # not an admin: 400
    fake_telegram.block(blocked.id)
    fake_telegram.set_chat_state(deleted.id, deactivated=True)
    fake_telegram.set_chat_state(kicked.id, kicked=True)
    fake_telegram.chat(old.id).migrated_to = new.id  # upgraded; we were not told
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None
        for chat in (ok, blocked, deleted, kicked, old, channel):
            await register(service, chat.id, chat.type)
        await storage.subscriptions.add(old.id, "keyword", "سوريا", "سوريا")
        await store(service, "خبر أول عن سوريا")
        await fake_telegram.wait_for_messages(ok.id, 1)
        await fake_telegram.wait_for_messages(new.id, 1)  # resent to the new id

        async def settled() -> bool:
            return not any(r[1] in ("pending", "sending") for r in outbox(service))

        await eventually(settled)
        state = {c.id: c for c in [await storage.chats.get(i) for i in
                                   (ok.id, blocked.id, deleted.id, kicked.id, new.id,
                                    channel.id)] if c}
        assert [state[i].active for i in (ok.id, new.id, channel.id)] == [True] * 3
        assert [(state[i].active, state[i].deactivated_reason)
                for i in (blocked.id, deleted.id, kicked.id)] == [
            (False, "blocked"), (False, "deactivated"), (False, "kicked")]
        assert await storage.chats.get(old.id) is None
        assert sorted(s.kind for s in await storage.subscriptions.list(new.id)) == [
            "feed", "keyword"]
        rows = {r[0]: r for r in outbox(service)}
        assert rows[new.id][1] == "sent" and rows[ok.id][1] == "sent"
        assert rows[channel.id][1] == "failed"
        assert "administrator rights" in rows[channel.id][3]
        assert rows[blocked.id][1] == rows[kicked.id][1] == "dropped"

        await store(service, "خبر ثانٍ")
        await fake_telegram.wait_for_messages(ok.id, 2)
        await fake_telegram.wait_for_messages(new.id, 2)
        await eventually(settled)
        for gone in (blocked.id, deleted.id, kicked.id):  # never tried again
            tried = [c for c in fake_telegram.calls_to("sendMessage")
                     if str(c.params.get("chat_id")) == str(gone)]
            assert len(tried) == 1
    fake_telegram.assert_no_rate_limits()


async def test_5xx_and_timeouts_are_retried_with_backoff(
        tmp_path: Path, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.delivery.http, "READ_TIMEOUT", 0.5)
    chats = [fake_telegram.add_private_chat() for _ in range(4)]
    fake_telegram.fail_next("sendMessage", 1, 500)
    fake_telegram.fail_next("sendMessage", 1, 502)  # an HTML page from a proxy
    fake_telegram.hang_next("sendMessage", 1)
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        for chat in chats:
            await register(service, chat.id)
        await store(service, "خبر رغم الأعطال")
        await fake_telegram.wait_for(4, timeout=15)
        await eventually(lambda: _all_sent(service, 4), timeout=5)
        assert sorted(r[2] for r in outbox(service)) == [1, 2, 2, 2]
        assert all(len(fake_telegram.sent(c.id)) == 1 for c in chats)
        statuses = sorted(c.status for c in fake_telegram.calls_to("sendMessage"))
        assert statuses == [200, 200, 200, 200, 500, 502]  # the hang never answered
    fake_telegram.assert_no_rate_limits()


async def test_a_slow_chat_never_blocks_the_others(tmp_path: Path,
                                                   fake_telegram: FakeTelegram) -> None:
    busy = fake_telegram.add_private_chat()
    others = [fake_telegram.add_private_chat() for _ in range(20)]
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)  # ~1/s per chat, 30/s
    async with running_service(config) as service:
        assert service.storage is not None
        for chat in (busy, *others):
            await register(service, chat.id)
        await service.storage.subscriptions.add(busy.id, "feed", str(await feed_id(service, 1)),
                                                "ب", await feed_id(service, 1))
        for i in range(4):  # the busy chat's rows come first in the outbox
            await store(service, f"خبر من المصدر ب {i}", feed=1, wake=False)
        await store(service, "خبر للجميع")
        mine = await fake_telegram.wait_for_messages(busy.id, 5, timeout=10)
        gaps = [b.time - a.time for a, b in itertools.pairwise(mine)]
        assert min(gaps) >= 0.95  # about one a second, as DESIGN.md asks
        for chat in others:
            [got] = fake_telegram.sent(chat.id)
            assert got.time < mine[2].time  # not stuck behind the busy chat
    fake_telegram.assert_no_rate_limits()


async def test_broadcasts_text_article_copy_and_cancelled(tmp_path: Path,
                                                          fake_telegram: FakeTelegram) -> None:
    a, b = fake_telegram.add_private_chat(), fake_telegram.add_private_chat()
    admin = fake_telegram.add_private_chat(first_name="المشرف")
    source = fake_telegram.inject_message(admin.id, "رسالة ستُنسخ إلى الجميع")
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None
        for chat in (a, b):
            await register(service, chat.id)
        await storage.chat_settings.set_digest(b.id, "daily", "08:00")  # broadcasts still go
        article = await store(service, "خبر للبث", wake=False)
        await fake_telegram.wait_for_updates_consumed()
        long_text = "\n\n".join(f"<b>فقرة {i}</b> " + "نص طويل للبث " * 30 for i in range(20))

        def drafts(conn: sqlite3.Connection) -> list[int]:
            ids = []
            for kind, text, art, chat_id, msg_id, status in (
                    ("text", long_text, None, None, None, "sending"),
                    ("article", None, article, None, None, "sending"),
                    ("copy", None, None, admin.id, source["message_id"], "sending"),
                    ("text", "لن يُرسل", None, None, None, "cancelled")):
                ids.append(int(conn.execute(
                    "INSERT INTO broadcasts (admin_id, kind, text, article_id, from_chat_id,"
                    " from_message_id, status, created_at) VALUES (1, ?, ?, ?, ?, ?, ?, 0)",
                    (kind, text, art, chat_id, msg_id, status)).lastrowid or 0))
            return ids

        ids = await storage.db.write(drafts)
        for bid in ids:
            await storage.outbox.enqueue_broadcast(bid, [a.id, b.id])
        service.services.delivery.wake()  # type: ignore[union-attr]
        got = await fake_telegram.wait_for_messages(b.id, 4, timeout=10)
        await fake_telegram.wait_for_messages(a.id, 5)  # + the article as news: a is not
        # in digest mode; b's news row waits for its digest
        assert [m.method for m in got].count("copyMessage") == 1
        assert sum("فقرة" in body(m) for m in got) == 2  # split: > 4096 characters
        assert sum("خبر للبث" in body(m) for m in got) == 1
        await eventually(lambda: _counted(service, ids))
        assert all("لن يُرسل" not in body(m) for m in fake_telegram.sent())
    fake_telegram.assert_no_rate_limits()


async def _counted(service: Service, ids: list[int]) -> bool:
    assert service.storage is not None
    counts = [await service.storage.outbox.broadcast_counts(i) for i in ids]
    none = {"sent": 0, "failed": 0, "blocked": 0, "pending": 0, "cancelled": 0, "left": 0}
    return counts == [{**none, "sent": 2}] * 3 + [{**none, "cancelled": 2}]


async def test_digests_bundle_split_and_stay_quiet(tmp_path: Path,
                                                   fake_telegram: FakeTelegram) -> None:
    hourly, daily, gone = (fake_telegram.add_private_chat() for _ in range(3))
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None and service.services.digests is not None
        for chat in (hourly, daily, gone):
            await register(service, chat.id)
        await storage.chat_settings.set_digest(hourly.id, "hourly")
        await storage.chat_settings.set_quiet(hourly.id, *quiet_now())
        await storage.chat_settings.set_digest(daily.id, "daily", "00:00")
        await storage.chat_settings.set_digest(gone.id, "hourly")
        fake_telegram.block(gone.id)
        for i in range(3):
            await store(service, f"عنوان قصير {i}")
        for i in range(120):
            await storage.subscriptions.add(daily.id, "keyword", "طويل", "طويل")
            await store(service, f"عنوان طويل جدًا رقم {i} " + "كلمات كثيرة " * 12, feed=1,
                        wake=False)
        metrics.reset_heartbeats()
        assert await service.services.digests.run_due() == 0  # windows just started
        assert fake_telegram.sent() == []  # nothing goes out one by one
        # every run says the digest job is alive (/healthz: bot.ops.health), digests or not
        ran = metrics.last_heartbeat("digest")
        assert ran is not None and time.time() - ran < 5

        await storage.db.write(rewind_digests)
        assert await service.services.digests.run_due() == 2
        [digest] = fake_telegram.sent(hourly.id)
        assert digest.disable_notification and digest.reply_markup is None
        assert (digest.plain_text or "").startswith("📰 موجز الساعة\nعدد الأخبار: 3")
        assert sum(e["type"] == "text_link" for e in digest.entities) == 3
        parts = fake_telegram.sent(daily.id)
        assert len(parts) >= 3 and "عدد الأخبار: 123" in (parts[0].plain_text or "")
        assert sum(e["type"] == "text_link" for m in parts for e in m.entities) == 123
        assert all(not m.disable_notification for m in parts)
        blocked = await storage.chats.get(gone.id)
        assert blocked is not None and not blocked.active
        assert {r[1] for r in outbox(service)} == {"sent", "dropped"}
        assert await service.services.digests.run_due() == 0  # nothing new: no digest
    fake_telegram.assert_no_rate_limits()



async def test_a_digest_of_short_headlines_keeps_every_link(tmp_path: Path,
                                                            fake_telegram: FakeTelegram) -> None:
    # 150 one-word headlines fit one message by length (~3,200 of 4,096), but Telegram
    # shows only 100 formatting entities a message: the digest is split by entities too
    reader = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None and service.services.digests is not None
        await register(service, reader.id)
        await storage.chat_settings.set_digest(reader.id, "daily", "00:00")
        urls = set()
        for i in range(150):
            await store(service, f"خبر {i}", wake=False)
        await storage.db.write(rewind_digests)
        assert await service.services.digests.run_due() == 1
        parts = fake_telegram.sent(reader.id)
        assert len(parts) == 2 and "عدد الأخبار: 150" in (parts[0].plain_text or "")
        for message in parts:
            assert len(message.entities) <= 100
            urls |= {e["url"] for e in message.entities if e["type"] == "text_link"}
        assert len(urls) == 150
        assert {r[1] for r in outbox(service)} == {"sent"}
    fake_telegram.assert_no_rate_limits()


async def test_a_digest_too_long_takes_the_newest_and_says_how_many_are_left_out(
        tmp_path: Path, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    """More headlines waiting than one digest holds: it carries the newest (in order) and
    says how many older ones did not fit; those are dropped once it is out. Before, the
    digest carried the oldest and the rest waited for the next one: a chat getting more
    than a digest holds fell further behind with every digest. A digest that fails leaves
    everything waiting."""
    monkeypatch.setattr(bot.delivery.digests, "MAX_ITEMS", 5)
    reader = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        storage = service.storage
        assert storage is not None and service.services.digests is not None
        await register(service, reader.id)
        await storage.chat_settings.set_digest(reader.id, "daily", "00:00")
        for i in range(8):
            await store(service, f"خبر رقم {i}", wake=False)
        await storage.db.write(rewind_digests)
        fake_telegram.fail_next("sendMessage", 1, 502)
        assert await service.services.digests.run_due() == 0
        assert {r[1] for r in outbox(service)} == {"pending"}  # nothing dropped

        assert await service.services.digests.run_due() == 1
        [digest] = fake_telegram.sent(reader.id)
        text = body(digest)
        assert ("عدد الأخبار: 5 من أصل 8 (لم يتّسع الموجز لأقدمها؛ تجدها عبر "
                f"{LRM}/search)") in text
        assert [line.split("رقم ")[1].split()[0] for line in text.splitlines()
                if "رقم" in line] == ["3", "4", "5", "6", "7"]
        rows = outbox(service)
        assert [r[1] for r in rows] == ["dropped"] * 3 + ["sent"] * 5
        assert all(r[3] == LEFT_OUT for r in rows[:3])
        await storage.db.write(rewind_digests)
        assert await service.services.digests.run_due() == 0  # nothing left waiting
    fake_telegram.assert_no_rate_limits()


async def test_bot_removed_from_a_group_mid_delivery(tmp_path: Path,
                                                     fake_telegram: FakeTelegram) -> None:
    admin = fake_telegram.add_user("مشرف")
    group = fake_telegram.add_group("مجموعة", admins=[admin.id])
    async with running_service(fast_config(tmp_path, fake_telegram,
                                           group_messages_per_minute=3)) as service:
        await register(service, group.id, "group")
        for i in range(6):
            await store(service, f"خبر {i}")
        await fake_telegram.wait_for_messages(group.id, 3)  # then the group's minute is full
        fake_telegram.inject_my_chat_member(group.id, "kicked", from_user=admin)
        await fake_telegram.wait_for_updates_consumed()

        async def dropped() -> bool:
            return [r[1] for r in outbox(service)].count("dropped") == 3

        await eventually(dropped)
        assert service.storage is not None
        chat = await service.storage.chats.get(group.id)
        assert chat is not None and not chat.active and chat.deactivated_reason == "kicked"
        assert len(fake_telegram.sent(group.id)) == 3
        fake_telegram.inject_my_chat_member(group.id, "member", from_user=admin)  # added back
        await fake_telegram.wait_for_updates_consumed()
        await eventually(lambda: _active(service, group.id))

        user = fake_telegram.add_private_chat()  # a user who blocks the bot
        await register(service, user.id)
        fake_telegram.inject_my_chat_member(user.id, "kicked")
        await fake_telegram.wait_for_updates_consumed()
        await eventually(lambda: _reason(service, user.id, "blocked"))
    fake_telegram.assert_no_rate_limits()


async def _reason(service: Service, chat_id: int, reason: str) -> bool:
    assert service.storage is not None
    chat = await service.storage.chats.get(chat_id)
    return chat is not None and not chat.active and chat.deactivated_reason == reason


async def _active(service: Service, chat_id: int) -> bool:
    assert service.storage is not None
    chat = await service.storage.chats.get(chat_id)
    return chat is not None and chat.active


async def test_group_upgraded_to_supergroup_keeps_its_subscriptions(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    admin = fake_telegram.add_user("مشرف")
    group = fake_telegram.add_group("مجموعة", admins=[admin.id], creator=admin)
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        await register(service, group.id, "group")
        await service.storage.subscriptions.add(group.id, "keyword", "سوريا", "سوريا")
        new = fake_telegram.migrate_group(group.id)
        await fake_telegram.wait_for_updates_consumed()
        await eventually(lambda: _active(service, new.id))
        assert len(await service.storage.subscriptions.list(new.id)) == 2
        await store(service, "خبر بعد الترقية")
        await fake_telegram.wait_for_messages(new.id, 1)
        assert fake_telegram.sent(group.id) == []


async def test_the_digest_job_sends_when_the_hour_has_come(
        tmp_path: Path, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs.digest, "INTERVAL_SECONDS", 0.2)
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        await register(service, chat.id)
        await service.storage.chat_settings.set_digest(chat.id, "hourly")
        await store(service, "خبر ينتظر الموجز")

        def last_hour(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE chats SET last_digest_at = last_digest_at - 3600")

        await service.storage.db.write(last_hour)
        [digest] = await fake_telegram.wait_for_messages(chat.id, 1, timeout=5)
        assert "موجز الساعة" in body(digest) and "خبر ينتظر الموجز" in body(digest)


async def test_one_story_one_message_per_chat(tmp_path: Path,
                                              fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        await register(service, chat.id)
        await service.storage.subscriptions.add(chat.id, "category", "رياضه", "رياضة")
        first = await store(service, "زلزال قوي يضرب المنطقة")
        await store(service, "زلزال قوي يضرب المنطقة اليوم", feed=1, story_id=first)
        await store(service, "خبر آخر")
        got = await fake_telegram.wait_for_messages(chat.id, 2)
        await eventually(lambda: _all_sent(service, 2))
        assert [body(m).split("\n")[0] for m in got] == ["زلزال قوي يضرب المنطقة", "خبر آخر"]
