"""The fake's HTTP control API (/_fake) and its standalone process mode."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError, RetryAfter

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_control import RemoteFakeTelegram
from tests.fakes.telegram_ptb import make_bot


@pytest.fixture
async def remote(fake_telegram: FakeTelegram) -> AsyncIterator[RemoteFakeTelegram]:
    client = await RemoteFakeTelegram(fake_telegram.url).connect()
    try:
        yield client
    finally:
        await client.close()


async def test_control_api_drives_the_world(
    fake_telegram: FakeTelegram, remote: RemoteFakeTelegram
) -> None:
    assert remote.token == fake_telegram.token and remote.base_url == fake_telegram.base_url
    user = await remote.add_user(first_name="خالد", username="khalid")
    private = await remote.add_chat("private", user_id=user["id"])
    assert private["id"] == user["id"] and private["user"]["username"] == "khalid"
    owner = await remote.add_user(first_name="المالك")
    group = await remote.add_chat("group", title="مجموعة", creator_id=owner["id"])
    channel = await remote.add_chat("channel", title="قناة", username="qanat")

    message = await remote.inject_message(private["id"], "/start")
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    await remote.inject_message(group["id"], "مرحبا", from_user_id=owner["id"])
    await remote.inject_my_chat_member(channel["id"], "administrator")
    new = await remote.migrate_group(group["id"])
    assert new["type"] == "supergroup" and fake_telegram.chat(group["id"]).migrated_to == new["id"]
    assert (await remote.stats())["pending_updates"] == 5

    async with make_bot(fake_telegram) as bot:
        sent = await bot.send_message(
            private["id"],
            "اختر",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("أ", callback_data="a")]]),
        )
        query_id = await remote.inject_callback(private["id"], sent.message_id, "a")
        await bot.answer_callback_query(query_id, "تم")
        inline_id = await remote.inject_inline_query("اقتصاد", from_user_id=user["id"])
        await bot.answer_inline_query(inline_id, [])
        await bot.send_message("@qanat", "منشور")

        await remote.set_chat_state(private["id"], blocked=True)
        with pytest.raises(Forbidden):
            await bot.send_message(private["id"], "x")
        await remote.set_chat_state(private["id"], blocked=False)

        await remote.inject_fault("sendMessage", status=500, times=1)
        with pytest.raises(NetworkError):
            await bot.send_message(private["id"], "x")
        await remote.inject_fault("sendMessage", status=500, times=None)
        await remote.clear_faults()

        await remote.break_photo("https://example.com/x.jpg")
        with pytest.raises(Exception, match=r"(?i)wrong file identifier"):
            await bot.send_photo(private["id"], "https://example.com/x.jpg")

        await remote.set_limits(private_per_window=1)
        with pytest.raises(RetryAfter):
            await bot.send_message(private["id"], "x")

    assert [m["plain_text"] for m in await remote.sent()] == ["اختر", "منشور"]
    assert [m["chat_id"] for m in await remote.sent(channel["id"])] == [channel["id"]]
    assert await remote.sent(since=1) == (await remote.sent())[1:]
    assert (await remote.request("GET", "/callback_answers"))["items"][0]["text"] == "تم"
    assert len((await remote.request("GET", "/inline_answers"))["items"]) == 1
    assert [h["scope"] for h in await remote.rate_limited()] == ["private"]
    assert [c["status"] for c in await remote.calls("sendMessage")] == [200, 200, 403, 500, 429]
    assert (await remote.wait_for_messages(private["id"], 1))[0]["text"] == "اختر"
    chats = await remote.request("GET", "/chats")
    assert {c["type"] for c in chats} == {"private", "group", "supergroup", "channel"}

    await remote.reset()
    assert (await remote.stats())["sent"] == 0


async def test_control_api_errors_are_clear(remote: RemoteFakeTelegram) -> None:
    with pytest.raises(AssertionError, match="408"):
        await remote.wait_for_messages(12345, 1, timeout=0.1)
    with pytest.raises(AssertionError, match="unknown chat type"):
        await remote.add_chat("forum")
    with pytest.raises(AssertionError, match="has no chat 42"):
        await remote.inject_message(42, "x")
    with pytest.raises(AssertionError, match="no field"):
        await remote.set_limits(per_day=1)
    async with aiohttp.ClientSession() as http, http.get(f"{remote.url}/nothing/here") as response:
        assert response.status == 404
        assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_standalone_process_serves_ptb_and_the_control_api() -> None:
    async with RemoteFakeTelegram.spawn("--global-per-second", "5") as remote:
        assert remote.base_url.endswith("/bot") and remote.info["limits"]["global_per_second"] == 5
        chat = await remote.add_chat("private", first_name="نور")
        async with make_bot(remote) as bot:
            assert bot.username == "newsbot_test_bot"
            await bot.send_message(chat["id"], "<b>خبر</b>", parse_mode="HTML")
            [sent] = await remote.wait_for_messages(chat["id"], 1)
            assert sent["plain_text"] == "خبر" and sent["parse_mode"] == "HTML"
            await remote.inject_message(chat["id"], "/latest")
            [update] = await bot.get_updates(timeout=5)
            assert update.message is not None and update.message.text == "/latest"
        process = remote.process
        assert process is not None and process.returncode is None
    assert process.returncode is not None  # stopped when the block ended
