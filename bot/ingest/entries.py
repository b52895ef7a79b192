"""Which parsed entries are distinct items, and how each is identified. Pure functions.

Identity of an item (documented policy):

* An item is stored once per **canonical URL** (``articles.url`` is unique across all
  feeds) and once per **(feed, GUID)**. An entry is already known when *either* matches:
  a GUID whose link was edited, or a URL re-published under a new GUID, is not news again.
* **Duplicate GUIDs with different links** in one document mean the feed's GUIDs are
  unreliable (some CMSs give every item the site URL, or recycle ids). Those entries are
  identified by their URL alone (their GUID is dropped), so no story is lost to a broken
  GUID. Entries that repeat both GUID and URL, or repeat a URL under another GUID (the
  same article listed in two sections, as France 24 does), are one item: the first wins.
* An entry without a link gets a synthetic, non-HTTP URL ``newsbot:feed/ID/SHA1(guid)``
  (the parser gives link-less entries a GUID, synthetic when the feed has none). Such an
  article renders without a link line or share buttons; it can never be fetched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.models import Entry

__all__ = [
    "MAX_ENTRIES",
    "SYNTHETIC_PREFIX",
    "article_url",
    "is_known",
    "needs_page",
    "newest",
    "newest_first",
    "unique_entries",
]

SYNTHETIC_PREFIX = "newsbot:feed/"

#: A document's newest entries read, the rest ignored: news feeds carry 10-200, and an
#: archive of 30,000 in 5 MB would take minutes to build and store at every poll.
MAX_ENTRIES = 1000


def article_url(entry: Entry, feed_id: int) -> str:
    """The URL an entry is stored under: its canonical link, else a synthetic key."""
    if entry.url:
        return entry.url
    key = entry.guid or f"{entry.title}\n{entry.text}"
    digest = hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()
    return f"{SYNTHETIC_PREFIX}{feed_id}/{digest}"


def unique_entries(entries: Iterable[Entry]) -> list[Entry]:
    """The distinct items of one document, in document order (see the module docstring).

    GUIDs shared by entries with different URLs are removed (set to None) from those
    entries; then entries repeating an earlier URL, or an earlier GUID, are dropped.
    """
    entries = list(entries)
    urls_by_guid: dict[str, set[str | None]] = {}
    for entry in entries:
        if entry.guid is not None:
            urls_by_guid.setdefault(entry.guid, set()).add(entry.url)
    unreliable = {
        guid for guid, urls in urls_by_guid.items()
        if len({u for u in urls if u is not None}) > 1
    }
    seen_urls: set[str] = set()
    seen_guids: set[str] = set()
    out: list[Entry] = []
    for entry in entries:
        if entry.guid in unreliable and entry.url is not None:
            entry = replace(entry, guid=None)
        if entry.url is not None and entry.url in seen_urls:
            continue
        if entry.guid is not None and entry.guid in seen_guids:
            continue
        if entry.url is not None:
            seen_urls.add(entry.url)
        if entry.guid is not None:
            seen_guids.add(entry.guid)
        out.append(entry)
    return out


def is_known(entry: Entry, url: str, known_urls: set[str], known_guids: set[str]) -> bool:
    """True when the stored URL (``url``) or the entry's GUID (for its feed) is stored."""
    return url in known_urls or (entry.guid is not None and entry.guid in known_guids)


def needs_page(entry: Entry, threshold: int) -> bool:
    """True when the entry's own text is a teaser (shorter than ``threshold`` characters)
    and it has an http(s) link to fetch the article from."""
    return bool(entry.url) and len(entry.text) < threshold


def newest(entries: Sequence[Entry], limit: int) -> list[Entry]:
    """The ``limit`` newest of ``entries`` (see :func:`newest_first`), in their order."""
    if len(entries) <= limit:
        return list(entries)
    kept = {id(e) for e in newest_first(entries)[:limit]}
    return [e for e in entries if id(e) in kept]


def newest_first(entries: Sequence[Entry]) -> list[Entry]:
    """Entries sorted by publication time, newest first (stable; undated ones last)."""
    return sorted(
        entries,
        key=lambda e: e.published.timestamp() if e.published else float("-inf"),
        reverse=True,
    )
