"""What ``newsbot preview URL`` shows: the articles a feed's newest items (or one article
page) would become, through the same stages as polling, without a database or Telegram.

The URL is fetched once; the body decides what it is: a body :func:`bot.parse.parse_feed`
accepts is a feed, an HTML page that is not a feed is an article page (its main text
extracted like a teaser's page would be). Anything else is an error naming both attempts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bot.dedup import canonicalize
from bot.errors import ExtractionError, ParseError
from bot.extract import Extracted
from bot.fetch import FEED_ACCEPT, Fetcher
from bot.ingest.build import build_article, build_articles, extract_page, page_published
from bot.ingest.entries import MAX_ENTRIES, needs_page, newest_first, unique_entries
from bot.ingest.scrape import charset_of, fetch_pages
from bot.ingest.work import Built, Page
from bot.models import Entry
from bot.parse import find_feed_links, looks_like_html, parse_feed

__all__ = ["Preview", "preview"]

EXTRACT_BELOW = 500


@dataclass(slots=True)
class Preview:
    """``kind`` is "feed" or "article"; ``items`` the built articles (newest first);
    ``total`` the distinct items in the feed; ``notes`` lines worth telling the user."""

    kind: str
    url: str
    title: str
    items: list[Built] = field(default_factory=list)
    total: int = 0
    notes: list[str] = field(default_factory=list)


def site_name(url: str, extracted: Extracted | None = None) -> str:
    """The source name of a page outside any feed: the name the page gives its site,
    else its host without "www."."""
    if extracted is not None and extracted.site_name:
        return extracted.site_name
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


async def preview(url: str, fetcher: Fetcher, *, count: int = 3, extract: bool = True,
                  page_budget: float = 30.0, now: datetime | None = None) -> Preview:
    """Fetch ``url`` and build what it would produce (see the module docstring)."""
    now = now or datetime.now(UTC)
    result = await fetcher.fetch(url, accept=FEED_ACCEPT)
    body = result.body or b""
    try:
        parsed = parse_feed(body, url=result.url, headers=result.headers, fetched_at=now,
                            max_entries=MAX_ENTRIES)
    except ParseError as not_feed:
        if not (looks_like_html(body) or "html" in result.content_type.lower()):
            raise
        return _article(result.url, body, result.content_type, now, not_feed)
    entries = newest_first(unique_entries(parsed.entries))
    chosen = entries[: max(count, 0)]
    pages: dict[str, Page] = {}
    if extract:
        wanted = [e.url for e in chosen if e.url and needs_page(e, EXTRACT_BELOW)]
        pages = await fetch_pages(fetcher, wanted, budget=page_budget)
    source = parsed.title or site_name(result.url)
    built = build_articles([(e, pages.get(e.url) if e.url else None) for e in chosen], 0,
                           source, now)
    notes = []
    if parsed.warning:
        notes.append(f"feed warning: {parsed.warning}")
    if result.url != url:
        notes.append(f"redirected to {result.url}")
    return Preview("feed", result.url, source, built, len(entries) + parsed.omitted, notes)


def _article(url: str, body: bytes, content_type: str, now: datetime,
             not_feed: ParseError) -> Preview:
    page = Page(url, body, charset_of(content_type))
    extracted, error = extract_page(page)
    if extracted is None:
        raise ExtractionError(f"preview: {url}: not a feed ({not_feed}) and no article text "
                              f"found ({error})")
    published = page_published(extracted.published, now)
    entry = Entry(title=extracted.title or site_name(url, extracted),
                  url=canonicalize(url) or url,
                  published=published)
    built = build_article(entry, feed_id=0, source=site_name(url, extracted), fetched_at=now,
                          extracted=extracted)
    notes = []
    links = find_feed_links(body, url)
    if links:
        notes.append("this page links to feeds: " + ", ".join(link.url for link in links[:3]))
    if extracted.published is None:
        notes.append("the page shows no publication date: the fetch time is used")
    return Preview("article", url, entry.title, [built], 1, notes)
