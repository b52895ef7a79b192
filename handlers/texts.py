"""Arabic wording shared by the chat commands (formatting only, no I/O)."""

from __future__ import annotations

from bot.render import escape, truncate_words
from bot.render.truncate import clean_line
from bot.storage import Chat

QUOTE_LIMIT = 64


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """«text», cleaned, shortened on a word boundary and HTML-escaped (hostile input)."""
    return "«" + escape(truncate_words(clean_line(text), limit) or "…") + "»"


def digest_line(chat: Chat) -> str:
    if chat.digest == "hourly":
        return "الموجز: كل ساعة (بدلًا من رسالة لكل خبر)"
    if chat.digest == "daily":
        return f"الموجز: يومي الساعة {escape(chat.digest_time or '')}"
    return "الموجز: متوقف (تصل الأخبار فور نشرها)"


def quiet_line(chat: Chat) -> str:
    if chat.quiet_start and chat.quiet_end:
        return f"ساعات الهدوء: من {chat.quiet_start} إلى {chat.quiet_end} (بلا تنبيه)"
    return "ساعات الهدوء: لا توجد"


def chat_settings_lines(chat: Chat) -> list[str]:
    lines = [digest_line(chat), quiet_line(chat),
             f"المنطقة الزمنية: {escape(chat.timezone)}"]
    if not chat.active:
        lines.append("الحالة: الأخبار متوقفة؛ أرسل /start للعودة.")
    return lines
