"""/start and /help."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.services import Services, get_services
from bot.subscribers import manage
from handlers.admin import admin_help
from handlers.common import COMMAND_UPDATES, reply
from handlers.guard import NOT_ADMIN, may_manage

COMMANDS: list[tuple[str, str]] = [
    ("start", "بدء استقبال الأخبار"),
    ("help", "قائمة الأوامر وأمثلة عليها"),
]

WELCOME_NEW = (
    "<b>أهلًا بك في بوت الأخبار!</b>\n\n"
    "تم الاشتراك في المصادر الافتراضية ({count})، وستصل أخبارها فور نشرها.\n"
    "لاختيار المصادر: /sources، ولمتابعة موضوع: /subscribe كلمة.\n"
    "لعرض الأوامر كلها: /help."
)
WELCOME_BACK = (
    "<b>أهلًا بعودتك!</b>\n\n"
    "الاشتراكات محفوظة وستصل الأخبار من جديد. لعرض الأوامر كلها: /help."
)
WELCOME_RESTARTED = (
    "<b>أهلًا بعودتك!</b>\n\n"
    "أُعيد الاشتراك في المصادر الافتراضية ({count})، وستصل أخبارها من جديد.\n"
    "لعرض الأوامر كلها: /help."
)
EXAMPLES = (
    "<b>أمثلة</b>\n"
    "/subscribe الأمم المتحدة — أخبار تذكر هذه الكلمات\n"
    "/subscribe #اقتصاد، رياضة — وسم وتصنيف معًا\n"
    "/unsubscribe الأمم المتحدة\n"
    "/latest 10 — آخر عشرة أخبار\n"
    "/digest daily 08:00 — موجز يومي بدلًا من رسالة لكل خبر\n"
    "/quiet 23:00-07:00 — إرسال بلا تنبيه ليلًا\n"
    "/timezone Africa/Cairo — المنطقة الزمنية للمواعيد\n\n"
    "في المجموعات يغيّر الإعدادات مشرفوها فقط، ويُكتب الأمر هكذا: /subscribe@{bot} كلمة."
)


def help_text(commands: list[tuple[str, str]], bot_username: str = "") -> str:
    """The /help text, built from the commands the application actually registered."""
    lines = ["<b>الأوامر المتاحة</b>", ""]
    lines += [f"/{name} — {escape(description)}" for name, description in commands]
    lines += ["", EXAMPLES.format(bot=escape(bot_username or "اسم_البوت"))]
    return "\n".join(lines)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    if not await may_manage(update, context):
        await reply(update, NOT_ADMIN)
        return
    services = get_services(context)
    title = chat.title or chat.full_name
    _, how, count = await manage.start(services.storage, chat.id, chat.type, title,
                                       chat.username)
    text = {"new": WELCOME_NEW, "restarted": WELCOME_RESTARTED}.get(how, WELCOME_BACK)
    await reply(update, text.format(count=count))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    text = help_text(services.commands, services.bot_username)
    user, chat = update.effective_user, update.effective_chat
    if services.admin_commands and user is not None and chat is not None \
            and chat.type == "private" and services.is_admin(user.id):
        text += "\n\n" + admin_help(services.admin_commands)  # not shown in groups
    await reply(update, text)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    """Add this module's handlers; return its (command, description) menu entries."""
    app.add_handler(CommandHandler("start", start, filters=COMMAND_UPDATES))
    app.add_handler(CommandHandler("help", help_command, filters=COMMAND_UPDATES))
    return COMMANDS
