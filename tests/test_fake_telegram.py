"""The fake Telegram Bot API driven by the real PTB `Bot`: shapes, checks, states, faults."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    MessageId,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
    TimedOut,
)

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_ptb import make_bot

NEWS_HTML = (
    "<b>عنوان الخبر</b>\n\nملخص قصير للخبر.\n\nالمصدر · ١ رجب ١٤٤٦ هـ — 1 يناير 2025\n"
    '<a href="https://example.com/news/1?a=1&amp;b=2">اقرأ الخبر كاملاً</a>'
)
SHARE = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("واتساب", url="https://wa.me/?text=%D8%AE%D8%A8%D8%B1"),
            InlineKeyboardButton("المزيد", callback_data="more:1"),
        ]
    ]
)


async def test_get_me_describes_the_bot(fake_telegram: FakeTelegram) -> None:
    async with make_bot(fake_telegram) as bot:
        me = await bot.get_me()
    assert bot.username == "newsbot_test_bot"
    assert me.id == fake_telegram.bot.id and me.is_bot
    assert me.can_join_groups and me.supports_inline_queries
    assert [c.method for c in fake_telegram.calls][:1] == ["getMe"]


async def test_send_message_returns_a_complete_message(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    chat = fake_telegram.add_private_chat(first_name="سارة", username="sara")
    message = await telegram_bot.send_message(
        chat.id,
        NEWS_HTML,
        parse_mode=ParseMode.HTML,
        reply_markup=SHARE,
        disable_notification=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    assert isinstance(message, Message)
    assert message.message_id == 1
    assert message.chat.id == chat.id and message.chat.type == "private"
    assert message.chat.first_name == "سارة"
    assert message.from_user is not None and message.from_user.id == fake_telegram.bot.id
    assert message.text is not None and message.text.startswith("عنوان الخبر\n\nملخص")
    assert "<b>" not in message.text
    bold, link = message.entities
    assert (bold.type, bold.offset, bold.length) == (MessageEntity.BOLD, 0, len("عنوان الخبر"))
    assert link.type == MessageEntity.TEXT_LINK
    assert link.url == "https://example.com/news/1?a=1&b=2"
    assert message.text_html == NEWS_HTML.replace("&amp;", "&")  # PTB leaves hrefs raw
    assert message.reply_markup == SHARE

    [record] = fake_telegram.sent(chat.id)
    assert record.method == "sendMessage" and record.message_id == 1
    assert record.text == NEWS_HTML and record.parse_mode == "HTML"
    assert record.plain_text == message.text
    assert record.disable_notification is True
    assert record.link_preview_options == {"is_disabled": True}
    assert record.reply_markup == SHARE.to_dict()
    assert [b["text"] for b in record.buttons] == ["واتساب", "المزيد"]


async def test_message_ids_count_per_chat_and_replies_embed_the_original(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    first = fake_telegram.add_private_chat()
    second = fake_telegram.add_private_chat()
    incoming = fake_telegram.inject_message(first.id, "مرحبا")
    a = await telegram_bot.send_message(first.id, "1", reply_to_message_id=incoming["message_id"])
    b = await telegram_bot.send_message(second.id, "2")
    c = await telegram_bot.send_message(first.id, "3")
    assert (a.message_id, b.message_id, c.message_id) == (2, 1, 3)
    assert a.reply_to_message is not None and a.reply_to_message.text == "مرحبا"
    assert fake_telegram.sent(first.id)[0].reply_to_message_id == 1
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await telegram_bot.send_message(first.id, "x", reply_to_message_id=99)


async def test_send_photo_by_url_and_by_file_id(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    chat = fake_telegram.add_channel(username="news_channel")
    url = "https://example.com/image.jpg"
    message = await telegram_bot.send_photo(
        "@news_channel", url, caption="<b>عنوان</b> وصف", parse_mode=ParseMode.HTML
    )
    assert message.photo and message.photo[-1].width == 800
    assert message.caption == "عنوان وصف"
    assert message.caption_entities[0].type == MessageEntity.BOLD
    assert message.sender_chat is not None and message.sender_chat.id == chat.id
    again = await telegram_bot.send_photo(chat.id, message.photo[-1].file_id)
    assert again.caption is None
    records = fake_telegram.sent(chat.id, method="sendPhoto")
    assert [r.photo for r in records] == [url, message.photo[-1].file_id]
    assert records[0].caption == "<b>عنوان</b> وصف" and records[0].plain_caption == "عنوان وصف"


async def test_uploaded_photos_arrive_as_multipart(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    chat = fake_telegram.add_private_chat()
    png = b"\x89PNG\r\n\x1a\n" + bytes(1000)
    message = await telegram_bot.send_photo(
        chat.id, png, filename="news.png", caption="<b>صورة</b>", parse_mode="HTML"
    )
    assert message.caption == "صورة" and message.photo
    [record] = fake_telegram.sent(chat.id)
    assert record.photo == "upload:news.png"
    assert record.params["photo"] == {"_upload": "news.png", "size": len(png)}


async def test_broken_photos_and_unknown_file_ids(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    chat = fake_telegram.add_private_chat()
    fake_telegram.break_photo("https://example.com/404.jpg")
    fake_telegram.break_photo("https://example.com/slow.jpg", reason="fetch")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/http url specified"):
        await telegram_bot.send_photo(chat.id, "https://example.com/404.jpg")
    with pytest.raises(BadRequest, match=r"(?i)failed to get http url content"):
        await telegram_bot.send_photo(chat.id, "https://example.com/slow.jpg")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await telegram_bot.send_photo(chat.id, "not-a-file-id")
    assert fake_telegram.sent() == []


async def test_html_errors_raise_bad_request_with_telegrams_text(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    chat = fake_telegram.add_private_chat()
    cases = {
        "<div>خبر</div>": 'unsupported start tag "div" at byte offset 0',
        "<b>خبر": 'can\'t find end tag corresponding to start tag "b"',
        "خبر&nbsp;عاجل": 'unsupported html entity "&nbsp;" at byte offset 6',
        "سعر < 5": 'unsupported start tag "" at byte offset 7',
    }
    for html, detail in cases.items():
        with pytest.raises(BadRequest) as caught:
            await telegram_bot.send_message(chat.id, html, parse_mode=ParseMode.HTML)
        # PTB strips "Bad Request: " and capitalizes the rest.
        assert caught.value.message == f"Can't parse entities: {detail}"
    # Without parse_mode the same characters are plain text.
    plain = await telegram_bot.send_message(chat.id, "سعر < 5 &nbsp;")
    assert plain.text == "سعر < 5 &nbsp;"


async def test_text_and_caption_limits(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    chat = fake_telegram.add_private_chat()
    fake_telegram.disable_rate_limits()
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await telegram_bot.send_message(chat.id, "<b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await telegram_bot.send_message(chat.id, "خ" * 4097)
    ok = await telegram_bot.send_message(
        chat.id, "<b>" + "خ" * 4096 + "</b>", parse_mode=ParseMode.HTML
    )
    assert ok.text is not None and len(ok.text) == 4096
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await telegram_bot.send_photo(chat.id, "https://example.com/a.jpg", caption="ك" * 1025)


async def test_inline_keyboard_checks(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    chat = fake_telegram.add_private_chat()
    fake_telegram.disable_rate_limits()

    def keyboard(**kwargs: Any) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("زر", **kwargs)]])

    await telegram_bot.send_message(chat.id, "x", reply_markup=keyboard(callback_data="ب" * 32))
    with pytest.raises(BadRequest, match=r"(?i)^button_data_invalid$"):
        await telegram_bot.send_message(chat.id, "x", reply_markup=keyboard(callback_data="ب" * 33))
    with pytest.raises(BadRequest, match=r"(?i)^button_url_invalid$"):
        await telegram_bot.send_message(chat.id, "x", reply_markup=keyboard(url="wa.me/?text=x"))
    with pytest.raises(BadRequest, match=r"(?i)^button_url_invalid$"):
        await telegram_bot.send_message(
            chat.id, "x", reply_markup=keyboard(url="https://wa.me/?text=خبر عاجل")
        )


async def test_chat_states_map_to_ptb_exceptions(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    fake = fake_telegram
    blocked = fake.add_private_chat()
    fake.block(blocked.id)
    deactivated = fake.add_private_chat()
    fake.set_chat_state(deactivated.id, deactivated=True)
    group = fake.add_group()
    fake.set_chat_state(group.id, kicked=True)
    supergroup = fake.add_supergroup()
    fake.set_chat_state(supergroup.id, kicked=True)
    stranger = fake.add_user("غريب")
    expectations: list[tuple[int, type[TelegramError], str]] = [
        (blocked.id, Forbidden, "Forbidden: bot was blocked by the user"),
        (deactivated.id, Forbidden, "Forbidden: user is deactivated"),
        (group.id, Forbidden, "Forbidden: bot was kicked from the group chat"),
        (supergroup.id, Forbidden, "Forbidden: bot was kicked from the supergroup chat"),
        (stranger.id, Forbidden, "Forbidden: bot can't initiate conversation with a user"),
        (-100999, BadRequest, "Chat not found"),
    ]
    for chat_id, kind, text in expectations:
        with pytest.raises(kind) as caught:
            await telegram_bot.send_message(chat_id, "خبر")
        assert caught.value.message == text
    fake.set_chat_state(blocked.id, blocked=False)
    await telegram_bot.send_message(blocked.id, "عاد")
    # A my_chat_member update moves the state too, and set_chat_state undoes it.
    fake.inject_my_chat_member(blocked.id, "kicked")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await telegram_bot.send_message(blocked.id, "x")
    fake.inject_my_chat_member(blocked.id, "member")
    await telegram_bot.send_message(blocked.id, "رجع")
    fake.inject_my_chat_member(group.id, "kicked")
    fake.set_chat_state(group.id, kicked=False)
    await telegram_bot.send_message(group.id, "عدنا")
    fake.inject_my_chat_member(group.id, "left")
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await telegram_bot.send_message(group.id, "x")


async def test_migrated_group_raises_chat_migrated(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    group = fake_telegram.add_group("مجموعة")
    supergroup = fake_telegram.migrate_group(group.id)
    with pytest.raises(ChatMigrated) as caught:
        await telegram_bot.send_message(group.id, "خبر")
    assert caught.value.new_chat_id == supergroup.id
    assert supergroup.type == "supergroup" and str(supergroup.id).startswith("-100")
    message = await telegram_bot.send_message(supergroup.id, "خبر")
    assert message.chat.type == "supergroup"


async def test_tokens_and_unknown_methods(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("42:WRONG", base_url=fake_telegram.base_url) as bot:
            await bot.get_me()
    with pytest.raises(InvalidToken):  # a trailing slash in base_url, as NOTES warn
        async with Bot(fake_telegram.token, base_url=fake_telegram.base_url + "/") as bot:
            await bot.get_me()
    async with make_bot(fake_telegram) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendDice", api_kwargs={"chat_id": 1})


async def test_raw_http_shapes_json_bodies_and_case_insensitive_methods(
    fake_telegram: FakeTelegram,
) -> None:
    chat = fake_telegram.add_private_chat()
    root = f"{fake_telegram.base_url}{fake_telegram.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{root}/SENDMESSAGE",
            json={
                "chat_id": chat.id,
                "text": "<i>x</i>",
                "parse_mode": "html",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]},
            },
        ) as response:
            body = await response.json()
        assert response.status == 200 and body["ok"] is True
        assert body["result"]["entities"] == [{"type": "italic", "offset": 0, "length": 1}]
        assert isinstance(body["result"]["date"], int)
        async with http.get(f"{root}/getMe") as response:
            assert (await response.json())["result"]["username"] == "newsbot_test_bot"
        async with http.post(f"{root}/sendMessage", data={"chat_id": "1", "text": "x"}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        async with http.post(f"{fake_telegram.base_url}0:bad/getMe") as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"
        async with http.post(f"{root}/noSuchMethod") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"


async def test_faults_500_502_then_recovery(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    chat = fake_telegram.add_private_chat()
    fake_telegram.disable_rate_limits()
    fake_telegram.fail_next("sendMessage", times=2, status=500)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await telegram_bot.send_message(chat.id, "x")
    await telegram_bot.send_message(chat.id, "ok")
    fake_telegram.fail_next("*", status=502)
    with pytest.raises(NetworkError, match=r"Bad Gateway \(502\)"):
        await telegram_bot.get_chat(chat.id)
    fake_telegram.fail_for(0.3, "sendMessage")
    with pytest.raises(NetworkError):
        await telegram_bot.send_message(chat.id, "x")
    await asyncio.sleep(0.35)
    await telegram_bot.send_message(chat.id, "ok again")
    assert [m.text for m in fake_telegram.sent(chat.id)] == ["ok", "ok again"]
    statuses = [c.status for c in fake_telegram.calls_to("sendMessage")]
    assert statuses == [500, 500, 200, 500, 200]


async def test_hang_triggers_client_timeout_then_recovers(fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with make_bot(fake_telegram, read_timeout=0.3) as bot:
        fake_telegram.hang_next("sendMessage")
        with pytest.raises(TimedOut):
            await bot.send_message(chat.id, "x")
        fake_telegram.delay_next("sendMessage", 0.1)
        message = await bot.send_message(chat.id, "late but fine")
    assert message.text == "late but fine"
    assert [m.text for m in fake_telegram.sent(chat.id)] == ["late but fine"]


async def test_edits_deletes_and_copies(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    fake = fake_telegram
    fake.disable_rate_limits()
    chat = fake.add_private_chat()
    sent = await telegram_bot.send_message(
        chat.id, "<b>قديم</b>", parse_mode="HTML", reply_markup=SHARE
    )
    edited = await telegram_bot.edit_message_text(
        "<b>جديد</b>",
        chat_id=chat.id,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=SHARE,
    )
    assert isinstance(edited, Message) and edited.text == "جديد" and edited.edit_date
    with pytest.raises(BadRequest, match="Message is not modified"):
        await telegram_bot.edit_message_text(
            "<b>جديد</b>",
            chat_id=chat.id,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=SHARE,
        )
    await telegram_bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=None)
    current = fake.message(chat.id, sent.message_id)
    assert current is not None and "reply_markup" not in current and current["text"] == "جديد"
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await telegram_bot.edit_message_text("x", chat_id=chat.id, message_id=999)
    incoming = fake.inject_message(chat.id, "رسالة المستخدم")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await telegram_bot.edit_message_text(
            "x", chat_id=chat.id, message_id=incoming["message_id"]
        )
    photo = await telegram_bot.send_photo(chat.id, "https://example.com/p.jpg", caption="أ")
    await telegram_bot.edit_message_caption(
        chat.id, photo.message_id, caption="<i>ب</i>", parse_mode="HTML"
    )
    assert [e.method for e in fake.edits(chat.id)] == [
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    ]
    assert fake.edits()[0].plain_text == "جديد"

    channel = fake.add_channel()
    copy = await telegram_bot.copy_message(channel.id, chat.id, sent.message_id)
    assert isinstance(copy, MessageId)
    assert fake.last_sent(channel.id).method == "copyMessage"
    assert fake.last_sent(channel.id).plain_text == "جديد"

    assert await telegram_bot.delete_message(chat.id, sent.message_id) is True
    assert fake.message(chat.id, sent.message_id) is None
    assert fake.deleted == [(chat.id, sent.message_id)]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await telegram_bot.delete_message(chat.id, sent.message_id)


async def test_commands_are_stored_per_scope(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    commands = [BotCommand("start", "ابدأ"), BotCommand("sources", "المصادر")]
    assert await telegram_bot.set_my_commands(commands)
    await telegram_bot.set_my_commands(
        [BotCommand("help", "Help")], scope=BotCommandScopeAllPrivateChats(), language_code="en"
    )
    assert await telegram_bot.get_my_commands() == tuple(commands)
    assert [c["command"] for c in fake_telegram.commands] == ["start", "sources"]
    assert fake_telegram.my_commands({"type": "all_private_chats"}, "en") == [
        {"command": "help", "description": "Help"}
    ]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await telegram_bot.set_my_commands([BotCommand("Start!", "x")])
    await telegram_bot.delete_my_commands()
    assert fake_telegram.commands == []


async def test_chat_info_members_and_actions(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    fake = fake_telegram
    owner = fake.add_user("المالك")
    admin = fake.add_user("المشرف")
    group = fake.add_supergroup("أخبار", username="akhbar", creator=owner, admins=[admin.id])
    info = await telegram_bot.get_chat("@akhbar")
    assert isinstance(info, ChatFullInfo) and info.title == "أخبار" and info.id == group.id
    member = await telegram_bot.get_chat_member(group.id, owner.id)
    assert isinstance(member, ChatMemberOwner)
    admins = await telegram_bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [owner.id, admin.id]
    channel = fake.add_channel()
    me = await telegram_bot.get_chat_member(channel.id, fake.bot.id)
    assert isinstance(me, ChatMemberAdministrator)
    assert await telegram_bot.send_chat_action(group.id, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await telegram_bot.send_chat_action(group.id, "dancing")
    with pytest.raises(BadRequest, match="There are no administrators in the private chat"):
        await telegram_bot.get_chat_administrators(fake.add_private_chat().id)


async def test_wait_for_timeout_explains_what_happened(fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with make_bot(fake_telegram) as bot:
        await bot.send_message(chat.id, "الرسالة الأولى")
    with pytest.raises(AssertionError) as caught:
        await fake_telegram.wait_for_messages(chat.id, 2, timeout=0.2)
    text = str(caught.value)
    assert "timed out after 0.2s waiting for 2 message(s)" in text
    assert "الرسالة الأولى" in text and "getMe -> 200" in text
    assert len(await fake_telegram.wait_for(1)) == 1
