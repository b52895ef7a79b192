"""Errors the admin commands explain to the admin, in Arabic.

:func:`explain_error` is the one place an error becomes chat text: a feed's stored
``last_error`` (with its ``last_error_kind``), a :class:`~bot.errors.FetchError`,
``ParseError`` or ``ExtractionError`` raised while an admin waits, a Telegram error's
description. The English text stays in the logs and the CLI (``newsbot feeds list``);
the admin reads one short Arabic sentence, with the HTTP status number where it helps
(«(الرمز 404)»: digits after an Arabic word, so nothing reorders in a right-to-left
line), and a generic Arabic sentence for anything unknown, never the English text.
"""

from __future__ import annotations

import re

from bot.errors import ExtractionError, NewsbotError, ParseError


class AdminError(NewsbotError):
    """A refusal to show the admin as is: ``str(exc)`` is Arabic HTML (already escaped)."""


UNKNOWN = "حدث خطأ غير متوقع (التفاصيل في سجل البوت)."

#: By ``kind`` (``FetchError.kind``, or what the poller stores in ``last_error_kind``),
#: when the text says nothing more precise.
_BY_KIND = {
    "dns": "لم يُعثر على الموقع (اسم النطاق غير موجود أو لا يُحلّ).",
    "connect": "تعذّر الاتصال بالخادم.",
    "timeout": "لم يردّ الخادم في الوقت المحدد.",
    "too_large": "الرد أكبر من الحد المسموح بجلبه.",
    "redirect": "تعذّر اتباع تحويلات الموقع.",
    "blocked": ("العنوان يشير إلى شبكة داخلية أو خاصة، والجلب منها ممنوع حمايةً للخادم"
                " (SSRF)."),
    "tls": "شهادة الأمان (TLS) للموقع غير صالحة.",
    "protocol": "ردّ الموقع غير صالح.",
    "status": "أجاب الموقع بخطأ.",
    "parse": "تعذّرت قراءة الخلاصة.",
    "feed": "تعذّر جلب الخلاصة أو قراءتها.",
    "extract": "لم أجد في الصفحة نص خبر صالحًا.",
    "internal": "خطأ داخلي في البوت أثناء الجلب (التفاصيل في سجل البوت).",
    "storage": "تعذّر الحفظ في قاعدة البيانات (التفاصيل في سجل البوت).",
    "full": "قاعدة البيانات ممتلئة: لا مساحة على القرص.",
}

#: What the English text says (``bot.fetch``, ``bot.parse``, ``bot.extract``, Telegram's
#: descriptions), first match wins: more precise than the kind.
_BY_TEXT = tuple((re.compile(pattern, re.IGNORECASE), text) for pattern, text in (
    (r"redirect loop", "حلقة تحويل: يعيد الموقع توجيه الطلب إلى عنوان سبق زيارته."),
    (r"more than \d+ redirects", "تحويلات متتالية أكثر من الحد المسموح."),
    (r"bad redirect location|redirect to .*only http",
     "حوّل الموقع الطلب إلى عنوان غير صالح."),
    (r"SSRF guard|refused addresses", _BY_KIND["blocked"]),
    (r"DNS lookup|name or service not known|nodename nor servname|no address",
     _BY_KIND["dns"]),
    (r"connection ?refused|errno 111\b",
     "رفض الخادم الاتصال (لا خدمة على هذا المنفذ، أو الخادم متوقف)."),
    (r"an HTML page, not a feed", "الرابط صفحة ويب (HTML) وليس خلاصة أخبار."),
    (r"malformed XML|truncated XML|broken markup|feedparser",
     "الخلاصة ليست XML سليمًا (ملف تالف أو مقطوع)."),
    (r"not an RSS, RDF or Atom feed", "الملف ليس خلاصة أخبار (RSS أو Atom)."),
    (r"empty body|empty page", "ردّ الموقع فارغ."),
    (r"^extract:|no main text|no usable text|too much markup", _BY_KIND["extract"]),
    (r"TLS|SSL|certificate", _BY_KIND["tls"]),
    (r"byte cap|bytes declared", _BY_KIND["too_large"]),
    (r"timeout|timed out|not done within|deadline", _BY_KIND["timeout"]),
    (r"closed the connection|incomplete body|connection reset",
     "أغلق الخادم الاتصال قبل أن يكتمل الرد."),
    (r"Content-Encoding|compressed body", "ضغط الرد غير مدعوم أو تالف."),
    (r"can't be copied", "هذا النوع من الرسائل لا يمكن نسخه."),
    (r"message to copy not found|message not found", "الرسالة لم تعد موجودة."),
    (r"flood control|too many requests|retry after", "تيليجرام يطلب التمهّل قبل إرسال المزيد."),
    (r"can't parse entities", "تنسيق الرسالة غير صالح."),
    (r"message is too long", "الرسالة أطول من المسموح."),
    (r"forbidden|blocked by the user|kicked", "البوت ممنوع من الكتابة في هذه المحادثة."),
))

#: Kinds that say it all (the text is the same story with details).
_EXACT_KINDS = frozenset({"dns", "timeout", "too_large", "blocked", "tls", "internal",
                          "storage", "full"})
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")
_URL = re.compile(r"\S+://\S*")  # a URL's words are no diagnosis ("ssl.example.com")


def _status_text(status: int | None) -> str:
    if status is None:
        return _BY_KIND["status"]
    code = f"(الرمز {status})"
    if status == 404:
        return f"الصفحة غير موجودة على الموقع {code}."
    if status == 410:
        return f"أزال الموقع الصفحة نهائيًا {code}."
    if status == 401:
        return f"الموقع يطلب تسجيل الدخول {code}."
    if status == 403:
        return f"الموقع يمنع البوت من الوصول {code}."
    if status == 429:
        return f"الموقع يطلب التمهّل لكثرة الطلبات {code}."
    if 500 <= status <= 599:
        return f"خطأ في خادم الموقع {code}، وغالبًا ما يكون مؤقتًا."
    if 400 <= status <= 499:
        return f"الموقع رفض الطلب {code}."
    return f"أجاب الموقع بخطأ {code}."


def explain_error(error: BaseException | str | None, kind: str | None = None) -> str:
    """Why something failed, for an admin: one short Arabic sentence (HTML-safe).

    ``error`` is an exception (its ``kind`` and ``status`` are used, when it has them)
    or a stored error text with its ``kind`` (``Feed.last_error``,
    ``Feed.last_error_kind``). An HTTP status ("HTTP 503" in the text) is explained
    with its number; an unknown error gets :data:`UNKNOWN`. Pure."""
    status: int | None = None
    if isinstance(error, BaseException):
        status = getattr(error, "status", None)
        kind = getattr(error, "kind", None) or (
            "parse" if isinstance(error, ParseError)
            else "extract" if isinstance(error, ExtractionError) else kind)
        text = str(error)
    else:
        text = error or ""
    text = _URL.sub(" ", text)
    if kind in _EXACT_KINDS:
        return _BY_KIND[str(kind)]
    if kind in (None, "status"):
        found = _HTTP_STATUS.search(text)
        if status is None and found:
            status = int(found.group(1))
        if kind == "status" or status is not None:
            return _status_text(status)
    for pattern, explanation in _BY_TEXT:
        if pattern.search(text):
            return explanation
    return _BY_KIND.get(kind or "", UNKNOWN)
