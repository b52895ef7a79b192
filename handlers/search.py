"""/search QUERY and its paging buttons (``bot.render.pager``, callback kind ``s``).

Thin: parse with :func:`bot.search.query.parse_query`, run ``storage.search``, format with
:mod:`bot.search.present`. Every input gets a reply: usage for a bare /search, a helpful
Arabic line for a query that cannot run, suggestions for one that finds nothing. The
query behind a button is kept on the server (``search_queries``); the button carries
only (query id, page), signed, so a forged or stale button gets a polite answer.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.errors import InvalidSearchQuery, NewsbotError, StorageFull
from bot.render.markup import to_reply_markup
from bot.search import present
from bot.search.query import Query, broader, parse_query, stopword_list
from bot.services import Services, get_services
from handlers.common import COMMAND_UPDATES, answer, reply

log = logging.getLogger(__name__)

COMMANDS: list[tuple[str, str]] = [("search", "البحث في أرشيف الأخبار")]
DEFAULT_TZ = "Asia/Riyadh"
MAX_PAGE = 60  # 5 a page: far beyond the ranked pool, so only forged pages reach it
MAX_SUGGESTIONS = 3
UNAVAILABLE = "تعذّر البحث الآن. حاول مرة أخرى بعد قليل."


def command_argument(text: str | None) -> str:
    """What follows ``/search`` (or ``/search@bot``) in the message."""
    parts = (text or "").split(None, 1)
    return parts[1] if len(parts) > 1 else ""


async def _timezone(services: Services, chat_id: int) -> str:
    chat = await services.storage.chats.get(chat_id)
    return chat.timezone if chat is not None else DEFAULT_TZ


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    services = get_services(context)
    raw = command_argument(message.text)
    if not raw.strip():
        await reply(update, present.usage(services.bot_username))
        return
    try:
        query = parse_query(raw)
    except InvalidSearchQuery as exc:
        words = stopword_list(raw) if exc.reason == "stopwords" else ()
        await reply(update, present.invalid_message(exc.reason, words))
        return
    try:
        text, buttons = await first_page(services, raw, query, chat.id)
    except NewsbotError as exc:
        log.warning("search: /search failed in chat %s: %s", chat.id, exc)
        await reply(update, UNAVAILABLE)
        return
    await reply(update, text, reply_markup=to_reply_markup(buttons))


async def first_page(services: Services, raw: str, query: Query, chat_id: int
                     ) -> tuple[str, tuple]:
    """The reply to a new search: the first page, or "no results" with suggestions."""
    search = services.storage.search
    page = await search.search(query, offset=0, limit=present.PAGE_SIZE)
    if page.hits:
        tz = await _timezone(services, chat_id)
        buttons: tuple = ()
        if page.has_next:
            try:
                qid = await search.save_query(raw, chat_id)
            except StorageFull:  # the disk is full: the first page, without paging
                qid = None
            if qid is not None:
                buttons = present.paging_buttons(services.callbacks, qid, page,
                                                 present.PAGE_SIZE)
        return present.results_message(raw, query, page, tz), buttons
    return await no_results(services, raw, query, chat_id)


async def no_results(services: Services, raw: str, query: Query, chat_id: int
                     ) -> tuple[str, tuple]:
    search = services.storage.search
    unknown_source = bool(query.sources) and not await search.has_results(
        Query(sources=query.sources))
    sources = await search.source_names() if unknown_source else []
    found: list[Query] = []
    for candidate in broader(query)[:8]:
        if len(found) >= MAX_SUGGESTIONS:
            break
        if await search.has_results(candidate):
            found.append(candidate)
    try:
        saved = [(await search.save_query(q.display(), chat_id), q) for q in found]
    except StorageFull:  # the disk is full: the suggestions, without their buttons
        saved = []
    text = present.no_results_message(raw, found, unknown_source, sources)
    return text, present.suggestion_buttons(services.callbacks, saved)


async def _answer(cq: CallbackQuery, text: str | None = None) -> None:
    try:
        await answer(cq, text)  # (a press Telegram no longer waits for: logged, no more)
    except TelegramError as exc:
        log.info("search: answerCallbackQuery failed: %s", exc)


async def page_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A page or suggestion button: show that page of the saved query, in place."""
    cq = update.callback_query
    if cq is None:
        return
    services = get_services(context)
    parsed = present.parse_callback(services.callbacks, cq.data)
    if parsed is None or parsed[1] > MAX_PAGE:
        await _answer(cq, present.FORGED)
        return
    qid, number = parsed
    try:
        saved = await services.storage.search.load_query(qid)
        if saved is None or (saved[1] is not None and saved[1] != _chat_id(cq)):
            await _answer(cq, present.EXPIRED)  # forgotten, or made for another chat
            return
        raw = saved[0]
        try:
            query = parse_query(raw)
        except InvalidSearchQuery:
            await _answer(cq, present.EXPIRED)
            return
        page = await services.storage.search.search(
            query, offset=number * present.PAGE_SIZE, limit=present.PAGE_SIZE)
        if not page.hits:
            if number == 0:
                text, buttons = await no_results(services, raw, query, _chat_id(cq))
                await _edit(cq, text, buttons)
                await _answer(cq)
            else:
                await _answer(cq, present.NO_MORE)
            return
        tz = await _timezone(services, _chat_id(cq)) if cq.message else DEFAULT_TZ
        text = present.results_message(raw, query, page, tz)
        buttons = present.paging_buttons(services.callbacks, qid, page, present.PAGE_SIZE)
    except NewsbotError as exc:
        log.warning("search: paging failed: %s", exc)
        await _answer(cq, UNAVAILABLE)
        return
    await _edit(cq, text, buttons)
    await _answer(cq)


def _chat_id(cq: CallbackQuery) -> int:
    message = cq.message
    return message.chat.id if message is not None else 0


async def _edit(cq: CallbackQuery, text: str, buttons: tuple) -> None:
    try:
        await cq.edit_message_text(text, parse_mode=ParseMode.HTML,
                                   reply_markup=to_reply_markup(buttons),
                                   disable_web_page_preview=True)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.warning("search: editing the results failed: %s", exc)
    except TelegramError as exc:
        log.warning("search: editing the results failed: %s", exc)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    """Add /search and its buttons; return the menu entry."""
    app.add_handler(CommandHandler("search", search_command, filters=COMMAND_UPDATES))
    app.add_handler(CallbackQueryHandler(page_callback, pattern=r"^s:"))
    return COMMANDS
