"""What every handler shares: the update filter for commands, safe replies and button
answers. Both lay the bot's Arabic copy out right to left (``bot.render.bidi.rtl_text``)."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Chat, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import filters

from bot.render.bidi import rtl_text

log = logging.getLogger(__name__)

#: New messages and channel posts; edits never re-run a command.
COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


def chat_of(update: Update) -> Chat | None:
    return update.effective_chat


async def reply(update: Update, html: str, **kwargs: object) -> None:
    """Reply in the chat the update came from (HTML parse mode). Errors are logged, not
    raised: a reply that cannot be delivered must not crash the handler."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await chat.get_bot().send_message(
            chat.id, rtl_text(html), parse_mode=ParseMode.HTML, disable_web_page_preview=True,
            **kwargs,  # type: ignore[arg-type]
        )
    except TelegramError as exc:
        log.warning("handlers: reply to chat %s failed: %s", chat.id, exc)


async def answer(query: CallbackQuery, text: str | None = None, *,
                 show_alert: bool = False) -> None:
    """Answer a button press (a toast, or an alert) with ``text`` laid out right to left."""
    await query.answer(rtl_text(text) if text else text, show_alert=show_alert)
