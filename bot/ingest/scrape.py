"""Article pages for teaser entries: fetched with the feed's Fetcher (same SSRF guard,
caps and deadlines), concurrently, within a time budget.

A page that fails (any :class:`FetchError`, a non-HTML content type, the budget running
out) is simply missing from the result: the entry falls back to its feed text. Page
errors are counted in ``newsbot_fetch_errors{kind}`` but never fail the feed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

from bot.errors import FetchError
from bot.fetch import HTML_ACCEPT, Fetcher
from bot.ingest.work import Page
from bot.metrics import FETCH_ERRORS

__all__ = ["charset_of", "fetch_pages"]

log = logging.getLogger(__name__)

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def charset_of(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type value, if any."""
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _is_html(content_type: str) -> bool:
    ctype = content_type.split(";", 1)[0].strip().lower()
    return not ctype or "html" in ctype or ctype == "text/plain"


async def _fetch_page(fetcher: Fetcher, url: str) -> Page | None:
    try:
        result = await fetcher.fetch(url, accept=HTML_ACCEPT)
    except FetchError as exc:
        FETCH_ERRORS.labels(kind=exc.kind).inc()
        log.debug("ingest: page not fetched: %s", exc)
        return None
    if not result.body or not _is_html(result.content_type):
        log.debug("ingest: page %s is %r, not HTML", url, result.content_type)
        return None
    return Page(result.url, result.body, charset_of(result.content_type))


async def fetch_pages(fetcher: Fetcher, urls: Sequence[str], *,
                      budget: float) -> dict[str, Page]:
    """Fetch each URL's page at once (the fetcher's global and per-host caps apply);
    return the pages that arrived within ``budget`` seconds, by URL."""
    unique = list(dict.fromkeys(urls))
    if not unique or budget <= 0:
        return {}
    tasks = {url: asyncio.ensure_future(_fetch_page(fetcher, url)) for url in unique}
    try:
        done, pending = await asyncio.wait(tasks.values(), timeout=budget)
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
    if pending:
        log.info("ingest: %d of %d article pages not fetched within %gs; using feed text",
                 len(pending), len(unique), budget)
    pages: dict[str, Page] = {}
    for url, task in tasks.items():
        if task not in done or task.cancelled():
            continue
        exc = task.exception()
        if exc is not None:
            log.error("ingest: fetching page %s failed unexpectedly: %r", url, exc)
            continue
        page = task.result()
        if page is not None:
            pages[url] = page
    return pages
