"""/broadcast end to end: the real service against the fake Bot API (which enforces HTML,
lengths and flood limits): preview, confirm (twice, by another admin, by a non-admin),
progress edits, final counts with blocked chats, cancel mid-way, a restart mid-way,
2,000 subscribers, and every refusal of the issue (empty, too long, a non-news URL, an
unreachable URL, a copy that cannot be made)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

import jobs.broadcast_progress
from bot.app import Service
from bot.render.bidi import LRM
from tests.admin_helpers import (
    admin_config,
    buttons,
    command,
    figure,
    final_edit,
    register_chats,
)
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram import FakeTelegram
from tests.fixtures.ingest.site import REAL_FEEDS, NewsSite, load_articles
from tests.news import ask
from tests.service import load, running_service

pytest_plugins = ["tests.fakes.feed_fixtures"]

CONFIRM, CANCEL, STOP = "✅ تأكيد الإرسال", "❌ إلغاء", "⏹ إيقاف الإرسال"


@pytest.fixture(autouse=True)
def fast_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress edits every second instead of every 3 (still within 1 edit/s per chat)."""
    monkeypatch.setattr(jobs.broadcast_progress, "PROGRESS_SECONDS", 1.0)
    monkeypatch.setattr(jobs.broadcast_progress, "FIRST_SECONDS", 0.5)


async def rows_of(service: Service, broadcast_id: int) -> dict[str, int]:
    assert service.storage is not None
    return await service.storage.outbox.broadcast_counts(broadcast_id)


async def wait_final(fake: FakeTelegram, chat_id: int, broadcast_id: int,
                     timeout: float = 20.0) -> str:  # noqa: ASYNC109
    edit = await fake.wait_for(lambda f: final_edit(f, chat_id, broadcast_id), timeout=timeout,
                               what=f"the final report of broadcast {broadcast_id}")
    return edit.plain_text or ""


async def test_broadcast_to_2000_subscribers_with_blocked_chats(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat(first_name="المشرف")
    other_admin = fake.add_private_chat(first_name="مشرف آخر")
    stranger = fake.add_user("غريب")
    subscribers = [fake.add_private_chat() for _ in range(2000)]
    blocked = subscribers[::40]  # 50 chats blocked the bot meanwhile
    for chat in blocked:
        fake.block(chat.id)
    config = admin_config(tmp_path, fake, [admin.id, other_admin.id], rate=1000)
    async with running_service(config) as service:
        await register_chats(service, [admin, *subscribers])
        fake.inject_message(admin.id, **command("/broadcast تنبيه مهم: الخدمة تعود الليلة",
                                                ("bold", 11, 5)))
        preview, footer = await fake.wait_for_messages(admin.id, 2)
        assert preview.text == "<b>تنبيه</b> مهم: الخدمة تعود الليلة"  # formatting kept
        assert "معاينة البث #1" in (footer.plain_text or "")
        assert "وعددها الآن 2001." in (footer.plain_text or "")
        keys = buttons(footer)
        assert list(keys) == [CONFIRM, CANCEL]
        assert all(len(data.encode()) <= 64 for data in keys.values())
        assert service.storage is not None
        assert (await rows_of(service, 1))["pending"] == 0  # nothing before the confirm

        # another admin and a non-admin user press confirm: nothing happens
        fake.inject_callback(admin.id, footer.message_id, keys[CONFIRM], from_user=other_admin.user)
        fake.inject_callback(admin.id, footer.message_id, keys[CONFIRM], from_user=stranger)
        first, second = await fake.wait_for_callback_answers(2)
        answers = {first.text, second.text}
        assert answers == {"هذه المعاينة لمشرف آخر؛ القرار فيها له وحده.",
                           "عذرًا، هذا الزر لمشرفي البوت فقط."}
        assert sum((await rows_of(service, 1)).values()) == 0

        started = time.monotonic()
        fake.inject_callback(admin.id, footer.message_id, keys[CONFIRM])
        fake.inject_callback(admin.id, footer.message_id, keys[CONFIRM])  # pressed twice
        answers = [a.text for a in (await fake.wait_for_callback_answers(4))[2:]]
        assert sorted(answers) == sorted(["بدأ الإرسال إلى المحادثات النشطة (2001).",
                                          "تم تأكيد هذا البث من قبل، والإرسال جارٍ."])

        report = await wait_final(fake, admin.id, 1)
        elapsed = time.monotonic() - started
        assert figure(report, "أُرسلت") == 2001 - 50
        assert figure(report, "محظورة أو غير متاحة") == 50
        assert figure(report, "تعذّر إرسالها") == 0
        assert figure(report, "المجموع") == 2001
        assert "اكتمل البث #1" in report and "100٪" in report and "▓" * 10 in report

        progress = [e.plain_text or "" for e in fake.edits(admin.id)
                    if "جارٍ إرسال البث #1" in (e.plain_text or "")]
        assert progress, "no progress edit before the final report"
        assert all("⏳ المتبقي:" in p and "⏱ الوقت المتبقي المتوقَّع:" in p and "٪" in p
                   for p in progress)
        stops = [e for e in fake.edits(admin.id) if "جارٍ إرسال" in (e.plain_text or "")]
        assert all(b["text"] == STOP for e in stops for row in e.reply_markup["inline_keyboard"]
                   for b in row)
        assert len(progress) <= elapsed / 1.0 + 2  # about one edit a second, never more

        sent = [m.chat_id for m in fake.sent(method="sendMessage")
                if m.text == "<b>تنبيه</b> مهم: الخدمة تعود الليلة"]
        assert len(sent) == 2001 - 50 + 1  # every reachable chat once, + the preview
        assert len(set(sent)) == 2001 - 50 and not set(sent) & {c.id for c in blocked}
        record = await service.storage.broadcasts.get(1)
        assert record is not None and record.status == "done" and record.finished_at
        assert record.total == 2001
        for chat in blocked[:3]:
            stored = await service.storage.chats.get(chat.id)
            assert stored is not None and not stored.active

        # the progress message is final: later presses change nothing
        fake.inject_callback(admin.id, footer.message_id, keys[CONFIRM])
        fake.inject_callback(admin.id, footer.message_id, keys[CANCEL])
        late = [a.text for a in (await fake.wait_for_callback_answers(6))[4:]]
        assert late == ["اكتمل هذا البث من قبل.", "اكتمل هذا البث من قبل؛ لا شيء لإيقافه."]
        assert sum((await rows_of(service, 1)).values()) == 2001
    fake.assert_no_rate_limits()


async def test_cancel_mid_way_and_cancel_before_confirm(tmp_path: Path,
                                                        fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    subscribers = [fake.add_private_chat() for _ in range(400)]
    config = admin_config(tmp_path, fake, [admin.id], rate=50)
    async with running_service(config) as service:
        await register_chats(service, [admin, *subscribers])
        # cancel before confirming: the draft is discarded, nothing is sent
        fake.inject_message(admin.id, "/broadcast لن يُرسل هذا")
        _, footer = await fake.wait_for_messages(admin.id, 2)
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CANCEL])
        [answer] = await fake.wait_for_callback_answers(1)
        assert answer.text == "أُلغي البث."
        [edit] = await fake.wait_for_edits(admin.id, 1)
        assert edit.plain_text == "❌ أُلغي البث #1؛ لم يُرسل شيء."
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        answers = await fake.wait_for_callback_answers(2)
        assert answers[1].text == f"أُلغي هذا البث من قبل؛ أرسل {LRM}/broadcast من جديد."
        assert service.storage is not None
        assert sum((await rows_of(service, 1)).values()) == 0

        # cancel while sending: what has not gone out is never sent
        fake.inject_message(admin.id, "/broadcast رسالة ستتوقف")
        _, footer = (await fake.wait_for_messages(admin.id, 4))[2:]
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        await fake.wait_for_callback_answers(3)
        progress = await fake.wait_for(
            lambda f: next((e for e in f.edits(admin.id)
                            if "جارٍ إرسال البث #2" in (e.plain_text or "")), None),
            what="a progress edit of broadcast 2")
        await fake.wait_for(lambda f: sum(m.text == "رسالة ستتوقف"
                                          for m in f.sent(method="sendMessage")) > 10,
                            what="some sends")
        stop = next(b["callback_data"] for row in progress.reply_markup["inline_keyboard"]
                    for b in row if b["text"] == STOP)
        fake.inject_callback(admin.id, footer.message_id, stop)
        answers = await fake.wait_for_callback_answers(4)
        assert answers[3].text.startswith("أُوقف الإرسال؛ أُلغيت الرسائل التي لم تُرسل بعد (")
        report = await wait_final(fake, admin.id, 2)
        assert "أُوقف البث #2" in report
        sent, cancelled = figure(report, "أُرسلت"), figure(report, "لم تُرسل (أُلغيت)")
        assert sent > 0 and cancelled > 100 and sent + cancelled == 401
        await asyncio.sleep(0.5)
        delivered = [m for m in fake.sent(method="sendMessage") if m.text == "رسالة ستتوقف"]
        assert len(delivered) == sent + 1  # + the preview; nothing after the stop
        record = await service.storage.broadcasts.get(2)
        assert record is not None and record.status == "cancelled" and record.finished_at
    fake.assert_no_rate_limits()


async def test_progress_survives_a_restart(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    subscribers = [fake.add_private_chat() for _ in range(150)]
    config = load(admin_config(tmp_path, fake, [admin.id], rate=30))
    service = Service(config)
    await service.start()
    try:
        await register_chats(service, [admin, *subscribers])
        fake.inject_message(admin.id, "/broadcast بعد إعادة التشغيل")
        _, footer = await fake.wait_for_messages(admin.id, 2)
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        await fake.wait_for(lambda f: sum(m.text == "بعد إعادة التشغيل"
                                          for m in f.sent(method="sendMessage")) > 20,
                            what="some sends")
        # stop sending now (the service's own stop does it too, a little later: it first
        # stops receiving updates, which may take long enough to send everything)
        assert service.services.delivery is not None
        await service.services.delivery.stop()
    finally:
        await service.stop()
    assert final_edit(fake, admin.id, 1) is None
    edits_before = len(fake.edits(admin.id))
    async with running_service(config) as service:
        report = await wait_final(fake, admin.id, 1, timeout=30)
        assert len(fake.edits(admin.id)) > edits_before + 1  # progress went on, then final
    assert figure(report, "أُرسلت") == 151 and figure(report, "المجموع") == 151
    delivered = [m.chat_id for m in fake.sent(method="sendMessage")
                 if m.text == "بعد إعادة التشغيل"]
    assert len(delivered) == 152 and len(set(delivered)) == 151  # once each (+ the preview)
    fake.assert_no_rate_limits()


async def test_long_empty_and_copied_broadcasts(tmp_path: Path,
                                                fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    subscribers = [fake.add_private_chat() for _ in range(3)]
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        await register_chats(service, [admin, *subscribers])
        for text in ("/broadcast", "/broadcast    "):
            usage = (await ask(fake, admin.id, text)).plain_text or ""
            assert usage.startswith("البث إلى كل المحادثات") and "/broadcast رابط_الخبر" in usage

        too_long = (await ask(fake, admin.id, "/broadcast " + "كلمة " * 4000)).plain_text
        assert too_long is not None and too_long.startswith("⚠️ النص طويل جدًا (عدد حروفه 19999)")
        assert "والحد 4 رسائل" in too_long

        # 10,000 characters: split into 3 messages (at spaces, never mid-word), shown so
        words = " ".join(f"سطر{i}" for i in range(2000))[:10000].rsplit(" ", 1)[0]
        before = len(fake.sent(admin.id))
        fake.inject_message(admin.id, "/broadcast " + words)
        shown = (await fake.wait_for_messages(admin.id, before + 4))[before:]
        assert [len(m.plain_text or "") <= 4096 for m in shown] == [True] * 4
        assert " ".join(m.plain_text or "" for m in shown[:3]) == words
        footer = shown[3]
        assert "فسيُقسم إلى 3 رسائل لكل محادثة" in (footer.plain_text or "")
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        await wait_final(fake, admin.id, 1)
        for chat in subscribers:
            got = [m.plain_text for m in fake.sent(chat.id)]
            assert " ".join(got) == words and len(got) == 3

        # a reply copies the message (here a text with formatting) to every chat
        original = fake.inject_message(admin.id, "صورة الخبر اليوم",
                                       entities=[{"type": "italic", "offset": 0, "length": 4}])
        before = len(fake.sent(admin.id))
        fake.inject_message(admin.id, "/broadcast", reply_to=original["message_id"])
        copy, footer = (await fake.wait_for_messages(admin.id, before + 2))[before:]
        assert copy.method == "copyMessage" and copy.plain_text == "صورة الخبر اليوم"
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        report = await wait_final(fake, admin.id, 2)
        assert figure(report, "أُرسلت") == 4
        for chat in subscribers:
            [copied] = fake.sent(chat.id, method="copyMessage")
            assert copied.plain_text == "صورة الخبر اليوم" and copied.entities

        # a message that cannot be copied (a service message: here, the fake's rule)
        fake.chat(admin.id).messages[original["message_id"]].pop("text")
        said = await ask(fake, admin.id, "/broadcast", reply_to=original["message_id"])
        assert said.plain_text == ("⚠️ لا يمكن نسخ هذه الرسالة، فأُلغي البث: هذا النوع من"
                                   " الرسائل لا يمكن نسخه.")
        assert service.storage is not None
        record = await service.storage.broadcasts.get(3)
        assert record is not None and record.status == "cancelled"
    fake.assert_no_rate_limits()


async def test_broadcast_an_article_url(tmp_path: Path, fake_telegram: FakeTelegram,
                                        feed_server: FeedServer) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    subscribers = [fake.add_private_chat() for _ in range(2)]
    site = NewsSite(feed_server)
    rows = load_articles()
    page = next(u for u in site.serve_articles(rows) if "el-erian" in u)
    feed_url = site.serve_feed("/cnn.xml", REAL_FEEDS["cnn-arabic"][0].read_bytes())
    feed_server.add_html("/menu", "<!DOCTYPE html><html><body><nav><a href='/'>الرئيسية</a>"
                         "</nav></body></html>")
    async with running_service(admin_config(tmp_path, fake, [admin.id], feeds=[])) as service:
        await register_chats(service, [admin, *subscribers])
        fake.inject_message(admin.id, f"/broadcast {page}")
        fetching, preview, footer = await fake.wait_for_messages(admin.id, 3, timeout=60)
        assert fetching.plain_text == "⏳ جارٍ جلب الخبر وتلخيصه…"
        body = preview.plain_caption or preview.plain_text or ""
        assert body.startswith("العريان: \"بيتكوين\" لن تصبح عملة عالمية")
        assert "هـ —" in body and "أعلن معنا" not in body
        assert "\nشبكة الأخبار (CNN) · " in body  # the page's og:site_name, not its host
        hosts = [b["url"].split("/")[2] for b in preview.buttons]
        assert hosts == ["wa.me", "t.me", "twitter.com", "www.facebook.com"]
        assert service.storage is not None
        assert (await service.storage.stats())["outbox_pending"] == 0  # stored, not matched
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        await wait_final(fake, admin.id, 1)
        for chat in subscribers:
            [news] = fake.sent(chat.id)
            assert (news.text, news.caption, news.buttons) == (
                preview.text, preview.caption, preview.buttons)  # exactly the preview

        refusals = {
            feed_server.url("/menu"): "⚠️ لم أجد في هذه الصفحة نص خبر يمكن تلخيصه",
            "https://unreachable.example/news/1": "⚠️ لم يُعثر على الموقع",
            feed_server.url("/missing"): "⚠️ الصفحة غير موجودة على الموقع (الرمز 404).",
            feed_url: "⚠️ هذا رابط خلاصة أخبار (RSS/Atom) وليس رابط خبر.",
        }
        for url, expected in refusals.items():
            before = len(fake.sent(admin.id))
            fake.inject_message(admin.id, f"/broadcast {url}")
            _, said = (await fake.wait_for_messages(admin.id, before + 2, timeout=30))[before:]
            assert (said.plain_text or "").startswith(expected), url
        assert await service.storage.broadcasts.get(2) is None  # no draft for any of them
    fake.assert_no_rate_limits()


async def test_broadcast_of_a_private_address_with_the_guard_on(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    feed_server.add_html("/article", "<html><body><p>نص</p></body></html>")
    config = admin_config(tmp_path, fake, [admin.id], feeds=[],
                          polling={"allow_private_addresses": False})
    async with running_service(config):
        fake.inject_message(admin.id, f"/broadcast {feed_server.url('/article')}")
        _, said = await fake.wait_for_messages(admin.id, 2, timeout=15)
        assert "شبكة داخلية أو خاصة" in (said.plain_text or "")
    assert not feed_server.requests("/article")


async def test_no_active_chats_and_a_group_admin(tmp_path: Path,
                                                 fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin_user = fake.add_user("مشرف")
    group = fake.add_supergroup("مجموعة الإدارة")
    async with running_service(admin_config(tmp_path, fake, [admin_user.id])):
        # in a group the preview and progress go to that group; no chat is registered
        fake.inject_message(group.id, "/broadcast@newsbot_test_bot مرحبًا", from_user=admin_user)
        _, footer = await fake.wait_for_messages(group.id, 2)
        assert "وعددها الآن 0." in (footer.plain_text or "")
        fake.inject_callback(group.id, footer.message_id, buttons(footer)[CONFIRM],
                             from_user=admin_user)
        [answer] = await fake.wait_for_callback_answers(1)
        assert answer.text == "لا توجد محادثات نشطة؛ لم يُرسل شيء."
        [edit] = await fake.wait_for_edits(group.id, 1)
        assert "لا توجد محادثات نشطة" in (edit.plain_text or "")
    fake.assert_no_rate_limits()


async def test_forged_and_stale_buttons(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        fake.inject_message(admin.id, "/broadcast نص")
        _, footer = await fake.wait_for_messages(admin.id, 2)
        data = buttons(footer)[CONFIRM]
        forged = data[:-3] + ("AAA" if not data.endswith("AAA") else "BBB")
        other = service.services.callbacks.encode("bc", "c", 999)
        fake.inject_callback(admin.id, footer.message_id, forged)
        fake.inject_callback(admin.id, footer.message_id, other)
        answers = await fake.wait_for_callback_answers(2)
        assert [a.text for a in answers] == ["هذا الزر قديم أو غير صالح."] * 2
        assert service.storage is not None
        record = await service.storage.broadcasts.get(1)
        assert record is not None and record.status == "draft"
