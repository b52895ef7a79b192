"""Inline mode: ``@bot QUERY`` in any chat lists matching articles.

Each result is an article whose message is the full news message (headline, summary,
dates, link) with the four share buttons, as delivery sends it. Up to 20 a page, more
through ``next_offset`` (the page number; anything else in ``offset`` is treated as the
end). An empty query lists the newest articles. A query that cannot run, or finds
nothing, gets no results and a button above the (empty) list saying why. Titles,
descriptions and that button are laid out right to left like every reply
(``bot.render.bidi.rtl_text``); the message is the news message, marked already. Answers
are cached by Telegram for a few seconds.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, InlineQueryHandler

from bot.errors import InvalidSearchQuery, NewsbotError
from bot.render.bidi import rtl_text
from bot.render.markup import to_reply_markup
from bot.search import present
from bot.search.query import parse_query
from bot.search.ranking import SearchPage
from bot.services import Services, get_services

log = logging.getLogger(__name__)

CACHE_SECONDS = 10
MAX_PAGES = 10  # 200 results, the ranked pool
DEFAULT_TZ = "Asia/Riyadh"
START_PARAMETER = "search"


def page_number(offset: str | None) -> int | None:
    """The page an inline ``offset`` asks for: 0 for none, None when it is not ours."""
    if not offset:
        return 0
    if offset.isdecimal() and len(offset) <= 3 and int(offset) < MAX_PAGES:
        return int(offset)
    return None


def to_result(item: present.InlineItem) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=item.id,
        title=item.title,
        description=item.description,
        input_message_content=InputTextMessageContent(item.message, parse_mode=ParseMode.HTML),
        reply_markup=to_reply_markup(item.buttons),
        thumbnail_url=item.thumbnail_url,
    )


async def inline_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    iq = update.inline_query
    if iq is None:
        return
    services = get_services(context)
    number = page_number(iq.offset)
    notice: str | None = None
    results: list[InlineQueryResultArticle] = []
    next_offset = ""
    if number is not None:
        try:
            page, keys = await _page(services, iq.query or "", number)
            results = [to_result(present.inline_item(h, keys, DEFAULT_TZ)) for h in page.hits]
            if page.has_next and number + 1 < MAX_PAGES:
                next_offset = str(number + 1)
            if not results and number == 0:
                notice = present.NO_RESULTS_INLINE
        except InvalidSearchQuery as exc:
            notice = present.inline_invalid_text(exc.reason)
        except NewsbotError as exc:
            log.warning("search: inline query failed: %s", exc)
            notice = present.INLINE_UNAVAILABLE
    button = InlineQueryResultsButton(text=rtl_text(notice, html_text=False),
                                      start_parameter=START_PARAMETER) if notice else None
    try:
        await iq.answer(results, cache_time=CACHE_SECONDS, is_personal=False,
                        next_offset=next_offset, button=button)
    except TelegramError as exc:
        log.warning("search: answerInlineQuery failed: %s", exc)


async def _page(services: Services, raw: str, number: int) -> tuple[SearchPage, frozenset[str]]:
    size = present.INLINE_PAGE_SIZE
    if not raw.strip():
        return await services.storage.search.latest(offset=number * size, limit=size), frozenset()
    query = parse_query(raw)
    page = await services.storage.search.search(query, offset=number * size, limit=size)
    return page, query.highlight_keys()


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(InlineQueryHandler(inline_search))
    return []
