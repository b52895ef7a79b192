"""The data passed to and from the worker pool, and the two worker entry points.

Kept free of heavy imports: the event-loop process (which only fetches and stores, with
process workers) never needs to import trafilatura or feedparser's parsing stages; the
entry points import ``bot.ingest.build`` inside the worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from bot.ingest.entries import newest, unique_entries
from bot.models import Article, Entry, pickled_positionally

if TYPE_CHECKING:
    from bot.parse import ParsedFeed

__all__ = ["Built", "Page", "build_in_worker", "parse_in_worker"]


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched article page: the final URL, the raw body, the HTTP charset if any."""

    url: str
    body: bytes
    encoding: str | None = None


@pickled_positionally
@dataclass(frozen=True, slots=True)
class Built:
    """An article ready to store. ``from_page`` says the text came from the article page;
    ``page_error`` why a fetched page was not used (extraction failed), if it was not.
    ``index`` (its full-text row) and ``tokens`` (the words keywords are matched against,
    space-joined) are computed in the worker too, so the storing transaction only runs SQL
    (see :func:`bot.storage._articles.prepare`); None: computed when storing (``tokens``
    only if a chat has a keyword subscription by then)."""

    article: Article
    fingerprint: int
    from_page: bool = False
    page_error: str | None = None
    index: tuple[str, str, str, str] | None = None
    tokens: str | None = None


def parse_in_worker(body: bytes, url: str, headers: dict[str, str], fetched_at: datetime,
                    max_entries: int, listed: bytes | None = None) -> ParsedFeed:
    """:func:`bot.parse.parse_feed` (imported in the worker), with the document's distinct
    entries (:func:`bot.ingest.entries.unique_entries`), at most its ``max_entries``
    newest: the others are counted in ``omitted`` and never pickled back to the loop.
    ``listed``: the listing of the feed's previous version (:mod:`bot.storage._listing`);
    the items it lists come back without their text (``known`` in :func:`parse_feed`)."""
    from bot.parse import parse_feed

    known = None
    if listed:
        from bot.storage._listing import is_listed, listed_keys

        known = partial(is_listed, listed_keys(listed))
    parsed = parse_feed(body, url=url, headers=headers, fetched_at=fetched_at,
                        max_entries=max_entries, known=known)
    entries = unique_entries(parsed.entries)
    kept = newest(entries, max_entries)
    return replace(parsed, entries=kept, omitted=parsed.omitted + len(entries) - len(kept))


def build_in_worker(jobs: Sequence[tuple[Entry, Page | None]], feed_id: int, source: str,
                    fetched_at: datetime, tokens: bool = True,
                    deadline: float | None = None) -> list[Built]:
    """:func:`bot.ingest.build.build_articles` (imported in the worker). ``tokens``: compute
    the keyword-matching words (``Built.tokens``); ``deadline`` (``time.time()``): when the
    poll that asked gives up; the work stops there."""
    from bot.ingest.build import build_articles

    return build_articles(jobs, feed_id, source, fetched_at, deadline=deadline, tokens=tokens)
