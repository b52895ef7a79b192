"""/broadcast: a text, an article URL or a copied message to every active chat.

    /broadcast TEXT          the text with the admin's formatting (bold, links …)
    /broadcast URL           the article at URL, fetched, extracted, summarized and
                             rendered like any news message (share buttons included)
    /broadcast (as a reply)  a copy of the replied-to message (copyMessage)

First a preview — exactly what each chat will get — and under it a message with
✅ تأكيد الإرسال / ❌ إلغاء (signed buttons ``bc:c:ID`` / ``bc:x:ID``). Confirming creates
the outbox rows in one transaction (``storage.broadcasts.confirm``): a second press, or
a press by anyone but the admin who made the draft, changes nothing and gets a polite
answer. The message with the buttons then becomes the progress message (edited by
``services.broadcasts``, see ``bot/admin/tracker.py``) with a ⏹ button that stops what
has not been sent (any admin may press it); it ends as the final report.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from telegram import LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.admin import AdminError
from bot.admin.args import body_html, parse_broadcast
from bot.admin.article import fetch_article
from bot.admin.broadcast import text_chunks
from bot.admin.buttons import CONFIRM, confirm_keyboard
from bot.admin.buttons import parse as parse_button
from bot.admin.errors import explain_error
from bot.admin.progress import Progress, render_final, render_preview_footer
from bot.callbacks import STALE_BUTTON
from bot.delivery.schedule import DEFAULT_TZ, valid_timezone
from bot.render import render_article
from bot.render.bidi import rtl_text
from bot.render.markup import to_reply_markup
from bot.services import Services, get_services
from bot.storage import BroadcastRecord
from handlers.admin_common import cpu_runner
from handlers.admin_guard import REFUSED_BUTTON, admin_only, log_refusal
from handlers.common import COMMAND_UPDATES, answer, reply
from handlers.guard import argument

log = logging.getLogger(__name__)

COMMANDS = [("broadcast", "بثّ رسالة أو خبر إلى كل المحادثات (بعد معاينة وتأكيد)")]

USAGE = (
    "<b>البث إلى كل المحادثات</b>\n"
    "/broadcast نص الرسالة — يُرسل النص بتنسيقه (عريض، مائل، روابط…)\n"
    "/broadcast رابط_الخبر — يُجلب الخبر من الرابط ويُلخَّص ويُرسل كأي خبر، مع أزرار المشاركة\n"
    "أو ردّ على أي رسالة بالأمر /broadcast لنسخها كما هي (صورة، فيديو، ملف…).\n\n"
    "تظهر أولًا معاينة لما سيصل بالضبط، مع زرّي «✅ تأكيد الإرسال» و«❌ إلغاء»."
)
FETCHING = "⏳ جارٍ جلب الخبر وتلخيصه…"
PREVIEW_FAILED = "⚠️ تعذّرت المعاينة، فأُلغي البث: {reason}"
NOT_COPYABLE = "لا يمكن نسخ هذه الرسالة، فأُلغي البث: {reason}"
ANSWERS = {
    "not_author": "هذه المعاينة لمشرف آخر؛ القرار فيها له وحده.",
    "sending": "تم تأكيد هذا البث من قبل، والإرسال جارٍ.",
    "done": "اكتمل هذا البث من قبل.",
    "cancelled": "أُلغي هذا البث من قبل؛ أرسل /broadcast من جديد.",
    "expired": "انتهت صلاحية هذه المعاينة؛ أرسل /broadcast من جديد.",
    "missing": STALE_BUTTON,
}
DISCARDED = "❌ <b>أُلغي البث #{id}</b>؛ لم يُرسل شيء."
EXPIRED = "⌛ <b>انتهت صلاحية معاينة البث #{id}</b>؛ لم يُرسل شيء."


async def _chat_tz(services: Services, chat_id: int) -> str:
    record = await services.storage.chats.get(chat_id)
    tz = record.timezone if record is not None else DEFAULT_TZ
    return tz if valid_timezone(tz) else DEFAULT_TZ


async def _source_name(services: Services, url: str) -> str | None:
    """The name of a feed on the same site as ``url`` (else the pipeline's site name)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    for feed in await services.storage.feeds.list():
        if host and (urlsplit(feed.url).hostname or "").removeprefix("www.") == host:
            return feed.name
    return None


# ---------------------------------------------------------------------------- previews

async def _preview_text(update: Update, services: Services, admin_id: int,
                        html: str) -> tuple[BroadcastRecord, int]:
    chunks = text_chunks(html)
    record = await services.storage.broadcasts.create(admin_id, "text", text=html)
    chat = update.effective_chat
    assert chat is not None
    last = len(chunks) - 1
    for i, chunk in enumerate(chunks):  # as the delivery worker sends them
        await chat.get_bot().send_message(
            chat.id, chunk, parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True) if i < last else None)
    return record, len(chunks)


async def _preview_article(update: Update, services: Services, admin_id: int,
                           url: str) -> tuple[BroadcastRecord, int]:
    assert services.fetcher is not None
    await reply(update, FETCHING)
    built = await fetch_article(url, services.fetcher, cpu_runner(services),
                                source=await _source_name(services, url))
    record = await services.storage.broadcasts.create_for_article(admin_id, built.article,
                                                                  built.fingerprint)
    assert record.article_id is not None
    article = await services.storage.articles.get(record.article_id)
    if article is None:  # pragma: no cover - deleted between two statements
        raise AdminError("اختفى الخبر المخزّن؛ حاول من جديد.")
    chat = update.effective_chat
    assert chat is not None
    msg = render_article(article, tz=await _chat_tz(services, chat.id))
    markup = to_reply_markup(msg.buttons)
    bot = chat.get_bot()
    if msg.photo_url and msg.caption:
        try:
            await bot.send_photo(chat.id, msg.photo_url, caption=msg.caption,
                                 parse_mode=ParseMode.HTML, reply_markup=markup)
            return record, 1
        except BadRequest as exc:  # the worker falls back to the text message too
            log.info("admin: preview photo refused (%s); showing the text", exc.message)
    await bot.send_message(chat.id, msg.text, parse_mode=ParseMode.HTML, reply_markup=markup,
                           link_preview_options=LinkPreviewOptions(
                               is_disabled=msg.disable_preview))
    return record, 1


async def _preview_copy(update: Update, services: Services, admin_id: int,
                        original: Message) -> tuple[BroadcastRecord, int]:
    chat = update.effective_chat
    assert chat is not None
    record = await services.storage.broadcasts.create(
        admin_id, "copy", from_chat_id=chat.id, from_message_id=original.message_id)
    try:
        await chat.get_bot().copy_message(chat.id, chat.id, original.message_id)
    except BadRequest as exc:
        await services.storage.broadcasts.cancel(record.id, admin_id)
        log.info("admin: message %s cannot be copied: %s", original.message_id, exc.message)
        raise AdminError(NOT_COPYABLE.format(reason=explain_error(exc.message))) from exc
    return record, 1


def _replied(message: Message) -> Message | None:
    original = message.reply_to_message
    if original is None or original.forum_topic_created is not None:
        return None  # in a forum topic every message "replies" to the topic's creation
    return original


@admin_only("broadcast")
async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    original = _replied(message)
    request = parse_broadcast(argument(update), body_html(message.text_html),
                              has_reply=original is not None)
    if request.kind == "empty":
        await reply(update, USAGE)
        return
    record: BroadcastRecord | None = None
    try:
        if request.kind == "text":
            record, messages = await _preview_text(update, services, user.id, request.html)
        elif request.kind == "url":
            record, messages = await _preview_article(update, services, user.id, request.url)
        else:
            assert original is not None
            record, messages = await _preview_copy(update, services, user.id, original)
        chats = await services.storage.broadcasts.active_chat_count()
        footer = await chat.get_bot().send_message(
            chat.id, render_preview_footer(record.id, chats, messages),
            parse_mode=ParseMode.HTML, reply_markup=confirm_keyboard(services.callbacks,
                                                                     record.id))
    except AdminError as exc:
        await reply(update, f"⚠️ {exc}")
        return
    except TelegramError as exc:
        if record is not None:
            await services.storage.broadcasts.cancel(record.id, user.id)
        log.warning("admin: broadcast preview for user %s failed: %s", user.id, exc)
        await reply(update, PREVIEW_FAILED.format(reason=explain_error(exc)))
        return
    await services.storage.broadcasts.set_progress_message(record.id, chat.id,
                                                           footer.message_id)
    log.info("admin: broadcast %d (%s) drafted by user %s", record.id, record.kind, user.id)


# ---------------------------------------------------------------------------- buttons

async def _edit(query: Any, text: str) -> None:
    try:
        await query.edit_message_text(rtl_text(text), parse_mode=ParseMode.HTML)
    except TelegramError as exc:
        log.info("admin: broadcast message not edited: %s", exc)


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services,
                   broadcast_id: int, user_id: int) -> None:
    query = update.callback_query
    assert query is not None
    outcome = await services.storage.broadcasts.confirm(broadcast_id, user_id)
    if outcome.result != "started":
        await answer(query, ANSWERS.get(outcome.result, STALE_BUTTON),
                           show_alert=outcome.result == "not_author")
        if outcome.result == "expired":
            await _edit(query, EXPIRED.format(id=broadcast_id))
        return
    log.info("admin: broadcast %d confirmed by user %s: %d chat(s)", broadcast_id, user_id,
             outcome.total)
    if outcome.total == 0:
        await answer(query, "لا توجد محادثات نشطة؛ لم يُرسل شيء.")
        await _edit(query, render_final(broadcast_id, Progress(), "done", 0.0))
        return
    await answer(query, f"بدأ الإرسال إلى المحادثات النشطة ({outcome.total}).")
    if services.delivery is not None:
        services.delivery.wake()
    if services.broadcasts is not None:
        await services.broadcasts.refresh(context.bot, broadcast_id)


async def _cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services,
                  broadcast_id: int, user_id: int) -> None:
    query = update.callback_query
    assert query is not None
    outcome = await services.storage.broadcasts.cancel(broadcast_id, user_id)
    if outcome.result == "discarded":
        log.info("admin: broadcast %d discarded by user %s", broadcast_id, user_id)
        await answer(query, "أُلغي البث.")
        await _edit(query, DISCARDED.format(id=broadcast_id))
    elif outcome.result == "stopping":
        # and the rows the worker claimed but has not started sending
        cancelled = outcome.cancelled + (services.delivery.stop_broadcast(broadcast_id)
                                         if services.delivery is not None else 0)
        log.info("admin: broadcast %d stopped by user %s: %d row(s) cancelled", broadcast_id,
                 user_id, cancelled)
        await answer(query, f"أُوقف الإرسال؛ أُلغيت الرسائل التي لم تُرسل بعد ({cancelled}).")
        if services.broadcasts is not None:
            await services.broadcasts.refresh(context.bot, broadcast_id)
    elif outcome.result == "done":
        await answer(query, "اكتمل هذا البث من قبل؛ لا شيء لإيقافه.")
    else:
        await answer(query, ANSWERS.get(outcome.result, STALE_BUTTON),
                           show_alert=outcome.result == "not_author")


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    services = get_services(context)
    parsed = parse_button(services.callbacks, query.data)
    if parsed is None or query.message is None:
        await answer(query, STALE_BUTTON)
        return
    user = query.from_user
    if user.is_bot or not services.is_admin(user.id):
        log_refusal(update, "a broadcast button")
        await answer(query, REFUSED_BUTTON, show_alert=True)
        return
    action, broadcast_id = parsed
    if action == CONFIRM:
        await _confirm(update, context, services, broadcast_id, user.id)
    else:
        await _cancel(update, context, services, broadcast_id, user.id)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    app.add_handler(CommandHandler("broadcast", broadcast, filters=COMMAND_UPDATES))
    app.add_handler(CallbackQueryHandler(button, pattern=r"^bc:"))
    return COMMANDS
