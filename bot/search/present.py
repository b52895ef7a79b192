"""What search shows: replies in Arabic, result pages, paging buttons and inline items.

Pure functions from plain data to Telegram HTML (and :class:`~bot.models.Button` rows);
the handlers send them. Every message fits Telegram's 4096-character limit by
construction (:func:`results_message` shortens snippets, then drops the last results, if
it would not).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape as _escape

from bot.admin.arabic import count_phrase
from bot.callbacks import STALE_BUTTON, CallbackCodec
from bot.models import Article, Button
from bot.render import (
    ENTITY_LIMIT,
    TEXT_LIMIT,
    entity_count,
    escape,
    render_article,
    truncate_words,
    visible_length,
)
from bot.render.bidi import rtl_line, rtl_text
from bot.render.dates import gregorian_date, local_date
from bot.render.pager import numbers, page_data, pager_row, parse_page
from bot.render.truncate import clean_line
from bot.render.urls import is_http_url
from bot.search.query import MAX_QUERY_CHARS, MAX_TERMS, Query
from bot.search.ranking import Hit, SearchPage
from bot.search.snippet import count_matches, snippet

CALLBACK_KIND = "s"
PAGE_SIZE = 5
INLINE_PAGE_SIZE = 20
HEADLINE_CHARS = 150
SNIPPET_CHARS = 220
SOURCE_CHARS = 40
QUERY_SHOWN_CHARS = 80
READ = "اقرأ الخبر"

USAGE = (
    "<b>🔎 البحث في أرشيف الأخبار</b>\n\n"
    "اكتب بعد الأمر ما تبحث عنه، مثلًا:\n"
    "/search الحكومة الجديدة\n\n"
    "• عدة كلمات: الأخبار التي فيها كل الكلمات.\n"
    "• &quot;عبارة بين علامتي تنصيص&quot; أو «هكذا»: الكلمات متتالية.\n"
    "• OR أو «أو» بين كلمتين: تكفي إحداهما (غزة OR لبنان).\n"
    "• ‎-كلمة: استبعاد الأخبار التي فيها الكلمة (غزة ‎-صاروخ).\n"
    "• مصدر:الاسم: من مصدر واحد (مصدر:الجزيرة).\n\n"
    "لا يهم التشكيل ولا شكل الهمزة ولا التاء المربوطة، و«الحكومة» تجد «بالحكومة» "
    "و«والحكومة»."
)
INLINE_HINT = "\nوللبحث من أي محادثة: اكتب ‎@{bot} ثم كلمات البحث."

INVALID = {
    "empty": "لم أجد كلمات أبحث عنها. اكتب كلمة أو أكثر، مثلًا: /search الانتخابات",
    "stopwords": ("كل ما كتبته كلمات شائعة جدًا{words} لا تصلح وحدها للبحث. "
                  "أضف كلمة تميّز الخبر، كاسم شخص أو مكان أو حدث."),
    "too_long": ("نص البحث طويل جدًا. اختصره إلى أهم الكلمات"
                 f" (حتى {count_phrase(MAX_QUERY_CHARS, 'char')})."),
    "too_many_terms": ("كلمات البحث كثيرة جدًا. اكتفِ بأهم الكلمات"
                       f" (حتى {count_phrase(MAX_TERMS, 'word')})."),
    "only_excluded": ("كتبتَ كلمات للاستبعاد فقط (‎-كلمة). أضف ما تبحث عنه، "
                      "مثلًا: /search غزة ‎-صاروخ"),
    "empty_source": "اكتب اسم المصدر بعد «مصدر:»، مثلًا: مصدر:الجزيرة",
    "invalid": "تعذّر تنفيذ هذا البحث. جرّب كلمات أخرى.",
}
INLINE_INVALID = {
    "empty": "اكتب كلمات البحث",
    "stopwords": "أضف كلمة مميزة: الكلمات الشائعة وحدها لا تكفي",
    "too_long": "نص البحث طويل جدًا: اختصره",
    "too_many_terms": "كلمات البحث كثيرة جدًا: اختصرها",
    "only_excluded": "أضف كلمة تبحث عنها مع الاستبعاد",
    "empty_source": "اكتب اسم المصدر بعد «مصدر:»",
    "invalid": "تعذّر هذا البحث: جرّب كلمات أخرى",
}
NO_RESULTS_INLINE = "لا نتائج: جرّب كلمات أقل أو أعم"
INLINE_UNAVAILABLE = "تعذّر البحث الآن"
EXPIRED = "انتهت صلاحية هذا البحث. أعد البحث بالأمر /search."
FORGED = f"{STALE_BUTTON} أعد البحث بالأمر /search."
NO_MORE = "لا توجد نتائج أخرى."


def shown_query(text: str) -> str:
    """The user's query for display: one line, shortened, escaped."""
    return escape(truncate_words(clean_line(text), QUERY_SHOWN_CHARS))


def usage(bot_username: str = "") -> str:
    return rtl_text(USAGE + (INLINE_HINT.format(bot=escape(bot_username)) if bot_username
                             else ""))


def invalid_message(reason: str, words: tuple[str, ...] = ()) -> str:
    template = INVALID.get(reason, INVALID["invalid"])
    listed = f" ({escape('، '.join(words[:6]))})" if words else ""
    return rtl_text(template.format(words=listed))


def inline_invalid_text(reason: str) -> str:
    return INLINE_INVALID.get(reason, INLINE_INVALID["invalid"])


def short_date(article: Article, tz: str) -> str:
    return gregorian_date(local_date(article.published, tz))


def _meta_line(article: Article, tz: str) -> str:
    source = truncate_words(clean_line(article.source), SOURCE_CHARS)
    parts = [escape(p) for p in (source, short_date(article, tz)) if p]
    line = " · ".join(parts)
    if is_http_url(article.url):
        line += f' · <a href="{escape(article.url)}">{READ}</a>'
    return rtl_line(line) if line and not line.startswith("<") else line


def best_snippet(article: Article, keys: frozenset[str], width: int, *, html: bool = True
                 ) -> str:
    """The snippet from the summary or the text, whichever matches more of the words."""
    fields = [f for f in (article.summary, article.text) if f.strip()]
    if not fields:
        return ""
    best = max(fields, key=lambda f: count_matches(f, keys)) if keys else fields[0]
    return snippet(best, keys, width, html=html)


def result_item(number: int, hit: Hit, keys: frozenset[str], tz: str,
                width: int = SNIPPET_CHARS) -> str:
    article = hit.article
    headline = truncate_words(clean_line(article.title), HEADLINE_CHARS) or "—"
    lines = [f"{number}. <b>{escape(headline)}</b>", _meta_line(article, tz)]
    body = best_snippet(article, keys, width)
    if body:
        lines.append(body)
    return "\n".join(line for line in lines if line)


def results_message(raw: str, query: Query, page: SearchPage, tz: str) -> str:
    """A page of results: header, numbered results, note on dropped stopwords."""
    keys = query.highlight_keys()
    first = page.offset + 1
    last = page.offset + len(page.hits)
    total = f"أكثر من {page.total}" if page.more else str(page.total)
    header = f"🔎 <b>نتائج البحث عن</b> «{shown_query(raw)}»\n{first}–{last} من {total}"
    note = ""
    if query.dropped:
        note = "\n\n<i>تجاهلتُ الكلمات الشائعة: " + escape("، ".join(query.dropped[:8])) + "</i>"
    if query.source_only:
        note += "\n\n<i>الأحدث أولًا.</i>"
    hits = list(page.hits)
    width = SNIPPET_CHARS
    while True:
        items = [result_item(page.offset + i + 1, h, keys, tz, width) for i, h in enumerate(hits)]
        text = rtl_text(header + "\n\n" + "\n\n".join(items) + note)  # marks count too
        fits = visible_length(text) <= TEXT_LIMIT and entity_count(text) <= ENTITY_LIMIT
        if fits or not hits:  # (narrower snippets: fewer highlighted words to embolden)
            return text
        if width > 60:
            width //= 2
        else:
            hits.pop()


def no_results_message(raw: str, suggestions: list[Query], unknown_source: bool,
                       sources: list[str]) -> str:
    lines = [f"لا توجد نتائج لـ «{shown_query(raw)}»."]
    if unknown_source:
        line = "لا أعرف مصدرًا بهذا الاسم."
        if sources:
            line += " المصادر المتاحة: " + escape("، ".join(sources[:20])) + "."
        lines.append(line)
    if suggestions:
        lines.append("جرّب بحثًا أوسع:")
        lines += [f"• {escape(s.display())}" for s in suggestions]
    else:
        lines.append("جرّب كلمات أقل أو أعم، أو تأكد من الإملاء.")
    return rtl_text("\n".join(lines))


def paging_buttons(codec: CallbackCodec, query_id: int, page: SearchPage, page_size: int
                   ) -> tuple[tuple[Button, ...], ...]:
    """The shared pager row (``bot.render.pager``). Only (query id, page number) travel
    in the button, signed (``s:p:QID:PAGE``); the query itself stays on the server."""
    row = pager_row(codec, CALLBACK_KIND, page.offset // page_size, has_next=page.has_next,
                    state=(query_id,))
    return (row,) if row else ()


def suggestion_buttons(codec: CallbackCodec, items: list[tuple[int, Query]]
                       ) -> tuple[tuple[Button, ...], ...]:
    """One button per suggested broader query (saved under ``query id``): its first page."""
    return tuple(
        (Button("🔎 " + truncate_words(q.display(), 40),
                callback_data=page_data(codec, CALLBACK_KIND, 0, (qid,))),)
        for qid, q in items
    )


def parse_callback(codec: CallbackCodec, data: str | None) -> tuple[int, int] | None:
    """(query id, page number) from a genuine search button, else None. Buttons sent
    before the shared pager carried ``s:QID:PAGE``: still read, so they keep working."""
    decoded = codec.decode(data, CALLBACK_KIND)
    if decoded is None:
        return None
    fields = decoded[1]
    parsed = parse_page(fields, state_fields=1)
    if parsed is not None:
        return parsed[0][0], parsed[1]
    legacy = numbers(fields) if len(fields) == 2 else None
    return (legacy[0], legacy[1]) if legacy is not None else None


@dataclass(frozen=True, slots=True)
class InlineItem:
    """One inline result, before it becomes PTB's InlineQueryResultArticle."""

    id: str
    title: str
    description: str
    message: str
    buttons: tuple[tuple[Button, ...], ...]
    thumbnail_url: str | None


def inline_item(hit: Hit, keys: frozenset[str], tz: str) -> InlineItem:
    """The article as an inline result whose message is the full news message (as
    delivery sends it: ``render_article`` marks its lines already). The title and the
    description are plain text shown in the list of results: each of their lines is
    laid out right to left like any reply (``rtl_text``), so «CNN: …» or «2025 …» does
    not start on the left."""
    article = hit.article
    rendered = render_article(article, tz=tz, with_photo=False)
    title = truncate_words(clean_line(article.title), 100) or "—"
    source = truncate_words(clean_line(article.source), SOURCE_CHARS)
    lead = best_snippet(article, keys, 120, html=False)
    description = " · ".join(p for p in (source, short_date(article, tz)) if p)
    if lead:
        description += "\n" + lead
    thumb = article.image_url if is_http_url(article.image_url) else None
    return InlineItem(id=f"a{article.id}", title=rtl_text(title, html_text=False),
                      description=rtl_text(description, html_text=False),
                      message=rendered.text, buttons=rendered.buttons, thumbnail_url=thumb)


def plain(text: str) -> str:
    """Escape plain text for HTML (for the handlers' short replies)."""
    return _escape(text, quote=False)


__all__ = [
    "CALLBACK_KIND",
    "INLINE_PAGE_SIZE",
    "PAGE_SIZE",
    "InlineItem",
    "inline_invalid_text",
    "inline_item",
    "invalid_message",
    "no_results_message",
    "paging_buttons",
    "parse_callback",
    "results_message",
    "suggestion_buttons",
    "usage",
]
