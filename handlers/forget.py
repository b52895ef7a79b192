"""/forget: delete everything stored about the chat, after a confirmation button.

The buttons carry signed callback data (kind ``fg``: ``fg:y`` delete, ``fg:n`` keep); in
groups and channels only administrators may press "yes". Pressing an old button after
the data is gone just says there is nothing stored.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.render.bidi import rtl_text
from bot.services import Services, get_services
from handlers.common import COMMAND_UPDATES, answer, reply
from handlers.guard import is_admin, managed_chat

COMMANDS = [("forget", "حذف كل بيانات هذه المحادثة")]
FORGET_ASK = ("سيُحذف كل ما نحفظه عن هذه المحادثة: الاشتراكات والإعدادات وسجل الإرسال.\n"
              "هل تريد المتابعة؟")
FORGOTTEN = "🗑 حُذفت بيانات هذه المحادثة. إن أردت العودة فأرسل /start."
FORGET_CANCELLED = "أُلغي الحذف؛ لم يتغيّر شيء."
NOTHING_STORED = "لا توجد بيانات محفوظة لهذه المحادثة."
STALE_BUTTON = "هذا الزر لم يعد صالحًا."
ADMINS_ONLY = "هذا الخيار لمشرفي المحادثة فقط."


def _forget_keyboard(services: Services) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("🗑 نعم، احذف", callback_data=services.callbacks.encode("fg", "y")),
        InlineKeyboardButton("إلغاء", callback_data=services.callbacks.encode("fg", "n")),
    ]])


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    services = get_services(context)
    if chat is None or await managed_chat(update, context) is None:
        return
    await reply(update, FORGET_ASK, reply_markup=_forget_keyboard(services))


async def forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    services = get_services(context)
    decoded = services.callbacks.decode(query.data, "fg")
    message = query.message
    if decoded is None or decoded[1] not in (["y"], ["n"]) or message is None:
        await answer(query, STALE_BUTTON)
        return
    chat = message.chat
    if chat.type != "private" and not await is_admin(context.bot, context.bot_data, chat.id,
                                                     query.from_user.id):
        await answer(query, ADMINS_ONLY, show_alert=True)
        return
    if decoded[1] == ["n"]:
        text = FORGET_CANCELLED
    else:  # once no send to the chat is under way: the answer is its last message
        forgotten = await services.without_sends(
            chat.id, lambda: services.storage.chat_settings.forget(chat.id))
        text = FORGOTTEN if forgotten else NOTHING_STORED
    await answer(query)
    try:
        await query.edit_message_text(rtl_text(text))
    except TelegramError:  # too old to edit, or already says so: the answer is enough
        await reply(update, text)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(CommandHandler("forget", forget, filters=COMMAND_UPDATES))
    app.add_handler(CallbackQueryHandler(forget_button, pattern=r"^fg:"))
    return COMMANDS
