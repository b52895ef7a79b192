"""What every chat command checks first: who may change a chat, and is it registered.

In private chats the user manages their own chat. In groups and supergroups only the
chat's administrators (creator included, and admins posting anonymously as the group)
may change subscriptions and settings; in channels, commands arrive as channel posts,
which only administrators can write, and buttons are checked against the channel's
administrators. Answers of getChatMember are cached for ``ADMIN_TTL`` seconds per
(chat, user) in the application's ``bot_data``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.services import get_services
from bot.storage import Chat
from handlers.common import reply

log = logging.getLogger(__name__)

ADMIN_TTL = 60.0
ADMIN_STATUSES = ("creator", "administrator")
NOT_ADMIN = "عذرًا، تغيير اشتراكات هذه المجموعة وإعداداتها متاح لمشرفيها فقط."
NOT_REGISTERED = "هذه المحادثة غير مسجّلة بعد؛ أرسل /start أولًا."


def argument(update: Update) -> str:
    """The text after the command (``/cmd@bot args`` -> ``args``), stripped."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def is_admin(bot: Bot, bot_data: dict[str, Any], chat_id: int, user_id: int) -> bool:
    """Is ``user_id`` an administrator of ``chat_id`` (cached briefly)?"""
    cache: dict[tuple[int, int], tuple[float, bool]] = bot_data.setdefault("admin_cache", {})
    now = time.monotonic()
    hit = cache.get((chat_id, user_id))
    if hit is not None and hit[0] > now:
        return hit[1]
    try:
        member = await bot.get_chat_member(chat_id, user_id)
        allowed = member.status in ADMIN_STATUSES
    except TelegramError as exc:
        log.warning("handlers: getChatMember %s/%s failed: %s", chat_id, user_id, exc)
        return False
    if len(cache) > 10_000:
        cache.clear()
    cache[(chat_id, user_id)] = (now + ADMIN_TTL, allowed)
    return allowed


def forget_admins(bot_data: dict[str, Any], chat_id: int) -> None:
    """Drop the cached answers that name ``chat_id`` (after /forget): the chat's
    administrators, and a private chat's user as an administrator elsewhere."""
    cache: dict[tuple[int, int], tuple[float, bool]] = bot_data.get("admin_cache", {})
    for key in [k for k in cache if chat_id in k]:
        del cache[key]


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """May the sender of this command change the chat's subscriptions and settings?"""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return False
    if chat.type == "private" or update.channel_post is not None:
        return True
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin posting as the group
    user = update.effective_user
    if user is None:
        return False
    return await is_admin(context.bot, context.bot_data, chat.id, user.id)


async def registered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Chat | None:
    """The chat's record; None after telling the chat to send /start first.

    A chat deactivated because Telegram refused sends (blocked, kicked ...) is active
    again: it is talking to us, so the block is over. A chat that asked for /stop stays
    stopped until /start or a new subscription."""
    chat = update.effective_chat
    if chat is None:
        return None
    storage = get_services(context).storage
    record = await storage.chats.get(chat.id)
    if record is None:
        await reply(update, NOT_REGISTERED)
        return None
    if not record.active and record.deactivated_reason != "stopped":
        await storage.chat_settings.reactivate(chat.id)
        record = await storage.chats.get(chat.id) or record
    return record


async def managed_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Chat | None:
    """For commands that change the chat: admin check, then :func:`registered`."""
    if not await may_manage(update, context):
        await reply(update, NOT_ADMIN)
        return None
    return await registered(update, context)
