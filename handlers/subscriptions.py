"""/subscribe, /unsubscribe, /mysubs and /stop."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.render import split_message
from bot.render.bidi import rtl_text
from bot.services import Services, get_services
from bot.subscribers import manage
from bot.subscribers.targets import MAX_CHARS, MAX_TARGETS
from handlers.common import COMMAND_UPDATES, reply
from handlers.guard import argument, managed_chat, registered
from handlers.texts import chat_settings_lines, quoted

COMMANDS = [
    ("subscribe", "الاشتراك في مصدر أو تصنيف أو كلمة"),
    ("unsubscribe", "إلغاء اشتراك"),
    ("mysubs", "الاشتراكات والإعدادات الحالية"),
    ("stop", "إيقاف الأخبار وإلغاء كل الاشتراكات"),
]
MAX_ARGUMENT = 400  # the whole argument; one target is at most MAX_CHARS

SKIPPED = ("⚠️ يُنفَّذ الأمر الواحد على {n} أهداف على الأكثر؛ لم يُنظر في: {names}. "
           "أرسلها في أمر آخر.")
KINDS = {"feed": "المصدر", "category": "التصنيف", "keyword": "الكلمة"}
SUBSCRIBE_USAGE = (
    "<b>الاشتراك</b>\n"
    "اكتب بعد الأمر اسم مصدر أو تصنيفًا أو كلمة تريد متابعتها، مثل:\n"
    "/subscribe الأمم المتحدة\n/subscribe #اقتصاد\n/subscribe رياضة، تقنية\n"
    "لعرض المصادر مع أزرار الاشتراك: /sources"
)
UNSUBSCRIBE_USAGE = (
    "<b>إلغاء الاشتراك</b>\n"
    "اكتب بعد الأمر ما تريد إلغاء الاشتراك فيه، مثل:\n"
    "/unsubscribe الأمم المتحدة\n"
    "لعرض الاشتراكات الحالية: /mysubs، ولإيقاف الأخبار كلها: /stop"
)
TOO_LONG = ("⚠️ النص طويل جدًا (عدد حروفه {n})؛ الحد الأقصى {max} حرفًا لكل اشتراك، "
            "وعشرة اشتراكات في الأمر الواحد مفصولة بفواصل.")
NO_SUBS = "لا توجد اشتراكات في هذه المحادثة. جرّب /sources أو /subscribe كلمة."
STOPPED = ("⏹ أُوقف إرسال الأخبار وأُلغيت الاشتراكات كلها ({n}).\n"
           "للعودة إلى المصادر الافتراضية أرسل /start.")


def describe(change: manage.Change) -> str:
    """One line about one target's result."""
    t, kind = change.target, KINDS.get(change.target.kind, "")
    name = quoted(t.display)
    if change.status == "added":
        tail = " ستصل الأخبار التي تذكرها." if t.kind == "keyword" else ""
        return f"✅ تم الاشتراك في {kind} {name}.{tail}"
    if change.status == "exists":
        return f"ℹ️ الاشتراك في {kind} {name} موجود من قبل."
    if change.status == "removed":
        return f"☑️ أُلغي الاشتراك في {kind} {name}."
    if change.status == "missing":
        return f"ℹ️ لا يوجد اشتراك في {name} لإلغائه. لعرض الاشتراكات: /mysubs"
    if change.status == "limit":
        return f"⚠️ لم يُضف {name}: بلغت المحادثة الحد الأقصى للاشتراكات."
    if t.error == "too_long":
        return TOO_LONG.format(n=len(t.display), max=MAX_CHARS)
    if t.error == "too_short":
        return f"⚠️ الكلمة {name} قصيرة جدًا؛ اكتب حرفين على الأقل."
    if t.error == "no_letters":
        return f"⚠️ {name} لا يحوي حروفًا أو أرقامًا يمكن متابعتها."
    return SUBSCRIBE_USAGE


async def _change(update: Update, context: ContextTypes.DEFAULT_TYPE, usage: str,
                  subscribe: bool) -> None:
    text = argument(update)
    if not text:
        await reply(update, usage)
        return
    if len(text) > MAX_ARGUMENT:
        await reply(update, TOO_LONG.format(n=len(text), max=MAX_CHARS))
        return
    chat = await managed_chat(update, context)
    if chat is None:
        return
    services = get_services(context)
    storage = services.storage
    if subscribe:
        changes = await manage.subscribe(storage, chat.id, text)
    else:  # while no send to the chat is under way: nothing unsubscribed follows the reply
        changes = await services.without_sends(
            chat.id, lambda: manage.unsubscribe(storage, chat.id, text))
    lines = [describe(c) for c in changes if c.status != "skipped"]
    skipped = [quoted(c.target.display) for c in changes if c.status == "skipped"]
    if skipped:
        lines.append(SKIPPED.format(n=MAX_TARGETS, names="، ".join(skipped)))
    if any(c.target.error == "empty" for c in changes):
        lines = [usage]
    await reply(update, "\n".join(dict.fromkeys(lines)))


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change(update, context, SUBSCRIBE_USAGE, subscribe=True)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change(update, context, UNSUBSCRIBE_USAGE, subscribe=False)


async def mysubs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await registered(update, context)
    if chat is None:
        return
    subs = await get_services(context).storage.subscriptions.list(chat.id)
    blocks = ["<b>اشتراكات هذه المحادثة</b>"]
    for kind, title in (("feed", "المصادر"), ("category", "التصنيفات"), ("keyword", "الكلمات")):
        names = [quoted(s.display) for s in subs if s.kind == kind]
        if names:
            blocks.append(f"<b>{title}:</b> " + "، ".join(names))
    if not subs:
        blocks.append(NO_SUBS)
    blocks.append("<b>الإعدادات</b>\n" + "\n".join(chat_settings_lines(chat)))
    for chunk in split_message([rtl_text(b) for b in blocks]):  # marks count in the split
        await reply(update, chunk)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await managed_chat(update, context)
    if chat is None:
        return
    services = get_services(context)
    removed = await services.without_sends(  # the reply is the last message
        chat.id, lambda: services.storage.chat_settings.stop(chat.id))
    await reply(update, STOPPED.format(n=removed))


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    for name, callback in (("subscribe", subscribe), ("unsubscribe", unsubscribe),
                           ("mysubs", mysubs), ("stop", stop)):
        app.add_handler(CommandHandler(name, callback, filters=COMMAND_UPDATES))
    return COMMANDS

