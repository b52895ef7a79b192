"""``/addfeed`` validation and the ``/feeds`` status list.

:func:`probe_feed` fetches a URL with the service's Fetcher (the SSRF guard applies
unless ``polling.allow_private_addresses``), parses it on the worker pool like a poll
would, and when it is an HTML page follows the feeds the page advertises
(``<link rel="alternate" type="application/rss+xml">``, first that parses wins, at most
:data:`MAX_LINKS`). Every refusal is an :class:`AdminError` with the reason in Arabic.

:func:`feed_blocks` renders one block per feed (pure): state icon (✅ ok, ⚠️ failing,
⏸ paused, ⛔ disabled, 🕓 not polled yet), last success, last error (in Arabic:
:func:`~bot.admin.errors.explain_error`), failures in a row, items per day and subscribers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.admin.arabic import ago, decimal
from bot.admin.errors import AdminError, explain_error
from bot.errors import FetchError, ParseError
from bot.fetch import FEED_ACCEPT, Fetcher, FetchResult
from bot.ingest.entries import MAX_ENTRIES
from bot.ingest.poller import GONE
from bot.ingest.work import parse_in_worker
from bot.ops.feeds import feed_url_problem
from bot.parse import ParsedFeed, find_feed_links, looks_like_html
from bot.render import escape, truncate_words
from bot.render.bidi import rtl_text
from bot.render.truncate import clean_line
from bot.storage import Feed, FeedFigures

Run = Callable[..., Awaitable[Any]]

MAX_LINKS = 3
ITEMS_DAYS = 7  # items per day are counted over the last week (or the feed's age)
NAME_CHARS = 48

BAD_URL = ("الرابط غير صالح: اكتب رابطًا كاملًا يبدأ بـ https أو http،"
           " مثل: /addfeed https://example.com/rss.xml")
NOT_A_FEED = "هذا الرابط ليس خلاصة أخبار (RSS أو Atom)، ولا صفحة ويب تشير إلى خلاصة."
HTML_NO_FEED = ("هذه صفحة ويب وليست خلاصة أخبار، ولا تشير إلى أي خلاصة"
                " (لا يوجد فيها وسم link rel=alternate لخلاصة RSS أو Atom).")


@dataclass(frozen=True, slots=True)
class ProbedFeed:
    """A URL that parses as a feed. ``url`` is what to store (the advertised feed when
    ``page`` is the HTML page it was found on; the new address after permanent
    redirects); ``items`` the distinct items in it now."""

    url: str
    title: str
    items: int
    page: str | None = None
    warning: str | None = None


async def _fetch(url: str, fetcher: Fetcher) -> FetchResult:
    try:
        return await fetcher.fetch(url, accept=FEED_ACCEPT)
    except FetchError as exc:
        raise AdminError(explain_error(exc)) from exc


async def _parse(result: FetchResult, run: Run) -> ParsedFeed | None:
    if not result.body:
        return None
    try:
        parsed: ParsedFeed = await run(parse_in_worker, result.body, result.url,
                                       result.headers, datetime.now(UTC), MAX_ENTRIES)
    except ParseError:
        return None
    return parsed


def _probed(url: str, result: FetchResult, parsed: ParsedFeed,
            page: str | None = None) -> ProbedFeed:
    return ProbedFeed(result.permanent_url or url, clean_line(parsed.title or ""),
                      len(parsed.entries) + parsed.omitted, page, parsed.warning)


async def probe_feed(url: str, fetcher: Fetcher, run: Run) -> ProbedFeed:
    """See the module docstring."""
    if feed_url_problem(url) is not None:
        raise AdminError(BAD_URL)
    result = await _fetch(url, fetcher)
    parsed = await _parse(result, run)
    if parsed is not None:
        return _probed(url, result, parsed)
    body = result.body or b""
    if not (looks_like_html(body) or "html" in result.content_type.lower()):
        raise AdminError(NOT_A_FEED)
    links = await run(find_feed_links, body, result.url)
    if not links:
        raise AdminError(HTML_NO_FEED)
    reasons = []
    for link in links[:MAX_LINKS]:
        try:
            found = await _fetch(link.url, fetcher)
        except AdminError as exc:
            reasons.append(f"{escape(link.url)}: {exc}")
            continue
        parsed = await _parse(found, run)
        if parsed is not None:
            return _probed(link.url, found, parsed, page=url)
        reasons.append(f"{escape(link.url)}: ليست خلاصة صالحة.")
    raise AdminError("هذه صفحة ويب تشير إلى خلاصات، لكن تعذّر استخدامها:\n"
                     + "\n".join(reasons))


# --------------------------------------------------------------------------- /feeds

def state_icon(feed: Feed) -> str:
    if feed.paused:
        return "⏸"
    if feed.disabled_reason:
        return "⛔"
    if feed.consecutive_failures:
        return "⚠️"
    if feed.last_success_at is None:
        return "🕓"
    return "✅"


def items_per_day(feed: Feed, articles: int, now: float) -> float:
    """Articles fetched over the last :data:`ITEMS_DAYS` days (or since the feed was
    added, at least a day) per day."""
    days = min(float(ITEMS_DAYS), max(1.0, (now - feed.created_at) / 86400))
    return articles / days


def feed_block(feed: Feed, figures: FeedFigures, now: float) -> str:
    """One feed's status (Telegram HTML)."""
    name = escape(truncate_words(clean_line(feed.name), NAME_CHARS) or "؟")
    lines = [f"{state_icon(feed)} <b>#{feed.id} {name}</b>"]
    if feed.paused:
        lines.append(f"موقوف مؤقتًا؛ للاستئناف: /resumefeed {feed.id}")
    elif feed.disabled_reason:
        lines.append(f"{_disabled_why(feed.disabled_reason)}؛ لإعادة تفعيله: /resumefeed {feed.id}")
    facts = [f"آخر نجاح: {ago(feed.last_success_at, now)}",
             f"الأخبار يوميًا: {decimal(items_per_day(feed, figures.articles, now))}",
             f"المشتركون: {figures.subscribers}"]
    lines.append(" · ".join(facts))
    if feed.consecutive_failures:
        lines.append(f"إخفاقات متتالية: {feed.consecutive_failures}")
    if feed.last_error and feed.last_error_at is not None and (
            feed.last_success_at is None or feed.last_error_at > feed.last_success_at
            or feed.consecutive_failures):
        lines.append(f"آخر خطأ ({ago(feed.last_error_at, now)}):"
                     f" {explain_error(feed.last_error, feed.last_error_kind)}")
    return rtl_text("\n".join(lines))


def _disabled_why(reason: str) -> str:
    if reason == GONE:
        return "معطَّل: أبلغ خادمه أن الخلاصة أُزيلت نهائيًا (الرمز 410)"
    return "معطَّل بعد إخفاقات متكررة"


def disabled_alert(feed: Feed, reason: str) -> str:
    """What the admins are told when polling disables ``feed`` (Telegram HTML). The
    cause is the feed's last error explained in Arabic (``reason``, English, is for the
    logs and the CLI; it stands in when the feed has no stored error)."""
    name = escape(truncate_words(clean_line(feed.name), NAME_CHARS) or "؟")
    lines = [f"⛔ <b>توقف جلب المصدر #{feed.id} {name}</b>",
             f"{_disabled_why(reason)}، ولن يُجلب حتى يُعاد تفعيله."]
    if reason != GONE:  # (gone: the line above says why)
        lines.append(f"السبب: {explain_error(feed.last_error or reason, feed.last_error_kind)}")
    lines.append(f"لإعادة تفعيله: /resumefeed {feed.id}")
    return rtl_text("\n".join(lines))


def feeds_header(feeds: Sequence[Feed]) -> str:
    icons = [state_icon(f) for f in feeds]
    parts = [f"{icon} {icons.count(icon)}" for icon in ("✅", "⚠️", "🕓", "⏸", "⛔")
             if icon in icons]
    return f"<b>المصادر ({len(feeds)})</b>\n" + " · ".join(parts)


def feed_blocks(feeds: Sequence[Feed], figures: Mapping[int, FeedFigures],
                now: float) -> list[str]:
    """The header and one block per feed, for ``split_message``."""
    if not feeds:
        return [rtl_text("لا توجد مصادر بعد. أضف مصدرًا: /addfeed رابط_الخلاصة [الاسم]")]
    return [feeds_header(feeds)] + [
        feed_block(f, figures.get(f.id, FeedFigures()), now) for f in feeds]
