"""The news message of DESIGN.md, built to fit Telegram's limits by construction.

    <b>HEADLINE</b>

    SUMMARY

    SOURCE · DAY HIJRI هـ — GREGORIAN
    <a href="URL">اقرأ الخبر كاملاً</a>

Feed text is cleaned (control characters dropped, whitespace collapsed, the spacing around
punctuation fixed in the headline and summary: ``punctuation.py``), shortened on
word boundaries as plain text, marked for right-to-left where needed (see ``bidi.py``)
and only then escaped. When the message is too long the summary is shortened first, then
the headline; the date line and the link are never cut.
"""

from __future__ import annotations

from bot.models import Article, RenderedMessage
from bot.render.bidi import RLM, needs_rtl_mark, rtl_line
from bot.render.credit import credit_beside
from bot.render.dates import format_dates
from bot.render.escape import escape, utf16_length, visible_length
from bot.render.limits import CAPTION_LIMIT, HEADLINE_LIMIT, SOURCE_LIMIT, TEXT_LIMIT
from bot.render.punctuation import tidy_punctuation
from bot.render.share import share_buttons
from bot.render.truncate import clean_line, clean_paragraphs, truncate_words
from bot.render.urls import is_http_url

READ_MORE = "اقرأ الخبر كاملاً"
SOURCE_SEPARATOR = " · "
CREDIT_LIMIT = 40
"""The credit (agency or byline, ``Article.author``) shown after the source name."""
MIN_SUMMARY = 30
"""A summary that would be cut below this many units is dropped instead of showing a
couple of words and an ellipsis."""


def _line(text: str) -> str:
    return escape(rtl_line(text))


def compose(headline: str, summary: str, meta: str, href: str | None) -> str:
    """Assemble the message from plain-text parts (escaping them); empty parts vanish."""
    paragraphs: list[str] = []
    if headline:
        mark = RLM if needs_rtl_mark(headline) else ""
        paragraphs.append(f"{mark}<b>{escape(headline)}</b>")
    if summary:
        paragraphs.append("\n".join(_line(line) for line in summary.split("\n")))
    tail: list[str] = []
    if meta:
        tail.append(_line(meta))
    if href:
        tail.append(f'<a href="{escape(href)}">{READ_MORE}</a>')
    if tail:
        paragraphs.append("\n".join(tail))
    return "\n\n".join(paragraphs)


def _shorten(text: str, excess: int, minimum: int = 1) -> str:
    """``text`` shortened by at least ``excess`` units, or "" below ``minimum``."""
    target = utf16_length(text) - excess
    if target < minimum:
        return ""
    return truncate_words(text, target)


def fit(headline: str, summary: str, meta: str, href: str | None, limit: int) -> str:
    """The composed message, shortening summary then headline until it fits ``limit``."""
    while True:
        text = compose(headline, summary, meta, href)
        excess = visible_length(text) - limit
        if excess <= 0:
            return text
        if summary:
            summary = _shorten(summary, excess, MIN_SUMMARY)
        elif headline:
            headline = _shorten(headline, excess)
        elif meta:
            meta = _shorten(meta, excess)
        else:  # only the link line is left; it is far below any Telegram limit
            return text


def render_article(
    article: Article, *, tz: str = "Asia/Riyadh", with_photo: bool = True
) -> RenderedMessage:
    """Render ``article`` as a Telegram HTML message with share buttons.

    ``text`` always fits :data:`TEXT_LIMIT`. When ``with_photo`` and the article has an
    http(s) ``image_url``, ``photo_url`` is set and ``caption`` (a variant with a shorter
    summary) fits :data:`CAPTION_LIMIT`; ``text`` stays filled so delivery can fall back
    to a text message when the photo fails. A non-http(s) article URL gets neither the
    link line nor share buttons. Raises ValueError only for an unknown time zone.
    """
    headline = truncate_words(tidy_punctuation(clean_line(article.title)), HEADLINE_LIMIT)
    summary = tidy_punctuation(clean_paragraphs(article.summary))
    source = truncate_words(clean_line(article.source), SOURCE_LIMIT)
    credit = clean_line(credit_beside(article.source, article.author or ""))
    credit = truncate_words(credit, CREDIT_LIMIT)
    if credit and source and credit not in source:
        source = f"{source} ({credit})"  # the agency or byline, kept out of the summary
    dates = format_dates(article.published, tz)
    meta = f"{source}{SOURCE_SEPARATOR}{dates}" if source else dates
    href = article.url if is_http_url(article.url) else None

    text = fit(headline, summary, meta, href, TEXT_LIMIT)
    buttons = share_buttons(article.url, headline) if href else ()

    photo_url: str | None = None
    caption: str | None = None
    if with_photo and is_http_url(article.image_url):
        photo_url = article.image_url
        caption = fit(headline, summary, meta, href, CAPTION_LIMIT)
    return RenderedMessage(text=text, buttons=buttons, photo_url=photo_url, caption=caption)
