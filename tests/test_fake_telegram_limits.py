"""Flood limits of the fake Telegram: 429s with retry_after, sliding windows, volume smoke."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter

from tests.fakes.telegram import FakeTelegram, RateLimits
from tests.fakes.telegram_model import ApiError, RateLimiter
from tests.fakes.telegram_ptb import make_bot


class ManualClock:
    """A clock the test moves by hand, so windows never depend on machine speed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def frozen(clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    """A fake whose rate windows run on the manual clock."""
    async with FakeTelegram(clock=clock) as fake:
        yield fake


@pytest.fixture
async def bot(frozen: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(frozen) as bot:
        yield bot


async def test_a_burst_of_four_to_a_private_chat_gets_429(
    frozen: FakeTelegram, bot: Bot, clock: ManualClock
) -> None:
    chat = frozen.add_private_chat()
    for i in range(3):
        await bot.send_message(chat.id, f"خبر {i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "خبر 3")
    assert seconds(caught.value) == 3
    [hit] = frozen.rate_limited
    assert (hit.method, hit.chat_id, hit.scope, hit.retry_after) == (
        "sendMessage",
        chat.id,
        "private",
        3,
    )
    assert frozen.calls_to("sendMessage")[-1].description == "Too Many Requests: retry after 3"
    with pytest.raises(AssertionError, match="1 429"):
        frozen.assert_no_rate_limits()
    other = frozen.add_private_chat()
    await bot.send_message(other.id, "another chat is not affected")
    clock.advance(3)
    await bot.send_message(chat.id, "after waiting retry_after")
    assert len(frozen.sent(chat.id)) == 4


async def test_31_sends_in_one_second_globally_get_429(
    frozen: FakeTelegram, bot: Bot, clock: ManualClock
) -> None:
    chats = [frozen.add_private_chat() for _ in range(31)]
    await asyncio.gather(*(bot.send_message(c.id, "خبر") for c in chats[:30]))
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chats[30].id, "خبر")
    assert seconds(caught.value) == 1
    assert [h.scope for h in frozen.rate_limited] == ["global"]
    clock.advance(1)
    await bot.send_message(chats[30].id, "خبر")
    assert len(frozen.sent()) == 31


async def test_a_429_reports_the_window_that_refused_it(
    frozen: FakeTelegram, bot: Bot, clock: ManualClock
) -> None:
    # the report a flaky failure needs: how many sends, when, and the largest gap (a
    # restart of the bot shows as one)
    frozen.set_limits(global_per_second=4)
    chats = [frozen.add_private_chat() for _ in range(5)]
    for chat, step in zip(chats[:4], (0.0, 0.1, 0.5, 0.1), strict=True):
        clock.advance(step)
        await bot.send_message(chat.id, "خبر")
    clock.advance(0.2)
    with pytest.raises(RetryAfter):
        await bot.send_message(chats[4].id, "خبر")
    [hit] = frozen.rate_limited
    assert [round(t, 3) for t in hit.window] == [-0.9, -0.8, -0.3, -0.2]
    with pytest.raises(AssertionError) as caught:
        frozen.assert_no_rate_limits()
    assert ("window: 4 sends from -0.900 s to -0.200 s; largest gap 0.500 s after -0.800 s; "
            "per 100 ms: [0, 1, 1, 0, 0, 0, 0, 1, 1, 0]") in str(caught.value)


async def test_windows_slide_rather_than_reset(
    frozen: FakeTelegram, bot: Bot, clock: ManualClock
) -> None:
    chat = frozen.add_private_chat()
    await bot.send_message(chat.id, "1")
    clock.advance(2.0)
    await bot.send_message(chat.id, "2")
    await bot.send_message(chat.id, "3")
    clock.advance(0.9)  # t = 2.9: the first send is still inside the 3-second window
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "4")
    assert seconds(caught.value) == 1  # 0.1 s left, rounded up to a whole second
    clock.advance(0.1)  # t = 3.0: the first send has left the window
    await bot.send_message(chat.id, "4")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "5")
    assert seconds(caught.value) == 2  # the next to leave was sent at t = 2.0


async def test_groups_and_channels_get_20_a_minute(
    frozen: FakeTelegram, bot: Bot, clock: ManualClock
) -> None:
    frozen.set_limits(global_per_second=1000)
    group, channel = frozen.add_supergroup(), frozen.add_channel()
    for target in (group, channel):
        for _ in range(20):
            await bot.send_message(target.id, "خبر")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(target.id, "خبر")
        assert seconds(caught.value) == 60
    assert [h.scope for h in frozen.rate_limited] == ["group", "group"]
    clock.advance(60)
    await bot.send_message(group.id, "خبر")


async def test_edits_count_queries_and_reads_do_not(
    frozen: FakeTelegram, bot: Bot, clock: ManualClock
) -> None:
    chat = frozen.add_private_chat()
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    sent = await bot.send_message(chat.id, "0", reply_markup=markup)
    for _ in range(5):  # none of these count
        query_id = frozen.inject_callback(chat.id, sent.message_id, "a")
        await bot.answer_callback_query(query_id)
        await bot.send_chat_action(chat.id, "typing")
        await bot.get_chat(chat.id)
        await bot.get_me()
    await bot.edit_message_text("1", chat_id=chat.id, message_id=sent.message_id)
    await bot.edit_message_text("2", chat_id=chat.id, message_id=sent.message_id)
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("3", chat_id=chat.id, message_id=sent.message_id)
    assert [h.method for h in frozen.rate_limited] == ["editMessageText"]


async def test_limits_are_configurable_and_can_be_disabled(frozen: FakeTelegram, bot: Bot) -> None:
    chat = frozen.add_private_chat()
    frozen.set_limits(global_per_second=1000, private_per_window=10)
    await asyncio.gather(*(bot.send_message(chat.id, str(i)) for i in range(10)))
    with pytest.raises(RetryAfter):
        await bot.send_message(chat.id, "11")
    frozen.disable_rate_limits()
    await asyncio.gather(*(bot.send_message(chat.id, str(i)) for i in range(40)))
    assert len(frozen.sent(chat.id)) == 50
    with pytest.raises(AttributeError, match="no field"):
        frozen.set_limits(per_hour=5)


async def test_waiting_retry_after_on_the_real_clock(fake_telegram: FakeTelegram) -> None:
    fake_telegram.set_limits(private_per_window=1, private_window=1.0)
    chat = fake_telegram.add_private_chat()
    async with make_bot(fake_telegram) as bot:
        await bot.send_message(chat.id, "1")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(chat.id, "2")
        assert seconds(caught.value) == 1
        await asyncio.sleep(seconds(caught.value))
        await bot.send_message(chat.id, "2")
    assert [m.text for m in fake_telegram.sent(chat.id)] == ["1", "2"]


def test_rate_limiter_unit(clock: ManualClock) -> None:
    limiter = RateLimiter(RateLimits(global_per_second=2, private_per_window=10), clock)
    assert limiter.acquire(1, "private") is None
    assert limiter.acquire(2, "private") is None
    assert limiter.acquire(3, "private") == ("global", 1)
    clock.advance(0.5)
    assert limiter.acquire(3, "private") == ("global", 1)  # 0.5 s left -> 1
    clock.advance(0.5)
    assert limiter.acquire(3, "private") is None
    limiter.limits.enabled = False
    assert all(limiter.acquire(3, "private") is None for _ in range(100))


async def test_ten_thousand_sends_smoke(fake_telegram: FakeTelegram) -> None:
    """Volume without timing assertions: records stay consistent and indexed per chat."""
    fake = fake_telegram
    fake.disable_rate_limits()
    chats = [fake.add_private_chat().id for _ in range(500)]
    markup = json.dumps(
        {"inline_keyboard": [[{"text": "واتساب", "url": "https://wa.me/?text=%D8%AE"}]]}
    )
    text = "<b>عنوان</b>\n\n" + "ملخص الخبر " * 30 + '\n<a href="https://example.com/a">اقرأ</a>'
    for i in range(10_000):
        fake.call_api(
            "sendMessage",
            {
                "chat_id": str(chats[i % 500]),
                "text": text,
                "parse_mode": "HTML",
                "reply_markup": markup,
            },
        )
    # And 1,000 more through real HTTP, concurrently.
    url = f"{fake.base_url}{fake.token}/sendMessage"
    gate = asyncio.Semaphore(16)
    async with aiohttp.ClientSession() as http:

        async def send(i: int) -> None:
            async with (
                gate,
                http.post(
                    url, data={"chat_id": str(chats[i % 500]), "text": text, "parse_mode": "HTML"}
                ) as response,
            ):
                assert response.status == 200

        await asyncio.gather(*(send(i) for i in range(1000)))
    assert len(fake.sent()) == 11_000 and len(fake.calls) == 11_000
    per_chat = fake.sent(chats[7])
    assert [m.message_id for m in per_chat] == list(range(1, 23))
    assert fake.stats()["sent"] == 11_000 and not fake.rate_limited
    with pytest.raises(ApiError, match="chat not found"):
        fake.call_api("sendMessage", {"chat_id": "5", "text": "x"})


async def test_markup_past_the_hundredth_entity_is_shown_as_plain_text(
    frozen: FakeTelegram, bot: Bot
) -> None:
    chat = frozen.add_private_chat()
    html = "\n".join(f'<a href="https://e.com/{i}">خبر {i}</a>' for i in range(150))
    message = await bot.send_message(chat.id, html, parse_mode="HTML")  # no error
    assert len(message.entities) == 100
    assert [e.url for e in message.entities] == [f"https://e.com/{i}" for i in range(100)]
    assert message.text is not None and message.text.endswith("خبر 149")
    [sent] = frozen.sent(chat.id)
    assert len(sent.entities) == 100
