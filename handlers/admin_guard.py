"""Who may use the admin commands: the user ids of ``telegram.admins``, nobody else.

Anyone else (a channel post has no user at all) gets a polite Arabic refusal, and the
attempt is logged at WARNING with the user id, chat id and command, never the message
text. An admin's command works in any chat; its replies (previews, progress) go to
that chat.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.services import Services, get_services
from handlers.common import reply

log = logging.getLogger(__name__)

REFUSED = "عذرًا، هذا الأمر متاح لمشرفي البوت فقط."
REFUSED_BUTTON = "عذرًا، هذا الزر لمشرفي البوت فقط."

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def log_refusal(update: Update, what: str) -> None:
    user, chat = update.effective_user, update.effective_chat
    log.warning("admin: refused %s for user %s in chat %s (not an admin)", what,
                user.id if user else None, chat.id if chat else None)


def admin_user(update: Update, services: Services) -> int | None:
    """The sender's user id when they are an admin, else None."""
    user = update.effective_user
    if user is None or update.channel_post is not None or user.is_bot:
        return None
    return user.id if services.is_admin(user.id) else None


def admin_only(command: str) -> Callable[[Handler], Handler]:
    """Decorate a command handler: non-admins get :data:`REFUSED` (and a log line)."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            if admin_user(update, get_services(context)) is None:
                log_refusal(update, f"/{command}")
                await reply(update, REFUSED)
                return
            await handler(update, context)

        return guarded

    return wrap
