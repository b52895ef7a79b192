"""Answers for what no other handler takes: unknown commands and unknown buttons.

Registered in a late handler group, so it sees every update after the real handlers;
it stays silent for anything another handler matches (commands of every module, the
callback patterns of every module), so it never doubles an answer.

- An unknown command gets a short Arabic pointer to /help, in private chats, or in
  groups and channels when it is addressed to this bot (/cmd@thisbot); a bare /cmd in a
  group may be meant for another bot.
- A button nobody handles (forged data, a feature since removed) gets a polite answer,
  so the user's client does not spin.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.callbacks import STALE_BUTTON
from bot.services import Services
from handlers.common import COMMAND_UPDATES, answer, reply

GROUP = 90  # after every other handler group
UNKNOWN = "لا أعرف الأمر {command}. أرسل /help لعرض الأوامر."


def _others(app: Application) -> list[BaseHandler]:
    return [h for group, handlers in app.handlers.items() if group != GROUP for h in handlers]


def _known_commands(app: Application) -> set[str]:
    known: set[str] = set()
    for handler in _others(app):
        if isinstance(handler, CommandHandler):
            known |= {c.lower() for c in handler.commands}
    return known


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    token = message.text.split(maxsplit=1)[0][1:]
    command, _, target = token.partition("@")
    me = (context.bot.username or "").lower()
    if target and target.lower() != me:
        return  # for another bot
    if not target and chat.type != "private":
        return
    if command.lower() in _known_commands(context.application):
        return
    shown = escape("/" + command[:32])
    await reply(update, UNKNOWN.format(command=shown))


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    for handler in _others(context.application):
        if isinstance(handler, CallbackQueryHandler) and handler.check_update(update):
            return
    await answer(query, STALE_BUTTON)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(MessageHandler(filters.COMMAND & COMMAND_UPDATES, unknown_command),
                    group=GROUP)
    app.add_handler(CallbackQueryHandler(unknown_button), group=GROUP)
    return []
