"""/addfeed, /delfeed, /pausefeed, /resumefeed and /feeds (admins only).

/addfeed fetches and parses the URL first (``bot.admin.feeds.probe_feed``: SSRF guard,
an HTML page's ``<link rel="alternate">`` feeds), stores the feed with origin ``admin``
and polls it at once in the background (the first poll stores its items without pushing
them). The others take a feed's id or exact name. A feed from the config file cannot be
deleted here (the next start would add it back): it is paused instead, or removed from
the file.
"""

from __future__ import annotations

import logging
import time
from functools import partial

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.admin import AdminError
from bot.admin.args import feed_ref, find_feeds, parse_addfeed
from bot.admin.feeds import ITEMS_DAYS, feed_blocks, probe_feed
from bot.dedup.urls import canonical_feed_url
from bot.ops.feeds import default_name
from bot.render import escape, split_message, truncate_words
from bot.services import Services, get_services
from bot.storage import Feed
from handlers.admin_common import cpu_runner, poll_soon, typing
from handlers.admin_guard import admin_only
from handlers.common import COMMAND_UPDATES, reply
from handlers.guard import argument

log = logging.getLogger(__name__)

COMMANDS = [
    ("feeds", "حالة كل المصادر"),
    ("addfeed", "إضافة مصدر: الرابط ثم الاسم إن شئت"),
    ("delfeed", "حذف مصدر برقمه أو اسمه"),
    ("pausefeed", "إيقاف جلب مصدر مؤقتًا"),
    ("resumefeed", "استئناف جلب مصدر (ويُعيد تفعيل المعطَّل)"),
]
NAME_LIMIT = 64

ADDFEED_USAGE = ("اكتب رابط الخلاصة (RSS أو Atom) أو رابط الموقع، ثم الاسم إن شئت:\n"
                 "/addfeed https://example.com/rss.xml أخبار المثال")
REF_USAGE = "اكتب رقم المصدر أو اسمه، مثل: /{command} 3 — لعرض المصادر وأرقامها: /feeds"
EXISTS = "ℹ️ هذا المصدر موجود من قبل: {feed}."
NOT_FOUND = "لا يوجد مصدر بالرقم أو الاسم {ref}. لعرض المصادر وأرقامها: /feeds"
MAYBE = "هل تقصد:\n{feeds}"
SEVERAL = "أكثر من مصدر بهذا الاسم؛ اكتب رقمه:\n{feeds}"
CONFIG_FEED = ("المصدر {feed} معرَّف في ملف الإعدادات، ويعود عند كل تشغيل؛ احذفه من الملف،"
               " أو أوقفه مؤقتًا: /pausefeed {id}")


def _name(feed: Feed) -> str:
    return f"#{feed.id} «{escape(truncate_words(feed.name, NAME_LIMIT) or '؟')}»"


def _listing(feeds: list[Feed]) -> str:
    return "\n".join(f"• {_name(f)}" for f in feeds[:10])


async def _one_feed(update: Update, services: Services, command: str) -> Feed | None:
    """The feed the command's argument names, or None after saying why."""
    ref = feed_ref(argument(update))
    if ref is None:
        await reply(update, REF_USAGE.format(command=command))
        return None
    matches, similar = find_feeds(await services.storage.feeds.list(), ref)
    if len(matches) == 1:
        return matches[0]
    if matches:
        await reply(update, SEVERAL.format(feeds=_listing(matches)))
        return None
    shown = f"«{escape(truncate_words(str(ref), NAME_LIMIT))}»"
    text = NOT_FOUND.format(ref=shown)
    if similar:
        text += "\n" + MAYBE.format(feeds=_listing(similar))
    await reply(update, text)
    return None


@admin_only("addfeed")
async def addfeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    user = update.effective_user
    args = parse_addfeed(argument(update))
    if args is None:
        await reply(update, ADDFEED_USAGE)
        return
    storage = services.storage
    # stored URLs are canonical: another spelling of a stored feed's URL is that feed,
    # answered without fetching it
    known = {f.url: f for f in await storage.feeds.list()}
    existing = known.get(canonical_feed_url(args.url))
    if existing is not None:
        await reply(update, EXISTS.format(feed=_name(existing)))
        return
    assert services.fetcher is not None
    await typing(update)
    try:
        probed = await probe_feed(args.url, services.fetcher, cpu_runner(services))
    except AdminError as exc:
        await reply(update, f"⚠️ لم يُضف المصدر: {exc}")
        return
    name = truncate_words(args.name or probed.title or default_name(probed.url), NAME_LIMIT)
    feed, created = await storage.feeds.add(probed.url, name, origin="admin")
    if not created:
        await reply(update, EXISTS.format(feed=_name(feed)))
        return
    log.info("admin: feed %d (%s) added by user %s", feed.id, feed.url,
             user.id if user else None)
    lines = [f"✅ أُضيف المصدر {_name(feed)}."]
    if probed.page:
        lines.append(f"وجدت رابط الخلاصة في الصفحة: {escape(probed.url)}")
    lines.append(f"عدد الأخبار في الخلاصة الآن: {probed.items}"
                 + ("؛ الخلاصة فارغة حاليًا." if not probed.items else "."))
    lines.append("يُجلب الآن: تُحفظ أخباره الحالية في الأرشيف دون إرسالها، وتصل أخباره"
                 " الجديدة إلى المشتركين فيه (الاشتراك من /sources).")
    await reply(update, "\n".join(lines))
    poll_soon(services, feed.id)


@admin_only("delfeed")
async def delfeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    feed = await _one_feed(update, services, "delfeed")
    if feed is None:
        return
    if feed.origin == "config":
        await reply(update, CONFIG_FEED.format(feed=_name(feed), id=feed.id))
        return
    # once no send to its subscribers is under way, and what the worker claimed for them
    # before is looked at again: nothing of the feed the removal drops reaches them after
    # the reply. A chat that subscribed since they were read has its send waited for too.
    subscribers = frozenset(await services.storage.admin.subscribers(feed.id))
    while True:
        removed, others = await services.without_sends(
            sorted(subscribers), partial(services.storage.feeds.remove_within, feed.id,
                                         subscribers))
        if not others:
            break
        subscribers |= others
    if not removed:
        await reply(update, NOT_FOUND.format(ref=_name(feed)))
        return
    user = update.effective_user
    log.info("admin: feed %d (%s) removed by user %s", feed.id, feed.url,
             user.id if user else None)
    await reply(update, f"🗑 حُذف المصدر {_name(feed)}، وأُلغي اشتراك المحادثات فيه"
                        f" ({len(subscribers)})؛ أخباره المخزّنة باقية في الأرشيف.")


@admin_only("pausefeed")
async def pausefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    feed = await _one_feed(update, services, "pausefeed")
    if feed is None:
        return
    if feed.paused:
        await reply(update, f"ℹ️ المصدر {_name(feed)} موقوف من قبل. للاستئناف:"
                            f" /resumefeed {feed.id}")
        return
    await services.storage.polling.set_paused(feed.id, True)
    log.info("admin: feed %d paused", feed.id)
    await reply(update, f"⏸ أُوقف جلب المصدر {_name(feed)} مؤقتًا. للاستئناف:"
                        f" /resumefeed {feed.id}")


@admin_only("resumefeed")
async def resumefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    found = await _one_feed(update, services, "resumefeed")
    if found is None:
        return
    # what the feed was when resumed, in the same transaction: a poll may have disabled
    # it since it was looked up
    feed = await services.storage.polling.resume(found.id)
    if feed is None:
        await reply(update, NOT_FOUND.format(ref=_name(found)))
        return
    if feed.enabled and not feed.consecutive_failures:
        await reply(update, f"ℹ️ المصدر {_name(feed)} يعمل أصلًا.")
        return
    log.info("admin: feed %d resumed", feed.id)
    was = ("كان معطَّلًا، وصُفّر عدّاد الإخفاقات" if feed.disabled_reason
           else "صُفّر عدّاد الإخفاقات" if not feed.paused else "")
    text = f"▶️ استُؤنف جلب المصدر {_name(feed)}"
    text += f" ({was})" if was else ""
    await reply(update, text + "، وسيُجلب الآن.")
    poll_soon(services, feed.id)


@admin_only("feeds")
async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    now = time.time()
    listed = await services.storage.feeds.list()
    figures = await services.storage.admin.feed_figures(now - ITEMS_DAYS * 86400)
    for chunk in split_message(feed_blocks(listed, figures, now)):
        await reply(update, chunk)


def register(app: Application, services: Services) -> list[tuple[str, str]]:
    for name, handler in (("feeds", feeds), ("addfeed", addfeed), ("delfeed", delfeed),
                          ("pausefeed", pausefeed), ("resumefeed", resumefeed)):
        app.add_handler(CommandHandler(name, handler, filters=COMMAND_UPDATES))
    return COMMANDS
