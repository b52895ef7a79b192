"""The admin commands (users listed in ``telegram.admins``; see ``admin_guard.py``):
/broadcast, /feeds, /addfeed, /delfeed, /pausefeed, /resumefeed, /stats.

They are not in the public command menu: at start each admin's private chat gets a menu
with the user commands plus these (``setMyCommands`` with a chat scope; an admin who
never opened the bot has no such chat yet, which is logged and skipped), and /help adds
them for admins. Registered before ``handlers.unknown``, so they are known commands.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.services import Services, get_services
from handlers import admin_broadcast, admin_feeds, admin_stats

log = logging.getLogger(__name__)

MODULES = (admin_broadcast, admin_feeds, admin_stats)


def admin_help(commands: list[tuple[str, str]]) -> str:
    """The /help section admins see."""
    lines = ["<b>أوامر المشرفين</b>"]
    lines += [f"/{name} — {escape(description)}" for name, description in commands]
    return "\n".join(lines)


async def _admin_menus(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    menu = [BotCommand(n, d) for n, d in services.commands + services.admin_commands]
    for admin in services.config.telegram.admins:
        try:
            await context.bot.set_my_commands(menu, scope=BotCommandScopeChat(admin))
        except TelegramError as exc:
            log.info("admin: no command menu for admin %s: %s", admin, exc)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    """Add the admin handlers; they stay out of the public menu (returns [])."""
    commands: list[tuple[str, str]] = []
    for module in MODULES:
        commands += module.register(app, services)
    services.admin_commands = commands
    if services.config.telegram.admins and app.job_queue is not None:
        app.job_queue.run_once(_admin_menus, when=0, name="admin-menus")
    return []
