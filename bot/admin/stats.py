"""``/stats``: the service's figures as one Arabic message. Pure.

"Today" starts at midnight in the admin chat's time zone (default Asia/Riyadh).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.admin.arabic import ago
from bot.render import escape
from bot.render.bidi import rtl_text
from bot.storage import AdminStats

CHAT_TYPES = (("private", "خاصة"), ("group", "مجموعات"), ("supergroup", "مجموعات كبيرة"),
              ("channel", "قنوات"))


def day_start(now: float, tz: str) -> float:
    """Unix time of the last midnight in ``tz``."""
    local = datetime.fromtimestamp(now, ZoneInfo(tz))
    # fold=0: where the hour after midnight repeats (Azores, Havana), the first midnight
    return local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0).timestamp()


def render_stats(s: AdminStats, now: float, tz: str) -> str:
    kinds = "، ".join(f"{label} {s.chats_by_type[key]}" for key, label in CHAT_TYPES
                      if s.chats_by_type.get(key))
    chats = f"👥 المحادثات النشطة: {s.chats_active}" + (f" ({kinds})" if kinds else "")
    oldest = (ago(s.oldest_pending_at, now).replace("قبل ", "منذ ", 1)
              if s.oldest_pending_at is not None else "لا شيء")
    lines = [
        "📊 <b>إحصاءات البوت</b>",
        "",
        chats,
        f"🚫 محظورة أو غير متاحة: {s.chats_blocked} · أوقفت الأخبار (/stop): {s.chats_stopped}",
        f"🔔 الاشتراكات: {s.subscriptions}",
        "",
        f"<b>اليوم</b> (منذ منتصف الليل بتوقيت {escape(tz)}):",
        f"📰 أخبار جديدة: {s.articles_today} (في الأرشيف: {s.articles_total})",
        f"📤 رسائل أُرسلت: {s.sent_today} · تعذّر إرسالها: {s.failed_today}",
        "",
        f"📬 في طابور الإرسال: {s.outbox_pending - s.digest_waiting} · أقدمها: {oldest}",
    ]
    if s.digest_waiting:
        lines.append(f"🗞 بانتظار موعد الموجز: {s.digest_waiting}")
    if s.broadcasts_sending:
        lines.append(f"📣 بثّ جارٍ الآن: {s.broadcasts_sending}")
    lines += [
        f"🔄 آخر جلب للمصادر: {ago(s.last_poll_at, now)}",
        f"🗂 المصادر: {s.feeds} (تتعثر: {s.feeds_failing} · موقوفة: {s.feeds_paused}"
        f" · معطّلة: {s.feeds_disabled}) — التفاصيل: /feeds",
    ]
    if s.search_index_stale:
        lines.append("🔎 فهرس البحث يُعاد بناؤه بعد التحديث؛ قد تغيب بعض الأخبار القديمة عن"
                     " نتائج البحث حتى يكتمل.")
    return rtl_text("\n".join(lines))
