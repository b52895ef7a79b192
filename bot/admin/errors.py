"""Errors the admin commands explain to the admin, in Arabic."""

from __future__ import annotations

from bot.errors import FetchError, NewsbotError
from bot.render import escape


class AdminError(NewsbotError):
    """A refusal to show the admin as is: ``str(exc)`` is Arabic HTML (already escaped)."""


_FETCH_REASONS = {
    "dns": "لم يُعثر على الموقع (اسم النطاق غير موجود أو لا يُحلّ).",
    "connect": "تعذّر الاتصال بالموقع.",
    "timeout": "لم يردّ الموقع في الوقت المحدد.",
    "too_large": "الصفحة أكبر من الحد المسموح بجلبه.",
    "redirect": "تحويلات كثيرة أو حلقة تحويل لا تنتهي.",
    "blocked": ("العنوان يشير إلى شبكة داخلية أو خاصة، والجلب منها ممنوع حمايةً للخادم"
                " (SSRF)."),
    "tls": "شهادة الأمان (TLS) للموقع غير صالحة.",
    "protocol": "ردّ الموقع غير صالح.",
}


def fetch_error_text(exc: FetchError) -> str:
    """Why a URL could not be fetched, for people (Arabic, HTML-escaped)."""
    if exc.kind == "status":
        status = getattr(exc, "status", None)
        if status == 404:
            return "الصفحة غير موجودة على الموقع (الرمز 404)."
        if status in (401, 403):
            return f"الموقع رفض الطلب (الرمز {status})."
        return f"أجاب الموقع بخطأ (الرمز {escape(str(status))})." if status \
            else "أجاب الموقع بخطأ."
    return _FETCH_REASONS.get(exc.kind, "تعذّر جلب الرابط.")
