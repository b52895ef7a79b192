"""/sources: every source with a ✅/➕ toggle button, ten to a page.

Buttons carry signed callback data (``bot.callbacks``, kind ``src``): ``src:t:FEED:PAGE``
toggles a source, ``src:p:PAGE`` turns the page (the shared pager, ``bot.render.pager``).
A forged, edited or stale button (a source since removed) gets a polite answer and,
where it helps, a refreshed keyboard. In groups and channels only administrators may
toggle.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.callbacks import STALE_BUTTON, CallbackCodec
from bot.models import Button
from bot.render import truncate_words
from bot.render.bidi import rtl_text
from bot.render.markup import to_reply_markup
from bot.render.pager import numbers, pager_row, parse_page
from bot.render.truncate import clean_line
from bot.services import Services, get_services
from bot.storage import Feed
from bot.subscribers import manage
from handlers.common import COMMAND_UPDATES, answer, reply
from handlers.guard import is_admin, registered

log = logging.getLogger(__name__)

COMMANDS = [("sources", "المصادر مع أزرار الاشتراك")]
KIND = "src"
PAGE_SIZE = 10
NAME_LIMIT = 40
MAX_PAGE = 10_000

HEADER = ("<b>المصادر</b>{page}\n"
          "اضغط على مصدر للاشتراك فيه أو لإلغاء الاشتراك.\n✅ مشترك · ➕ غير مشترك")
NO_SOURCES = "لا توجد مصادر بعد."
STALE = f"{STALE_BUTTON} أرسل /sources لعرض القائمة من جديد."
GONE = "هذا المصدر لم يعد متاحًا."
ADMINS_ONLY = "هذا الخيار لمشرفي المحادثة فقط."
NEED_START = "أرسل /start أولًا لتسجيل هذه المحادثة."


def keyboard(codec: CallbackCodec, feeds: list[Feed], subscribed: set[int],
             page: int) -> tuple[InlineKeyboardMarkup | None, int, int]:
    """(keyboard, page shown, page count) for ``page`` (clamped)."""
    pages = max(1, -(-len(feeds) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows: list[tuple[Button, ...]] = []
    for feed in feeds[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]:
        mark = "✅" if feed.id in subscribed else "➕"
        name = truncate_words(clean_line(feed.name), NAME_LIMIT) or f"#{feed.id}"
        rows.append((Button(f"{mark} {name}",
                            callback_data=codec.encode(KIND, "t", feed.id, page)),))
    rows.append(pager_row(codec, KIND, page, has_next=page + 1 < pages))
    return to_reply_markup(rows), page, pages


def header(page: int, pages: int) -> str:
    return HEADER.format(page=f" (الصفحة {page + 1} من {pages})" if pages > 1 else "")


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await registered(update, context)
    if chat is None:
        return
    services = get_services(context)
    feeds = await services.storage.feeds.list()
    if not feeds:
        await reply(update, NO_SOURCES)
        return
    subscribed = await services.storage.subscriptions.feed_ids(chat.id)
    markup, page, pages = keyboard(services.callbacks, feeds, subscribed, 0)
    await reply(update, header(page, pages), reply_markup=markup)


def _parse(fields: list[str]) -> tuple[str, int, int] | None:
    """("t", feed, page) or ("p", 0, page) from genuine but possibly odd fields."""
    turned = parse_page(fields)
    if turned is not None:
        return "p", 0, min(turned[1], MAX_PAGE)
    toggled = numbers(fields[1:]) if fields[:1] == ["t"] and len(fields) == 3 else None
    if toggled is not None:
        return "t", toggled[0], min(toggled[1], MAX_PAGE)
    return None


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    services = get_services(context)
    decoded = services.callbacks.decode(query.data, KIND)
    parsed = _parse(decoded[1]) if decoded else None
    message = query.message
    if parsed is None or message is None:
        await answer(query, STALE)
        return
    action, feed_id, page = parsed
    chat = message.chat
    if chat.type != "private" and not await is_admin(context.bot, context.bot_data, chat.id,
                                                     query.from_user.id):
        await answer(query, ADMINS_ONLY, show_alert=True)
        return
    storage = services.storage
    if await storage.chats.get(chat.id) is None:
        await answer(query, NEED_START, show_alert=True)
        return
    note = None
    if action == "t":
        result = await services.without_sends(  # see /unsubscribe
            chat.id, lambda: manage.toggle_feed(storage, chat.id, feed_id))
        if result is None:
            note = GONE
        else:
            done, name = result
            short = truncate_words(clean_line(name), NAME_LIMIT)
            note = (f"تم الاشتراك في «{short}»." if done == "added"
                    else f"أُلغي الاشتراك في «{short}».")
    await answer(query, note)
    feeds = await storage.feeds.list()
    subscribed = await storage.subscriptions.feed_ids(chat.id)
    markup, page, pages = keyboard(services.callbacks, feeds, subscribed, page)
    if feeds and isinstance(message, Message) and markup == message.reply_markup:
        return  # a double tap, a stale page: Telegram refuses an edit that changes nothing
    try:
        await query.edit_message_text(rtl_text(header(page, pages) if feeds else NO_SOURCES),
                                      parse_mode="HTML", reply_markup=markup)
    except TelegramError as exc:  # "message is not modified", too old to edit: the answer
        log.info("handlers: /sources keyboard not updated: %s", exc)  # above is enough


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(CommandHandler("sources", sources, filters=COMMAND_UPDATES))
    app.add_handler(CallbackQueryHandler(button, pattern=f"^{KIND}:"))
    return COMMANDS
