"""/stats (admins only): chats, subscriptions, today's articles and sends, the outbox,
the last poll and the feeds' health in one message. "Today" is in the chat's time zone."""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.admin.stats import day_start, render_stats
from bot.delivery.schedule import DEFAULT_TZ, valid_timezone
from bot.services import Services, get_services
from handlers.admin_guard import admin_only
from handlers.common import COMMAND_UPDATES, reply

COMMANDS = [("stats", "إحصاءات البوت")]


@admin_only("stats")
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    chat = update.effective_chat
    record = await services.storage.chats.get(chat.id) if chat else None
    tz = record.timezone if record is not None and valid_timezone(record.timezone) \
        else DEFAULT_TZ
    now = time.time()
    figures = await services.storage.admin.stats(day_start(now, tz))
    await reply(update, render_stats(figures, now, tz))


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(CommandHandler("stats", stats, filters=COMMAND_UPDATES))
    return COMMANDS
