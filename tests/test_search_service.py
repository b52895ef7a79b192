"""End to end: /search, its paging buttons and inline mode, through the fake Bot API
with the real service (tests/service.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import GENERIC_ERROR, Service
from bot.render.bidi import rtl_text
from bot.render.limits import CALLBACK_DATA_LIMIT
from bot.render.pager import NEXT_LABEL, PREV_LABEL
from bot.search import present
from bot.storage import Storage
from handlers.search import UNAVAILABLE
from tests.diskerror import ReaderDisk
from tests.fakes.telegram import FakeTelegram
from tests.news import ask
from tests.service import running_service, write_config
from tests.test_search_storage import ARTICLES

# 24 more stories about the government, one hour apart: with the fixtures, 2 inline pages
EXTRA = [replace(ARTICLES[11], url=f"https://example.com/gov/{i}",
                 title=f"الحكومة تناقش الملف رقم {i}",
                 published=ARTICLES[11].published + timedelta(hours=i))
         for i in range(24)]


@pytest.fixture
async def service(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[Service]:
    fake_telegram.disable_rate_limits()  # pacing is tested elsewhere; keep this fast
    config = write_config(tmp_path, fake_telegram,
                          delivery={"per_chat_interval_seconds": 0.0})
    async with running_service(config) as svc:
        for article in [*ARTICLES, *EXTRA]:
            await svc.storage.articles.insert(article, enqueue=False)
        yield svc


def labels(message_buttons: list[dict]) -> list[str]:
    return [b["text"] for b in message_buttons]


def data_of(buttons: list[dict], label: str) -> str:
    [data] = [b["callback_data"] for b in buttons if b["text"] == label]
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    return data


async def test_search_pages_both_ways_in_place(service: Service,
                                               fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    fake_telegram.inject_message(chat.id, "/search")
    [usage] = await fake_telegram.wait_for_messages(chat.id, 1)
    assert "البحث في أرشيف الأخبار" in usage.plain_text and "مصدر:" in usage.plain_text

    fake_telegram.inject_message(chat.id, "/search الحُكُومَة")  # typed with tashkeel
    _, first = await fake_telegram.wait_for_messages(chat.id, 2)
    assert "1–5 من" in first.plain_text
    assert "<b>الحكومة" in first.text and "اقرأ الخبر" in first.plain_text
    assert labels(first.buttons) == [NEXT_LABEL]

    async def press(label: str, n: int) -> str:
        buttons = fake_telegram.message(chat.id, first.message_id)["reply_markup"][
            "inline_keyboard"][0]
        fake_telegram.inject_callback(chat.id, first.message_id, data_of(buttons, label))
        edits = await fake_telegram.wait_for_edits(chat.id, n)
        await fake_telegram.wait_for_callback_answers(n)
        assert edits[-1].message_id == first.message_id  # edited in place
        return edits[-1].plain_text or ""

    def current_labels() -> list[str]:
        return labels(fake_telegram.message(chat.id, first.message_id)["reply_markup"][
            "inline_keyboard"][0])

    pages = [first.plain_text or ""]
    while NEXT_LABEL in current_labels():  # forward to the last page
        pages.append(await press(NEXT_LABEL, len(pages)))
        assert f"{5 * (len(pages) - 1) + 1}–" in pages[-1]
    assert len(pages) >= 3 and current_labels() == [PREV_LABEL]
    edits = len(pages) - 1
    for expected in reversed(pages[:-1]):  # and back to the first
        edits += 1
        assert await press(PREV_LABEL, edits) == expected
    assert current_labels() == [NEXT_LABEL]
    assert all(a.text is None for a in fake_telegram.callback_answers)


async def test_forged_stale_and_edited_buttons_get_a_polite_answer(
        service: Service, fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    fake_telegram.inject_message(chat.id, "/search الحكومة")
    [results] = await fake_telegram.wait_for_messages(chat.id, 1)
    genuine = results.buttons[0]["callback_data"]
    kind, action, qid, page, tag = genuine.split(":")
    codec = service.services.callbacks
    cases = {
        f"{kind}:{action}:{qid}:{int(page) + 1}:{tag}": present.FORGED,  # page edited
        f"{kind}:{action}:{int(qid) + 1}:{page}:{tag}": present.FORGED,  # query id edited
        "s:1:1:AAAAAAAAAAA": present.FORGED,
        "s:" + "9" * 40: present.FORGED,
        codec.encode("s", "p", 999999, 0): present.EXPIRED,  # signed, but no such query
        codec.encode("s", 999999, 0): present.EXPIRED,  # (the same, as old buttons had it)
        codec.encode("s", "p", qid, 59): present.NO_MORE,  # signed page past the end
        codec.encode("s", "p", qid, "x"): present.FORGED,
        codec.encode("s", "p", qid): present.FORGED,
        codec.encode("s", "q", qid, 1): present.FORGED,
    }
    for n, data in enumerate(cases, 1):
        fake_telegram.inject_callback(chat.id, results.message_id, data)
        answers = await fake_telegram.wait_for_callback_answers(n)
        assert answers[-1].text == rtl_text(cases[data]), data
    assert fake_telegram.edits(chat.id) == []
    assert len(fake_telegram.sent(chat.id)) == 1  # no error message either


BAD_INPUTS = [
    '"', "NEAR(", "*", "a OR", "-", "مصدر:", "x" * 3000, "😀🎉", "في من على",
    "'; DROP TABLE articles; --", "1' OR '1'='1", "-الحكومة", "NOT AND OR ^ ( ) :",
    "كلمةلاتوجدابدا", "مصدر:الجزيرة الحكومة",
]


async def test_every_bad_input_gets_a_reply_and_no_error(service: Service,
                                                         fake_telegram: FakeTelegram) -> None:
    chats = {text: fake_telegram.add_private_chat() for text in BAD_INPUTS}
    for text, chat in chats.items():
        fake_telegram.inject_message(chat.id, f"/search {text}")
    replies = {}
    for text, chat in chats.items():
        [reply] = await fake_telegram.wait_for_messages(chat.id, 1)
        replies[text] = reply.plain_text or ""
        assert GENERIC_ERROR not in replies[text], text
    assert "طويل جدًا" in replies["x" * 3000]
    assert "شائعة جدًا" in replies["في من على"] and "من" in replies["في من على"]
    assert "اسم المصدر" in replies["مصدر:"]
    assert "للاستبعاد فقط" in replies["-الحكومة"]
    assert "لم أجد كلمات" in replies["😀🎉"]
    assert "لا توجد نتائج" in replies["'; DROP TABLE articles; --"]
    assert "لا أعرف مصدرًا" in replies["مصدر:الجزيرة الحكومة"]
    assert (await service.storage.stats())["articles"] == len(ARTICLES) + len(EXTRA)


async def test_no_results_suggests_a_broader_query_as_a_button(
        service: Service, fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    fake_telegram.inject_message(chat.id, "/search بوحيرد كلمةلاتوجدابدا")
    [reply] = await fake_telegram.wait_for_messages(chat.id, 1)
    assert "لا توجد نتائج" in reply.plain_text and "بوحيرد" in reply.plain_text
    [button] = [b for b in reply.buttons if "بوحيرد" in b["text"]]
    fake_telegram.inject_callback(chat.id, reply.message_id, button["callback_data"])
    [edit] = await fake_telegram.wait_for_edits(chat.id, 1)
    assert "جميلة بوحيرد" in (edit.plain_text or "") and "1–1 من 1" in (edit.plain_text or "")


def assert_valid_inline(answer_results: list[dict]) -> None:
    for r in answer_results:
        assert r["type"] == "article" and len(r["id"].encode()) <= 64
        content = r["input_message_content"]
        assert content["parse_mode"] == "HTML" and content["message_text"].startswith(
            ("<b>", "\u200f<b>"))
        assert "اقرأ الخبر كاملاً" in content["message_text"]
        rows = r["reply_markup"]["inline_keyboard"]
        assert [b["text"] for b in rows[0]] == ["واتساب", "تيليجرام", "إكس", "فيسبوك"]


async def test_inline_mode(service: Service, fake_telegram: FakeTelegram) -> None:
    # empty query: the newest articles, 20 a page
    fake_telegram.inject_inline_query("")
    [latest] = await fake_telegram.wait_for_inline_answers(1)
    assert len(latest.results) == 20 and latest.next_offset == "1"
    newest = max([*ARTICLES, *EXTRA], key=lambda a: a.published)
    assert latest.cache_time == 10 and latest.results[0]["title"] == newest.title
    assert_valid_inline(latest.results)

    # a search, paged through next_offset
    fake_telegram.inject_inline_query("الحكومه")
    first = (await fake_telegram.wait_for_inline_answers(2))[-1]
    assert len(first.results) == 20 and first.next_offset == "1"
    assert_valid_inline(first.results)
    fake_telegram.inject_inline_query("الحكومه", offset="1")
    second = (await fake_telegram.wait_for_inline_answers(3))[-1]
    assert 0 < len(second.results) < 20 and second.next_offset in (None, "")
    ids = [r["id"] for r in first.results + second.results]
    assert len(ids) == len(set(ids))

    # 256 characters: a pasted passage of an article finds it
    passage = ARTICLES[0].text[:256]
    fake_telegram.inject_inline_query(passage)
    long = (await fake_telegram.wait_for_inline_answers(4))[-1]
    assert [r["title"] for r in long.results][:1] == [ARTICLES[0].title]

    # nothing searchable, nothing found, a forged offset: empty, with a reason button
    for n, (query, offset) in enumerate([("-غزة", ""), ("في من", ""), ("كلمةلاتوجد", ""),
                                         ("غزة", "abc"), ("x" * 256, "")], 5):
        fake_telegram.inject_inline_query(query, offset=offset)
        answer = (await fake_telegram.wait_for_inline_answers(n))[-1]
        assert answer.results == [], query
        if offset == "":
            assert answer.button and answer.button["text"], query


async def test_a_search_when_the_disk_fails_a_read(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """The database cannot be read (a failing disk: SQLite says SQLITE_IOERR, here as
    "vtable constructor failed: articles_fts" when it opens the index): /search and
    inline mode say the search is unavailable, and each failure is logged once as a
    storage error (before, it was taken for a query the index rejected: the log blamed
    the query builder, and inline mode told the user to try other words). Then it works
    again, without a restart."""
    path = tmp_path / "newsbot.sqlite3"
    storage = await Storage.open(str(path))
    for article in ARTICLES:
        await storage.articles.insert(article, enqueue=False)
    await storage.close()
    chat = fake_telegram.add_private_chat()
    with ReaderDisk(path) as disk:
        async with running_service(write_config(tmp_path, fake_telegram)) as service:
            assert service.storage is not None
            with disk.failing():
                said = (await ask(fake_telegram, chat.id, "/search الحكومة")).plain_text
                fake_telegram.inject_inline_query("الحكومة")
                [inline] = await fake_telegram.wait_for_inline_answers(1)
            assert said == rtl_text(UNAVAILABLE)
            assert inline.results == [] and inline.button is not None
            assert inline.button["text"] == present.INLINE_UNAVAILABLE
            # (the other readers fail too meanwhile, the delivery worker's included)
            logged = [r for r in caplog.records if r.levelno >= logging.WARNING
                      and r.name in ("handlers.search", "handlers.inline")]
            assert [(r.name, r.exc_info) for r in logged] == [
                ("handlers.search", None), ("handlers.inline", None)]
            assert all("(SQLITE_IOERR)" in r.getMessage() for r in logged), logged
            found = await ask(fake_telegram, chat.id, "/search الحكومة")
            assert "1–" in (found.plain_text or "")
