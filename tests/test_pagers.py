"""Every paged list turns its pages with the same row (``bot.render.pager``): the same
labels in the same order, the same callback-data convention (``KIND:p:STATE…:PAGE``),
and buttons of messages sent before it (``s:QID:PAGE``) still work; bad data gets an
Arabic answer. The paged lists: /sources and /search (/latest, /mysubs and /feeds are
not paged: they answer in one message, or several when long)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.callbacks import CallbackCodec, new_key
from bot.render.bidi import rtl_text
from bot.render.pager import NEXT_LABEL, PAGE, PREV_LABEL
from bot.search import present
from bot.search.ranking import Hit, SearchPage
from handlers import sources
from tests.admin_helpers import admin_config
from tests.fakes.telegram import FakeTelegram
from tests.news import ask, store
from tests.service import running_service
from tests.test_admin_feeds import add_feeds
from tests.test_admin_units import _feed
from tests.test_search_storage import ARTICLES

CODEC = CallbackCodec(new_key())
FIRST, MIDDLE, LAST = [NEXT_LABEL], [NEXT_LABEL, PREV_LABEL], [PREV_LABEL]


def _sources_pager(page: int) -> list[tuple[str, str]]:
    feeds = [_feed(i, f"مصدر {i}") for i in range(1, 26)]  # three pages of ten
    markup, shown, pages = sources.keyboard(CODEC, feeds, set(), page)
    assert markup is not None and (shown, pages) == (page, 3)
    nav = markup.inline_keyboard[-1]
    return [(b.text, str(b.callback_data)) for b in nav]


def _search_pager(page: int) -> list[tuple[str, str]]:
    hits = tuple(Hit(a, 1.0) for a in ARTICLES[:5])
    [row] = present.paging_buttons(CODEC, 42, SearchPage(hits, page * 5, 15), 5)
    return [(b.text, str(b.callback_data)) for b in row]


def test_every_pager_has_the_same_labels_order_and_data() -> None:
    for pager, kind, state in ((_sources_pager, "src", []), (_search_pager, "s", ["42"])):
        for page, labels in ((0, FIRST), (1, MIDDLE), (2, LAST)):
            row = pager(page)
            assert [label for label, _ in row] == labels, (kind, page)
            turns = [page + 1] * (NEXT_LABEL in labels) + [page - 1] * (PREV_LABEL in labels)
            assert [CODEC.decode(data) for _, data in row] == [
                (kind, [PAGE, *state, str(n)]) for n in turns]


def _nav(message: dict[str, Any]) -> dict[str, str]:
    """The last row of a message's keyboard (as the fake holds it now): label -> data."""
    return {b["text"]: b["callback_data"] for b in message["reply_markup"]["inline_keyboard"][-1]}


async def test_pagers_turn_and_old_or_bad_buttons_get_an_answer(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [], feeds=[])) as service:
        await add_feeds(service, *[(f"https://s{i}.example/rss", f"مصدر {i}", "admin", False)
                                   for i in range(25)])
        for i in range(12):
            await store(service, f"الحكومة تعلن القرار رقم {i}", wake=False)
        await ask(fake, chat.id, "/start")
        listing = await ask(fake, chat.id, "/sources")
        results = await ask(fake, chat.id, "/search الحكومة")
        pagers = {listing.message_id: _nav(fake.message(chat.id, listing.message_id)),
                  results.message_id: _nav(fake.message(chat.id, results.message_id))}
        assert [list(nav) for nav in pagers.values()] == [FIRST, FIRST]

        codec = service.services.callbacks
        qid = int(codec.decode(pagers[results.message_id][NEXT_LABEL])[1][1])  # type: ignore[index]
        presses = [  # (message, data, the answer's text, what the message shows after)
            (listing.message_id, pagers[listing.message_id][NEXT_LABEL], None, "(الصفحة 2 من 3)"),
            (results.message_id, pagers[results.message_id][NEXT_LABEL], None, "6–10 من"),
            # an old message's buttons: /search's before the shared pager, /sources' as ever
            (results.message_id, codec.encode("s", qid, 2), None, "11–12 من"),
            (listing.message_id, codec.encode("src", "p", 2), None, "(الصفحة 3 من 3)"),
            # bad data: an answer in Arabic, nothing edited
            (results.message_id, codec.encode("s", "p", qid), present.FORGED, None),
            (results.message_id, f"s:p:{qid}:1:AAAAAAAAAAA", present.FORGED, None),
            (listing.message_id, codec.encode("src", "p", "x"), sources.STALE, None),
            (listing.message_id, codec.encode("src", "p"), sources.STALE, None),
        ]
        for n, (message_id, data, said, shown) in enumerate(presses, 1):
            edits = len(fake.edits(chat.id))
            fake.inject_callback(chat.id, message_id, data)
            answer = (await fake.wait_for_callback_answers(n))[-1]
            assert answer.text == (rtl_text(said) if said else None), data
            if shown:
                [edit] = (await fake.wait_for_edits(chat.id, edits + 1))[edits:]
                assert edit.message_id == message_id and shown in (edit.plain_text or ""), data
        assert [list(_nav(fake.message(chat.id, m))) for m in pagers] == [LAST, LAST]
        assert len(fake.edits(chat.id)) == 4
    fake.assert_no_rate_limits()
