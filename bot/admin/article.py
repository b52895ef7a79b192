"""``/broadcast URL``: an article page made into an article exactly like the pipeline
makes a feed item's page (``bot.ingest``: the SSRF-guarded Fetcher, ``extract_page``,
``build_article``: cleaned text, agency credit, summary, image, fingerprint), so it
renders like any news message (``render_article``: headline, summary, dates, link, share
buttons).

:func:`build_page_article` is the CPU-bound part; it runs on the poller's worker pool
(a process in the service) so trafilatura never blocks the event loop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot.admin.errors import AdminError, explain_error
from bot.dedup import canonicalize
from bot.errors import FetchError, ParseError
from bot.fetch import HTML_ACCEPT, Fetcher
from bot.ingest.work import Built, Page

Run = Callable[..., Awaitable[Any]]

NOT_ARTICLE = ("لم أجد في هذه الصفحة نص خبر يمكن تلخيصه؛ هل هي صفحة خبر؟"
               " لإرسال نص، اكتبه بعد الأمر مباشرة.")
IS_FEED = ("هذا رابط خلاصة أخبار (RSS/Atom) وليس رابط خبر."
           " لإضافته مصدرًا: /addfeed الرابط")
EMPTY_PAGE = "الصفحة فارغة."


def build_page_article(url: str, body: bytes, content_type: str,
                       fetched_at: datetime) -> tuple[str, Built | None]:
    """("article", built) for an article page; ("feed", None) for a feed; ("none", None)
    when no article text can be extracted. Pure (runs in a worker process)."""
    from bot.ingest.build import build_article, extract_page, page_published
    from bot.ingest.preview import site_name
    from bot.ingest.scrape import charset_of
    from bot.models import Entry
    from bot.parse import looks_like_html, parse_feed

    html = looks_like_html(body) or "html" in content_type.lower()
    if not html:
        try:
            parse_feed(body, url=url, headers={"content-type": content_type},
                       fetched_at=fetched_at, max_entries=1)  # only: is it a feed?
        except ParseError:
            return "none", None
        return "feed", None
    extracted, _ = extract_page(Page(url, body, charset_of(content_type)))
    if extracted is None:
        return "none", None
    published = page_published(extracted.published, fetched_at)
    canonical = canonicalize(url) or url
    source = site_name(url, extracted)
    entry = Entry(title=extracted.title or source, url=canonical, published=published)
    built = build_article(entry, feed_id=0, source=source, fetched_at=fetched_at,
                          extracted=extracted)
    # Not from a feed: no feed id (0 would break the articles -> feeds foreign key).
    article = dataclasses.replace(built.article, feed_id=None)
    return "article", dataclasses.replace(built, article=article)


async def fetch_article(url: str, fetcher: Fetcher, run: Run, *, source: str | None = None,
                        now: datetime | None = None) -> Built:
    """Fetch and build the article at ``url``; raises :class:`AdminError` (Arabic) when
    the URL cannot be fetched, is a feed, or has no article text. ``source`` replaces the
    site name (the name of a feed on the same site, when there is one)."""
    now = now or datetime.now(UTC)
    try:
        result = await fetcher.fetch(url, accept=HTML_ACCEPT)
    except FetchError as exc:
        raise AdminError(explain_error(exc)) from exc
    if not result.body:
        raise AdminError(EMPTY_PAGE)
    kind, built = await run(build_page_article, result.url, result.body,
                            result.content_type, now)
    if kind == "feed":
        raise AdminError(IS_FEED)
    if built is None:
        raise AdminError(NOT_ARTICLE)
    if source:
        built = dataclasses.replace(built, article=dataclasses.replace(built.article,
                                                                       source=source))
    return built
