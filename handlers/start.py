"""/start and /help."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.services import Services, get_services
from handlers.common import COMMAND_UPDATES, reply

COMMANDS: list[tuple[str, str]] = [
    ("start", "بدء استقبال الأخبار"),
    ("help", "قائمة الأوامر"),
]

WELCOME_NEW = (
    "<b>أهلًا بك في بوت الأخبار!</b>\n\n"
    "اشتركتَ في المصادر الافتراضية ({count})، وستصلك أخبارها فور نشرها.\n"
    "لعرض الأوامر كلها: /help."
)
WELCOME_BACK = (
    "<b>أهلًا بعودتك!</b>\n\n"
    "اشتراكاتك محفوظة وستصلك الأخبار من جديد. لعرض الأوامر كلها: /help."
)


def help_text(commands: list[tuple[str, str]]) -> str:
    """The /help text, built from the commands the application actually registered."""
    lines = ["<b>الأوامر المتاحة</b>", ""]
    lines += [f"/{name} — {escape(description)}" for name, description in commands]
    return "\n".join(lines)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    services = get_services(context)
    title = chat.title or chat.full_name
    record, is_new = await services.storage.chats.register(chat.id, chat.type, title,
                                                           chat.username)
    if is_new:
        count = len(await services.storage.subscriptions.list(record.id))
        await reply(update, WELCOME_NEW.format(count=count))
    else:
        await reply(update, WELCOME_BACK)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    await reply(update, help_text(services.commands))


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    """Add this module's handlers; return its (command, description) menu entries."""
    app.add_handler(CommandHandler("start", start, filters=COMMAND_UPDATES))
    app.add_handler(CommandHandler("help", help_command, filters=COMMAND_UPDATES))
    return COMMANDS
