"""/digest, /quiet and /timezone: how and when news reaches the chat."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.delivery.schedule import parse_hhmm, parse_range, valid_timezone, zone
from bot.services import Services, get_services
from handlers.common import COMMAND_UPDATES, reply
from handlers.guard import argument, managed_chat, registered
from handlers.texts import digest_line, quiet_line

COMMANDS = [
    ("digest", "موجز كل ساعة أو يومي بدلًا من رسالة لكل خبر"),
    ("quiet", "ساعات الهدوء: إرسال بلا تنبيه"),
    ("timezone", "المنطقة الزمنية للمواعيد"),
]
OFF = {"off", "إيقاف", "ايقاف", "الغاء", "إلغاء", "لا"}
HOURLY = {"hourly", "ساعة", "ساعي", "كل_ساعة"}
DAILY = {"daily", "يومي", "يوميا", "يوميًا"}

DIGEST_USAGE = (
    "<b>الموجز</b>\nبدلًا من رسالة لكل خبر تصل عناوين الأخبار مجمّعة:\n"
    "/digest hourly — كل ساعة\n/digest daily 08:00 — مرة يوميًا في الساعة المحددة\n"
    "/digest off — إيقاف الموجز وعودة الرسائل الفورية"
)
QUIET_USAGE = (
    "<b>ساعات الهدوء</b>\nتصل الأخبار فيها بلا صوت تنبيه، مثل:\n"
    "/quiet 23:00-07:00\n/quiet off — إلغاء ساعات الهدوء"
)
TZ_USAGE = ("<b>المنطقة الزمنية</b>\nاكتبها بالصيغة الدولية، مثل:\n"
            "/timezone Asia/Riyadh\n/timezone Africa/Cairo\n/timezone Europe/London")


def _now_in(tz: str) -> str:
    return datetime.now(UTC).astimezone(zone(tz)).strftime("%H:%M")


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    words = argument(update).replace("كل ساعة", "كل_ساعة").split()
    mode = (words[0].lower() if words else "")
    at = parse_hhmm(words[1]) if len(words) == 2 else None
    if not ((mode in OFF | HOURLY and len(words) == 1) or (mode in DAILY and at)):
        chat = await registered(update, context) if not words else None
        current = f"\n\nالآن: {digest_line(chat)}" if chat else ""
        await reply(update, DIGEST_USAGE + current)
        return
    chat = await managed_chat(update, context)
    if chat is None:
        return
    services = get_services(context)
    if mode in OFF:
        if chat.digest != "off" and services.digests is not None:
            await services.digests.flush(chat.id)  # what was waiting goes out as one digest
        chat = await services.storage.chat_settings.set_digest(chat.id, "off") or chat
        await reply(update, "⚡️ أُوقف الموجز؛ ستصل الأخبار فور نشرها.")
    elif mode in HOURLY:
        await services.storage.chat_settings.set_digest(chat.id, "hourly")
        await reply(update, "🗞 ستصل الأخبار في موجز كل ساعة بدلًا من رسالة لكل خبر.")
    else:
        await services.storage.chat_settings.set_digest(chat.id, "daily", at)
        await reply(update, f"🗞 ستصل الأخبار في موجز يومي الساعة {at} "
                            f"(بتوقيت {escape(chat.timezone)}).")


async def quiet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = argument(update)
    is_off = text.lower() in OFF
    hours = None if is_off else parse_range(text)
    if not is_off and hours is None:
        chat = await registered(update, context) if not text else None
        await reply(update, QUIET_USAGE + (f"\n\nالآن: {quiet_line(chat)}" if chat else ""))
        return
    chat = await managed_chat(update, context)
    if chat is None:
        return
    settings = get_services(context).storage.chat_settings
    if hours is None:
        await settings.set_quiet(chat.id, None, None)
        await reply(update, "🔔 أُلغيت ساعات الهدوء؛ تصل الأخبار بتنبيه في كل الأوقات.")
        return
    await settings.set_quiet(chat.id, *hours)
    await reply(update, f"🔕 ستصل الأخبار بلا تنبيه من {hours[0]} إلى {hours[1]} "
                        f"(بتوقيت {escape(chat.timezone)}).")


async def timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    name = argument(update)
    if not name:
        chat = await registered(update, context)
        if chat is not None:
            await reply(update, f"{TZ_USAGE}\n\nالآن: {escape(chat.timezone)} "
                                f"(الساعة هناك {_now_in(chat.timezone)})")
        return
    if not valid_timezone(name):
        await reply(update, f"⚠️ منطقة زمنية غير معروفة.\n\n{TZ_USAGE}")
        return
    chat = await managed_chat(update, context)
    if chat is None:
        return
    await get_services(context).storage.chat_settings.set_timezone(chat.id, name)
    await reply(update, f"🕰 المنطقة الزمنية الآن: {escape(name)} (الساعة هناك "
                        f"{_now_in(name)}). مواعيد الموجز وساعات الهدوء تُحسب بها.")


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    for name, callback in (("digest", digest), ("quiet", quiet), ("timezone", timezone)):
        app.add_handler(CommandHandler(name, callback, filters=COMMAND_UPDATES))
    return COMMANDS
