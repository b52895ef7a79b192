"""Chat commands end to end: the real service against the fake Bot API.

Every command, with the bad input the issue lists: missing and extra arguments, 4,000
characters, subscribing twice, unsubscribing from what one never had, forged and stale
buttons, a group member who is not an admin, commands before /start, unknown commands.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.render.bidi import LRM, RLM
from tests.fakes.telegram import FakeTelegram
from tests.news import ask, eventually, fast_config, store
from tests.service import running_service


async def test_help_lists_every_command_with_examples(tmp_path: Path,
                                                      fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)):
        text = (await ask(fake_telegram, chat.id, "/help")).plain_text or ""
        for command in ("start", "help", "sources", "subscribe", "unsubscribe", "mysubs",
                        "latest", "digest", "quiet", "timezone", "stop", "forget"):
            assert f"/{command} — " in text, command
        assert "/subscribe الأمم المتحدة" in text and "@newsbot_test_bot" in text
        menu = [c["command"] for c in fake_telegram.commands]
        assert menu[:3] == ["start", "help", "sources"] and "forget" in menu
    fake_telegram.assert_no_rate_limits()


async def test_commands_before_start_and_unknown_commands(tmp_path: Path,
                                                          fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    group = fake_telegram.add_supergroup()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        for command in ("/mysubs", "/sources", "/latest", "/subscribe سوريا", "/stop"):
            reply = await ask(fake_telegram, chat.id, command)
            assert f"أرسل {LRM}/start أولًا" in (reply.plain_text or ""), command
        assert await service.storage.chats.get(chat.id) is None  # nothing was created
        reply = await ask(fake_telegram, chat.id, "/frobnicate now <b>")
        assert reply.plain_text == f"لا أعرف الأمر {LRM}/frobnicate. أرسل {LRM}/help لعرض الأوامر."
        fake_telegram.inject_message(group.id, "/frobnicate")  # maybe another bot's
        fake_telegram.inject_message(group.id, "/start@other_bot")
        await fake_telegram.wait_for_updates_consumed()
        reply = await ask(fake_telegram, group.id, "/frobnicate@newsbot_test_bot")
        assert "لا أعرف الأمر" in (reply.plain_text or "")
        assert len(fake_telegram.sent(group.id)) == 1


async def test_subscribe_unsubscribe_and_keyword_delivery(tmp_path: Path,
                                                          fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        assert "تم الاشتراك في المصادر الافتراضية (1)" in (
            await ask(fake_telegram, chat.id, "/start")).plain_text
        usage = (await ask(fake_telegram, chat.id, "/subscribe")).plain_text or ""
        assert "/subscribe الأمم المتحدة" in usage and "/sources" in usage
        said = (await ask(fake_telegram, chat.id, "/subscribe الأمم المتحدة")).plain_text
        assert said == "✅ تم الاشتراك في الكلمة «الأمم المتحدة». ستصل الأخبار التي تذكرها."
        again = (await ask(fake_telegram, chat.id, "/subscribe الامم المتحده")).plain_text
        assert again == f"{RLM}ℹ️ الاشتراك في الكلمة «الامم المتحده» موجود من قبل."
        several = (await ask(fake_telegram, chat.id, "/subscribe عام، المصدر أ، #اقتصاد, !!!"))
        assert (several.plain_text or "").splitlines() == [
            "✅ تم الاشتراك في التصنيف «عام».",
            f"{RLM}ℹ️ الاشتراك في المصدر «المصدر أ» موجود من قبل.",
            "✅ تم الاشتراك في الكلمة «اقتصاد». ستصل الأخبار التي تذكرها.",
            "⚠️ «!!!» لا يحوي حروفًا أو أرقامًا يمكن متابعتها.",
        ]
        huge = (await ask(fake_telegram, chat.id, "/subscribe " + "ب" * 4000)).plain_text
        assert huge is not None and "طويل جدًا (عدد حروفه 4000)" in huge and "64 حرفًا" in huge
        long_one = (await ask(fake_telegram, chat.id, "/subscribe " + "ت" * 65)).plain_text
        assert long_one is not None and "طويل جدًا (عدد حروفه 65)" in long_one
        short = (await ask(fake_telegram, chat.id, "/subscribe ب")).plain_text
        assert short == "⚠️ الكلمة «ب» قصيرة جدًا؛ اكتب حرفين على الأقل."
        html = await ask(fake_telegram, chat.id, "/subscribe <b>x</b>&amp;")
        assert "<b>x</b>" in (html.plain_text or "")  # shown literally, escaped in HTML

        mysubs = (await ask(fake_telegram, chat.id, "/mysubs extra words")).plain_text or ""
        assert "المصادر: «المصدر أ»" in mysubs
        assert "التصنيفات: «عام»" in mysubs and "«الأمم المتحدة»" in mysubs
        assert "الموجز: متوقف" in mysubs and "Asia/Riyadh" in mysubs

        # Normalized, whole-word matching: the stored keyword matches other spellings
        # (source B is neither subscribed as a source nor by its category).
        before = len(fake_telegram.sent(chat.id))
        await store(service, "كلمة الأمين العام للأمم المتّحدة اليوم", feed=1)
        await store(service, "المتحدةالأمم لا تطابق", feed=1, wake=False)
        news = (await fake_telegram.wait_for_messages(chat.id, before + 1))[before]
        assert "للأمم المتّحدة" in (news.plain_text or news.plain_caption or "")

        gone = (await ask(fake_telegram, chat.id, "/unsubscribe الامم المتحده")).plain_text
        assert gone == "☑️ أُلغي الاشتراك في الكلمة «الأمم المتحدة»."
        never = (await ask(fake_telegram, chat.id, "/unsubscribe الأمم المتحدة")).plain_text
        assert never == (f"{RLM}ℹ️ لا يوجد اشتراك في «الأمم المتحدة» لإلغائه. لعرض الاشتراكات:"
                         f" {LRM}/mysubs")
        usage = (await ask(fake_telegram, chat.id, "/unsubscribe")).plain_text or ""
        assert "/unsubscribe الأمم المتحدة" in usage
        await asyncio.sleep(0.3)
        assert len(fake_telegram.sent(chat.id)) == before + 1 + 3  # the non-match never came
    fake_telegram.assert_no_rate_limits()


async def test_sources_buttons_toggle_and_refuse_forged_or_stale(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        await ask(fake_telegram, chat.id, "/start")
        listing = await ask(fake_telegram, chat.id, "/sources")
        assert [b["text"] for b in listing.buttons] == ["✅ المصدر أ", "➕ المصدر ب"]
        assert all(len(b["callback_data"].encode()) <= 64 for b in listing.buttons)

        plus = listing.buttons[1]["callback_data"]
        fake_telegram.inject_callback(chat.id, listing.message_id, plus)
        [answer] = await fake_telegram.wait_for_callback_answers(1)
        assert answer.text == "تم الاشتراك في «المصدر ب»."
        [edit] = await fake_telegram.wait_for_edits(chat.id, 1)
        keyboard = [b["text"] for row in edit.reply_markup["inline_keyboard"] for b in row]
        assert keyboard == ["✅ المصدر أ", "✅ المصدر ب"]
        subs = await service.storage.subscriptions.feed_ids(chat.id)
        assert len(subs) == 2

        # the page shown again (a double tap on a page button): nothing to edit, and no
        # edit Telegram would refuse with 400 "message is not modified"
        assert service.services is not None
        same_page = service.services.callbacks.encode("src", "p", 0)
        fake_telegram.inject_callback(chat.id, listing.message_id, same_page)
        await fake_telegram.wait_for_callback_answers(2)

        forged = plus[:-2] + ("AA" if not plus.endswith("AA") else "BB")
        for data in (forged, "src:t:1:0", "x" * 64, "garbage"):
            fake_telegram.inject_callback(chat.id, listing.message_id, data)
        answers = await fake_telegram.wait_for_callback_answers(6)
        assert [a.text for a in answers[2:]] == [
            f"هذا الزر قديم أو غير صالح. أرسل {LRM}/sources لعرض القائمة من جديد.",
            f"هذا الزر قديم أو غير صالح. أرسل {LRM}/sources لعرض القائمة من جديد.",
            "هذا الزر قديم أو غير صالح.", "هذا الزر قديم أو غير صالح."]
        # (a chat's updates are handled in order: the page button's handler is done)
        edits = fake_telegram.calls_to("editMessageText")
        assert [c.status for c in edits] == [200], [c.description for c in edits]

        await service.storage.feeds.remove((await service.storage.feeds.list())[1].id)
        fake_telegram.inject_callback(chat.id, listing.message_id, plus)  # source removed
        answers = await fake_telegram.wait_for_callback_answers(7)
        assert answers[-1].text == "هذا المصدر لم يعد متاحًا."
    fake_telegram.assert_no_rate_limits()


async def test_groups_only_admins_change_settings_and_channels_work(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    admin = fake_telegram.add_user("مشرف")
    member = fake_telegram.add_user("عضو")
    group = fake_telegram.add_supergroup("مجموعة", admins=[admin.id])
    channel = fake_telegram.add_channel("قناة")
    bot = "@newsbot_test_bot"
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        refused = await ask(fake_telegram, group.id, f"/start{bot}", from_user=member)
        assert "لمشرفيها فقط" in (refused.plain_text or "")
        assert await service.storage.chats.get(group.id) is None
        await ask(fake_telegram, group.id, f"/start{bot}", from_user=admin)
        refused = await ask(fake_telegram, group.id, f"/subscribe{bot} سوريا", from_user=member)
        assert "لمشرفيها فقط" in (refused.plain_text or "")
        ok = await ask(fake_telegram, group.id, f"/subscribe{bot} سوريا", from_user=admin)
        assert "تم الاشتراك" in (ok.plain_text or "")
        mine = await ask(fake_telegram, group.id, f"/mysubs{bot}", from_user=member)
        assert "«سوريا»" in (mine.plain_text or "")  # reading is for everyone
        listing = await ask(fake_telegram, group.id, f"/sources{bot}", from_user=member)
        fake_telegram.inject_callback(group.id, listing.message_id,
                                      listing.buttons[1]["callback_data"], from_user=member)
        [answer] = await fake_telegram.wait_for_callback_answers(1)
        assert answer.text == "هذا الخيار لمشرفي المحادثة فقط." and answer.show_alert

        welcome = await ask(fake_telegram, channel.id, "/start")  # a channel post
        assert "أهلًا بك" in (welcome.plain_text or "")
        record = await service.storage.chats.get(channel.id)
        assert record is not None and record.type == "channel"
        ok = await ask(fake_telegram, channel.id, "/digest daily ٠٨:٣٠")
        assert "موجز يومي الساعة 08:30" in (ok.plain_text or "")


async def test_latest_lists_and_covers_what_the_outbox_holds(tmp_path: Path,
                                                             fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        await ask(fake_telegram, chat.id, "/start")
        assert "لا توجد أخبار" in (await ask(fake_telegram, chat.id, "/latest")).plain_text
        await ask(fake_telegram, chat.id, "/digest hourly")  # rows wait for a digest
        for i in range(3):
            await store(service, f"خبر رقم {i}")
        for bad in ("/latest 50", "/latest abc", "/latest 0", "/latest 5 6"):
            usage = (await ask(fake_telegram, chat.id, bad)).plain_text or ""
            assert "من 1 إلى 20" in usage, bad
        listing = await ask(fake_telegram, chat.id, "/latest ٢")
        text = listing.plain_text or ""
        assert "خبر رقم 2" in text and "خبر رقم 1" in text and "خبر رقم 0" not in text
        assert text.index("خبر رقم 2") < text.index("خبر رقم 1")
        assert sum(e["type"] == "text_link" for e in listing.entities) == 2

        async def one_waits() -> bool:  # the two listed are covered, one still waits
            return (await service.storage.stats())["outbox_pending"] == 1

        await eventually(one_waits)
        before = len(fake_telegram.sent(chat.id))
        fake_telegram.inject_message(chat.id, "/digest off")  # what waits goes as a digest
        digest, said = (await fake_telegram.wait_for_messages(chat.id, before + 2))[before:]
        assert "خبر رقم 0" in (digest.plain_text or "") and "خبر رقم 1" not in digest.plain_text
        assert said.plain_text == "⚡️ أُوقف الموجز؛ ستصل الأخبار فور نشرها."
        assert (await service.storage.stats())["outbox_pending"] == 0


async def test_settings_digest_quiet_timezone(tmp_path: Path,
                                              fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        await ask(fake_telegram, chat.id, "/start")
        for bad in ("/digest", "/digest weekly", "/digest daily", "/digest daily 25:00",
                    "/digest hourly 08:00"):
            assert "/digest daily 08:00" in (await ask(fake_telegram, chat.id, bad)).plain_text
        said = await ask(fake_telegram, chat.id, "/digest daily 7:05")
        assert said.plain_text == "🗞 ستصل الأخبار في موجز يومي الساعة 07:05 (بتوقيت Asia/Riyadh)."
        for bad in ("/quiet", "/quiet 23:00", "/quiet 07:00-07:00", "/quiet " + "9" * 4000):
            assert "/quiet 23:00-07:00" in (await ask(fake_telegram, chat.id, bad)).plain_text
        said = await ask(fake_telegram, chat.id, "/quiet ٢٣:٠٠-٠٧:٠٠")
        assert said.plain_text == (
            "🔕 ستصل الأخبار بلا تنبيه من 23:00 إلى 07:00 (بتوقيت Asia/Riyadh).")
        for bad in ("/timezone Mars/Base", "/timezone ../../etc/passwd"):
            assert "منطقة زمنية غير معروفة" in (await ask(fake_telegram, chat.id, bad)).plain_text
        said = await ask(fake_telegram, chat.id, "/timezone Africa/Cairo")
        assert (said.plain_text or "").startswith("🕰 المنطقة الزمنية الآن: Africa/Cairo")
        record = await service.storage.chats.get(chat.id)
        assert record is not None
        assert (record.digest, record.digest_time, record.quiet_start, record.quiet_end,
                record.timezone) == ("daily", "07:05", "23:00", "07:00", "Africa/Cairo")
        mysubs = (await ask(fake_telegram, chat.id, "/mysubs")).plain_text or ""
        assert "الموجز: يومي الساعة 07:05" in mysubs and "من 23:00 إلى 07:00" in mysubs
        await ask(fake_telegram, chat.id, "/quiet off")
        await ask(fake_telegram, chat.id, "/digest off")
        record = await service.storage.chats.get(chat.id)
        assert record is not None and record.quiet_start is None and record.digest == "off"


async def test_stop_start_and_forget(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        await ask(fake_telegram, chat.id, "/start")
        await ask(fake_telegram, chat.id, "/subscribe سوريا")
        stopped = (await ask(fake_telegram, chat.id, "/stop")).plain_text or ""
        assert "أُلغيت الاشتراكات كلها (2)" in stopped
        await store(service, "خبر بعد الإيقاف")
        restarted = (await ask(fake_telegram, chat.id, "/start")).plain_text or ""
        assert "أُعيد الاشتراك في المصادر الافتراضية (1)" in restarted
        assert await _wait_for_no_message(fake_telegram, chat.id, "خبر بعد الإيقاف")

        ask_forget = await ask(fake_telegram, chat.id, "/forget")
        assert "هل تريد المتابعة؟" in (ask_forget.plain_text or "")
        yes, no = (b["callback_data"] for b in ask_forget.buttons)
        fake_telegram.inject_callback(chat.id, ask_forget.message_id, no)
        await fake_telegram.wait_for_edits(chat.id, 1)
        assert await service.storage.chats.get(chat.id) is not None
        fake_telegram.inject_callback(chat.id, ask_forget.message_id, yes)
        edits = await fake_telegram.wait_for_edits(chat.id, 2)
        assert edits[-1].plain_text == (
            f"🗑 حُذفت بيانات هذه المحادثة. إن أردت العودة فأرسل {LRM}/start.")
        assert await service.storage.chats.get(chat.id) is None
        assert await service.storage.subscriptions.list(chat.id) == []
        fake_telegram.inject_callback(chat.id, ask_forget.message_id, yes)  # pressed again
        answers = await fake_telegram.wait_for_callback_answers(3)
        assert len(answers) == 3
        again = await ask(fake_telegram, chat.id, "/forget")
        assert f"أرسل {LRM}/start أولًا" in (again.plain_text or "")


async def _wait_for_no_message(fake: FakeTelegram, chat_id: int, text: str) -> bool:
    await asyncio.sleep(0.3)
    return all(text not in (m.plain_text or m.plain_caption or "") for m in fake.sent(chat_id))

