"""/latest [n]: the newest n (default 5, at most 20) articles matching the chat's
subscriptions, as one list of linked headlines (split if longer than a message).

Articles listed here are marked as delivered to the chat: their outbox rows still to
send (pending, or claimed by the worker and not sent yet) become ``sent`` (with this
message's id), so the worker does not push the same story a moment later. Articles the
chat already received may be listed again: /latest answers "what is new", not "what did
I miss".
"""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.delivery.digest_render import render_latest
from bot.services import Services, get_services
from handlers.common import COMMAND_UPDATES, reply
from handlers.guard import argument, registered

log = logging.getLogger(__name__)

COMMANDS = [("latest", "أحدث الأخبار المطابقة لاشتراكاتك")]
DEFAULT_N = 5
MAX_N = 20
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

USAGE = ("<b>أحدث الأخبار</b>\nاكتب عدد الأخبار بعد الأمر (من 1 إلى 20)، مثل:\n"
         "/latest\n/latest 10")
NO_SUBS = "لا توجد اشتراكات في هذه المحادثة بعد. جرّب /sources أو /subscribe كلمة."
NOTHING = "لا توجد أخبار مطابقة لاشتراكاتك حتى الآن."


def parse_count(text: str) -> int | None:
    """``""`` -> 5; ``"10"``/``"١٠"`` -> 10; None when not a number from 1 to 20."""
    text = text.strip().translate(_DIGITS)
    if not text:
        return DEFAULT_N
    if not text.isdecimal() or len(text) > 3:
        return None
    n = int(text)
    return n if 1 <= n <= MAX_N else None


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    n = parse_count(argument(update))
    if n is None:
        await reply(update, USAGE)
        return
    chat = await registered(update, context)
    if chat is None:
        return
    services = get_services(context)
    storage = services.storage
    if not await storage.subscriptions.count(chat.id):
        await reply(update, NO_SUBS)
        return

    async def answer() -> None:
        articles = await storage.latest.for_chat(chat.id, n)
        if not articles:
            await reply(update, NOTHING)
            return
        first = None
        for chunk in render_latest(articles):
            try:
                msg = await context.bot.send_message(
                    chat.id, chunk, parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True))
            except TelegramError as exc:
                log.warning("handlers: /latest to chat %s failed: %s", chat.id, exc)
                return
            first = first or msg.message_id
        if first is not None:
            await storage.latest.cover(chat.id, articles, first)

    # while no send to the chat is under way: a row the worker claimed for a story the
    # list shows is covered like a pending one, not pushed a moment later
    await services.without_sends(chat.id, answer)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(CommandHandler("latest", latest, filters=COMMAND_UPDATES))
    return COMMANDS
