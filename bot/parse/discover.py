"""Find the feeds an HTML page advertises (for the admin ``/addfeed`` command)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from bot.dedup.urls import canonicalize

__all__ = ["FEED_TYPES", "FeedLink", "find_feed_links", "looks_like_html"]

#: ``type`` values of ``<link rel="alternate">`` that point at a feed we can parse.
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])",
    re.I | re.S,
)


@dataclass(frozen=True, slots=True)
class FeedLink:
    url: str
    type: str
    title: str = ""


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("link", "base", "a"):
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"].strip()
            return
        rel = a.get("rel", "").lower().split()
        kind = a.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES and a.get("href"):
            self.links.append((a["href"].strip(), kind, " ".join(a.get("title", "").split())))

    handle_startendtag = handle_starttag


def _decode(page: bytes) -> str:
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET.search(page[:4096])
    if match:
        try:
            return page.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return page.decode("cp1256", errors="replace")  # our likeliest non-UTF-8 page


def looks_like_html(body: bytes) -> bool:
    """True when the body starts like an HTML document (doctype or ``<html>``)."""
    return bool(_HTML_START.match(body[:2048]))


def find_feed_links(page: bytes | str, base_url: str) -> list[FeedLink]:
    """Feeds advertised by ``<link rel="alternate" type="application/rss+xml|atom+xml"
    href=...>`` in ``page``, resolved against ``<base href>`` or ``base_url`` and
    canonicalized, in page order without duplicates. Non-http(s) links are dropped."""
    text = _decode(page) if isinstance(page, bytes) else page
    finder = _LinkFinder()
    try:
        finder.feed(text)
        finder.close()
    except Exception:  # a broken page still gives what was found before the break
        pass
    base = canonicalize(finder.base, base_url) if finder.base else None
    base = base or base_url
    found: list[FeedLink] = []
    seen: set[str] = set()
    for href, kind, title in finder.links:
        url = canonicalize(href, base)
        if url and url not in seen:
            seen.add(url)
            found.append(FeedLink(url=url, type=kind, title=title))
    return found
