"""Chat and admin commands while the database is full (tests/diskfull.py): the user is
asked, in Arabic, to try again later (a button press gets it as the button's answer),
nothing is half-saved, the log gets no traceback per update, and the same command works
once there is space. Reading goes on: /search answers, without its paging buttons."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import STORAGE_FULL
from bot.errors import StorageFull
from bot.render.pager import NEXT_LABEL
from bot.search import present
from tests.admin_helpers import admin_config, buttons, register_chats
from tests.diskfull import fill, free
from tests.fakes.telegram import FakeTelegram
from tests.news import ask, fast_config
from tests.service import running_service
from tests.test_search_storage import ARTICLES

TRY_LATER = "عذرًا، تعذّر حفظ طلبك الآن بسبب عطل مؤقت في التخزين لدى البوت. حاول مرة أخرى بعد قليل."
CONFIRM = "✅ تأكيد الإرسال"


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info]


async def test_commands_on_a_full_disk_get_a_try_again_later(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """Each one got "an unexpected error occurred" and a traceback in the log; a button
    press got that as a new message, and its spinner was never stopped."""
    old, new = fake_telegram.add_private_chat(), fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        await ask(fake_telegram, old.id, "/start")
        listing = await ask(fake_telegram, old.id, "/sources")
        await fill(service.storage, every_write=True)

        assert (await ask(fake_telegram, new.id, "/start")).text == TRY_LATER
        assert (await ask(fake_telegram, old.id, "/subscribe الاقتصاد")).text == TRY_LATER
        assert (await ask(fake_telegram, old.id, "/digest hourly")).text == TRY_LATER
        before = len(fake_telegram.sent(old.id))
        fake_telegram.inject_callback(old.id, listing.message_id,
                                      listing.buttons[1]["callback_data"])  # ➕ المصدر ب
        [answer] = await fake_telegram.wait_for_callback_answers(1)
        assert (answer.text, answer.show_alert) == (TRY_LATER, True)
        assert len(fake_telegram.sent(old.id)) == before  # answered, not a new message
        assert await service.storage.chats.get(new.id) is None  # nothing half-saved
        assert len(await service.storage.subscriptions.list(old.id)) == 1

        await free(service.storage)
        assert "تم الاشتراك" in (await ask(fake_telegram, new.id, "/start")).plain_text
        assert "الاقتصاد" in (await ask(fake_telegram, old.id, "/subscribe الاقتصاد")).plain_text
    assert not _tracebacks(caplog), _tracebacks(caplog)
    assert STORAGE_FULL == TRY_LATER


async def test_search_on_a_full_disk_still_answers(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A search with more than one page saves its query for the paging buttons: on a full
    disk it answered "search is unavailable" instead of the results it had found."""
    fake_telegram.disable_rate_limits()
    chat = fake_telegram.add_private_chat()
    more = [replace(ARTICLES[11], url=f"https://example.com/gov/{i}",
                    title=f"الحكومة تناقش الملف رقم {i}",
                    published=ARTICLES[11].published + timedelta(hours=i)) for i in range(8)]
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        for article in [*ARTICLES, *more]:
            await service.storage.articles.insert(article, enqueue=False)
        await fill(service.storage, every_write=True)
        first = await ask(fake_telegram, chat.id, "/search الحكومة")
        assert "1–5 من" in first.plain_text and "<b>الحكومة" in first.text
        assert first.buttons == []  # no paging: the query could not be saved
        await free(service.storage)
        first = await ask(fake_telegram, chat.id, "/search الحكومة")
        assert [b["text"] for b in first.buttons] == [NEXT_LABEL]


async def test_inline_search_on_a_full_disk_answers_as_usual(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """A guard (this passed before too): inline mode only reads, so on a full disk it
    answers as usual: the results, the newest articles for an empty query, and the
    Arabic reason button when nothing is found. No traceback, no "try again"."""
    fake = fake_telegram
    async with running_service(fast_config(tmp_path, fake)) as service:
        assert service.storage is not None
        for article in ARTICLES:
            await service.storage.articles.insert(article, enqueue=False)
        fake.inject_inline_query("الحكومة")
        [before] = await fake.wait_for_inline_answers(1)
        await fill(service.storage, every_write=True)

        with pytest.raises(StorageFull):  # full indeed
            await service.storage.chats.register(1, "private")

        fake.inject_inline_query("الحكومة")
        found = (await fake.wait_for_inline_answers(2))[-1]
        assert found.results and found.results == before.results
        fake.inject_inline_query("")
        newest = (await fake.wait_for_inline_answers(3))[-1]
        assert len(newest.results) == len(ARTICLES)
        fake.inject_inline_query("كلمةلاتوجد")
        nothing = (await fake.wait_for_inline_answers(4))[-1]
        assert nothing.results == [] and nothing.button is not None
        assert nothing.button["text"] == present.NO_RESULTS_INLINE

        await free(service.storage)
        fake.inject_inline_query("الحكومة")
        after = (await fake.wait_for_inline_answers(5))[-1]
        assert after.results == before.results
    assert not _tracebacks(caplog), _tracebacks(caplog)


async def test_a_broadcast_confirmed_on_a_full_disk_stays_a_draft_until_there_is_space(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat(first_name="المشرف")
    subscribers = [fake.add_private_chat() for _ in range(30)]
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        assert service.storage is not None
        await register_chats(service, [admin, *subscribers])
        fake.inject_message(admin.id, "/broadcast تنبيه: صيانة الليلة")
        _, footer = await fake.wait_for_messages(admin.id, 2)
        await fill(service.storage, every_write=True)
        assert (await ask(fake, admin.id, "/broadcast رسالة ثانية")).text == TRY_LATER

        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        [answer] = await fake.wait_for_callback_answers(1)
        assert (answer.text, answer.show_alert) == (TRY_LATER, True)
        record = await service.storage.broadcasts.get(1)
        assert record is not None and record.status == "draft"  # all or nothing
        assert sum((await service.storage.outbox.broadcast_counts(1)).values()) == 0
        assert await service.storage.broadcasts.get(2) is None

        await free(service.storage)
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        [_, answer] = await fake.wait_for_callback_answers(2)
        assert answer.text == "بدأ الإرسال إلى المحادثات النشطة (31)."
        await fake.wait_for(lambda f: all(f.sent(c.id) for c in subscribers), timeout=15,
                            what="the broadcast to every subscriber")
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
