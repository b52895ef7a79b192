"""The bot's own membership and group migrations (no replies; state only).

- my_chat_member: removed from a group or channel (left/kicked), or blocked in a private
  chat -> the chat is deactivated and its pending rows dropped; added back or unblocked ->
  a known chat is active again (an unknown chat waits for /start).
- A basic group upgraded to a supergroup (service message with migrate_to_chat_id, or
  migrate_from_chat_id in the new chat) -> the chat moves to the new id, keeping its
  subscriptions, settings and pending rows.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ChatMemberHandler, ContextTypes, MessageHandler, filters

from bot.services import Services, get_services

log = logging.getLogger(__name__)

GONE = ("left", "kicked")


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None:
        return
    chat, status = change.chat, change.new_chat_member.status
    settings = get_services(context).storage.chat_settings
    if status in GONE:
        reason = "blocked" if chat.type == "private" else status
        dropped = await settings.deactivate(chat.id, reason)
        log.info("handlers: bot %s in chat %s; deactivated, %d row(s) dropped", status,
                 chat.id, dropped)
    elif status in ("member", "administrator") and await settings.reactivate(chat.id):
        log.info("handlers: bot is %s in chat %s again; reactivated", status, chat.id)


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await get_services(context).storage.chat_settings.migrate(old, new):
        log.info("handlers: group %s became supergroup %s; chat moved", old, new)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    return []
