"""Round trips through a real PTB Application polling the fake: commands, callbacks, inline."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import BadRequest, Conflict
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_ptb import build_application, make_bot, running

Context = ContextTypes.DEFAULT_TYPE


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html("<b>أهلاً</b>")


async def test_start_replies(fake_telegram: FakeTelegram) -> None:
    """The example of the tests/fakes/telegram.py docstring, verbatim."""
    chat = fake_telegram.add_private_chat(first_name="سارة")
    app = build_application(fake_telegram)
    app.add_handler(CommandHandler("start", start))
    async with running(app):
        fake_telegram.inject_message(chat.id, "/start")
        [reply] = await fake_telegram.wait_for_messages(chat.id, 1)
    assert reply.text == "<b>أهلاً</b>" and reply.plain_text == "أهلاً"
    fake_telegram.assert_no_rate_limits()


async def test_command_reaches_a_command_handler_and_the_reply_is_recorded(
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat(first_name="ليلى")
    seen_args: list[list[str]] = []

    async def start(update: Update, context: Context) -> None:
        assert update.effective_message is not None
        seen_args.append(list(context.args or []))
        await update.effective_message.reply_html(
            "<b>أهلاً بك</b>",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("المصادر", callback_data="src")]]
            ),
        )

    app = build_application(fake)
    app.add_handler(CommandHandler("start", start))
    async with running(app):
        fake.inject_message(chat.id, "/start")
        fake.inject_message(chat.id, "/start@newsbot_test_bot رياضة سياسة")
        replies = await fake.wait_for_messages(chat.id, 2)
    assert seen_args == [[], ["رياضة", "سياسة"]]
    assert [r.plain_text for r in replies] == ["أهلاً بك", "أهلاً بك"]
    assert replies[0].parse_mode == "HTML" and replies[0].buttons[0]["callback_data"] == "src"
    assert replies[0].reply_to_message_id is None  # reply_html does not quote by default
    assert [c.method for c in fake.calls[:2]] == ["getMe", "deleteWebhook"]
    assert fake.pending_updates == 0
    fake.assert_no_rate_limits()


async def test_commands_for_another_bot_are_ignored_in_groups(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    group = fake.add_group()

    async def start(update: Update, context: Context) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app = build_application(fake)
    app.add_handler(CommandHandler("start", start))
    async with running(app):
        fake.inject_message(group.id, "/start@other_bot")
        fake.inject_message(group.id, "/start@newsbot_test_bot")
        await fake.wait_for_messages(group.id, 1)
        await fake.wait_for_updates_consumed()
    assert [m.text for m in fake.sent(group.id)] == ["/start@newsbot_test_bot"]


async def test_callback_round_trip(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()

    async def on_button(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer(f"تم: {query.data}")
        await query.edit_message_text(f"اخترت {query.data}")

    app = build_application(fake)
    app.add_handler(CallbackQueryHandler(on_button))
    async with running(app):
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("رياضة", callback_data="cat:sport")]]
        )
        sent = await app.bot.send_message(chat.id, "اختر", reply_markup=keyboard)
        query_id = fake.inject_callback(chat.id, sent.message_id, "cat:sport")
        [answer] = await fake.wait_for_callback_answers(1)
        [edit] = await fake.wait_for_edits(chat.id, 1)
    assert answer.callback_query_id == query_id and answer.text == "تم: cat:sport"
    assert edit.message_id == sent.message_id and edit.text == "اخترت cat:sport"
    current = fake.message(chat.id, sent.message_id)
    assert current is not None and current["text"] == "اخترت cat:sport"
    assert "reply_markup" not in current  # editing text without a markup drops the keyboard
    with pytest.raises(ValueError, match="sent no message"):
        fake.inject_callback(chat.id, 999, "x")


async def test_answering_a_query_twice_or_an_unknown_query_fails(
    fake_telegram: FakeTelegram,
) -> None:
    chat = fake_telegram.add_private_chat()
    async with make_bot(fake_telegram) as bot:
        sent = await bot.send_message(
            chat.id,
            "x",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]]),
        )
        query_id = fake_telegram.inject_callback(chat.id, sent.message_id, "a")
        assert await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_inline_query("12345", [])


async def test_inline_query_round_trip(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram

    async def on_inline(update: Update, context: Context) -> None:
        query = update.inline_query
        assert query is not None
        results = [
            InlineQueryResultArticle(
                id=f"article-{i}",
                title=f"خبر {i} عن {query.query}",
                input_message_content=InputTextMessageContent(
                    f"<b>خبر {i}</b> عن {query.query}", parse_mode="HTML"
                ),
            )
            for i in range(3)
        ]
        await query.answer(results, next_offset="3", cache_time=5, is_personal=True)

    app = build_application(fake)
    app.add_handler(InlineQueryHandler(on_inline))
    async with running(app):
        query_id = fake.inject_inline_query("اقتصاد")
        [answer] = await fake.wait_for_inline_answers(1)
    assert answer.inline_query_id == query_id
    assert [r["id"] for r in answer.results] == ["article-0", "article-1", "article-2"]
    assert answer.results[0]["input_message_content"]["message_text"] == "<b>خبر 0</b> عن اقتصاد"
    assert (answer.next_offset, answer.cache_time, answer.is_personal) == ("3", 5, True)


async def test_bad_inline_answers_are_refused(fake_telegram: FakeTelegram) -> None:
    def article(rid: str, text: str = "x") -> InlineQueryResultArticle:
        return InlineQueryResultArticle(rid, "t", InputTextMessageContent(text, parse_mode="HTML"))

    async with make_bot(fake_telegram) as bot:
        cases: list[tuple[list[Any], str]] = [
            ([article(str(i)) for i in range(51)], "Results_too_much"),
            ([article("same"), article("same")], "Result_id_duplicate"),
            ([article("1", "<p>خبر</p>")], "Can't parse entities"),
        ]
        for results, error in cases:
            query_id = fake_telegram.inject_inline_query("q")
            with pytest.raises(BadRequest, match=error):
                await bot.answer_inline_query(query_id, results)


async def test_replies_channel_posts_membership_and_migration(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    channel = fake.add_channel("قناة")
    group = fake.add_group("مجموعة")
    seen: dict[str, Any] = {}

    async def on_text(update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        if message.reply_to_message is not None:
            seen["replied_to"] = message.reply_to_message.text
        if update.channel_post is not None:
            seen["channel_post"] = message.text

    async def on_member(update: Update, context: Context) -> None:
        member = update.my_chat_member
        assert member is not None
        seen.setdefault("member", []).append(
            (member.chat.id, member.old_chat_member.status, member.new_chat_member.status)
        )

    async def on_migrate(update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        if message.migrate_to_chat_id:
            seen["migrate_to"] = message.migrate_to_chat_id
        if message.migrate_from_chat_id:
            seen["migrate_from"] = message.migrate_from_chat_id

    app = build_application(fake)
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    async with running(app):
        original = fake.inject_message(chat.id, "الأصل")
        fake.inject_message(chat.id, "رد", reply_to=original["message_id"])
        fake.inject_message(channel.id, "منشور")
        fake.inject_my_chat_member(chat.id, "kicked")
        fake.inject_my_chat_member(group.id, "administrator")
        new = fake.migrate_group(group.id)
        await fake.wait_for(lambda f: "migrate_from" in seen and len(seen.get("member", [])) == 2)
    assert seen["replied_to"] == "الأصل" and seen["channel_post"] == "منشور"
    assert seen["member"] == [(chat.id, "member", "kicked"), (group.id, "member", "administrator")]
    assert (seen["migrate_to"], seen["migrate_from"]) == (new.id, group.id)
    assert fake.chat(chat.id).blocked  # the kicked update also blocks sends


async def test_get_updates_long_poll_offset_and_allowed_updates(
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with make_bot(fake) as bot:
        assert await bot.get_updates(timeout=0) == ()
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await bot.get_updates(timeout=1) == ()
        assert loop.time() - started >= 0.9  # the long poll really waited

        async def later() -> None:
            await asyncio.sleep(0.1)
            fake.inject_message(chat.id, "وصل")

        task = asyncio.create_task(later())
        updates = await bot.get_updates(timeout=30)  # returns as soon as the update lands
        await task
        assert [u.message.text for u in updates if u.message] == ["وصل"]
        again = await bot.get_updates(timeout=0)  # not confirmed yet: delivered again
        assert [u.update_id for u in again] == [updates[0].update_id]
        assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
        assert fake.pending_updates == 0

        fake.inject_inline_query("x")
        fake.inject_message(chat.id, "نص")
        only_messages = await bot.get_updates(timeout=0, allowed_updates=["message"])
        assert [u.message.text for u in only_messages if u.message] == ["نص"]
        assert len(only_messages) == 1

        await bot.set_webhook("https://example.com/hook")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        assert (await bot.get_webhook_info()).url == "https://example.com/hook"
        await bot.delete_webhook(drop_pending_updates=True)
        assert fake.pending_updates == 0 and fake.webhook_url == ""


async def test_a_second_poller_terminates_the_first(fake_telegram: FakeTelegram) -> None:
    async with make_bot(fake_telegram) as first, make_bot(fake_telegram) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=5))
        await fake_telegram.wait_for_polling()
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting
