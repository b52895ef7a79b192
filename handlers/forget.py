"""/forget: delete everything stored about the chat, after a confirmation button: the
chat, its subscriptions, settings and rows to send, its saved searches, and its id in
broadcasts (``bot.storage._chat_settings.forget``); then, after the answer, what the
running service keeps of it in memory (``bot.forgetting``, and the admin checks cached
here). Any chat with something stored may ask, registered or not (an admin's private
chat may hold only their broadcasts).

The buttons carry signed callback data (kind ``fg``: ``fg:y`` delete, ``fg:n`` keep); in
groups and channels only administrators may press "yes". Pressing an old button after
the data is gone just says there is nothing stored.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.callbacks import STALE_BUTTON
from bot.forgetting import forget_in_memory
from bot.render.bidi import rtl_text
from bot.services import Services, get_services
from bot.storage import Forgotten
from handlers.common import COMMAND_UPDATES, answer, reply
from handlers.guard import NOT_ADMIN, NOT_REGISTERED, forget_admins, is_admin, may_manage

COMMANDS = [("forget", "حذف كل بيانات هذه المحادثة")]
FORGET_ASK = ("سيُحذف كل ما نحفظه عن هذه المحادثة: الاشتراكات والإعدادات وسجل الإرسال.\n"
              "هل تريد المتابعة؟")
FORGOTTEN = "🗑 حُذفت بيانات هذه المحادثة. إن أردت العودة فأرسل /start."
FORGET_CANCELLED = "أُلغي الحذف؛ لم يتغيّر شيء."
NOTHING_STORED = "لا توجد بيانات محفوظة لهذه المحادثة."
ADMINS_ONLY = "هذا الخيار لمشرفي المحادثة فقط."


def _forget_keyboard(services: Services) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("🗑 نعم، احذف", callback_data=services.callbacks.encode("fg", "y")),
        InlineKeyboardButton("إلغاء", callback_data=services.callbacks.encode("fg", "n")),
    ]])


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    services = get_services(context)
    if chat is None:
        return
    if not await may_manage(update, context):
        await reply(update, NOT_ADMIN)
        return
    # not only registered chats: one that never sent /start may have saved searches,
    # an admin's private chat broadcasts
    if not await services.storage.chat_settings.stored(chat.id):
        await reply(update, NOT_REGISTERED)
        return
    await reply(update, FORGET_ASK, reply_markup=_forget_keyboard(services))


async def _erase(services: Services, chat_id: int) -> bool:
    """Erase what is stored about the chat (False: nothing was), while no broadcast's
    progress message is being written (one may be in the chat); rows the worker claimed
    of a broadcast this stopped do not go either."""
    async def erase() -> Forgotten:
        return await services.storage.chat_settings.forget(chat_id)

    tracker = services.broadcasts
    forgotten = await (tracker.without_reports(erase) if tracker is not None else erase())
    if services.delivery is not None:
        for broadcast_id in forgotten.stopped:
            services.delivery.stop_broadcast(broadcast_id)
    return forgotten.found


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
        await _tell(update, query, FORGET_CANCELLED)
        return
    try:  # once no send to the chat is under way: the answer is its last message
        forgotten = await services.without_sends(chat.id, lambda: _erase(services, chat.id))
        await _tell(update, query, FORGOTTEN if forgotten else NOTHING_STORED)
    finally:  # after the chat's last message, which its send pacing notes
        forget_in_memory(context.application, chat.id)
        forget_admins(context.bot_data, chat.id)


async def _tell(update: Update, query: CallbackQuery, text: str) -> None:
    """Answer the button, and say ``text`` in its message (or a new one)."""
    await answer(query)
    try:
        await query.edit_message_text(rtl_text(text))
    except TelegramError:  # too old to edit, or already says so: the answer is enough
        await reply(update, text)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(CommandHandler("forget", forget, filters=COMMAND_UPDATES))
    app.add_handler(CallbackQueryHandler(forget_button, pattern=r"^fg:"))
    return COMMANDS
