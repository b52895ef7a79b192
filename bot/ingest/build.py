"""Entry (+ article page) -> the article to store: best text, summary, image, credit and
story fingerprint. Pure and CPU-bound: this is what runs in the worker pool.

Decisions:

* **Text.** The feed's own text, cleaned with :func:`bot.extract.clean_text_and_attribution`
  (HTML remnants, hashtag marks, page-noise lines, the repeated headline and the agency
  line go). When the poller fetched the article page (the feed text was a teaser), the
  page's main text from :func:`bot.extract.extract_article` replaces it if it is longer.
  A page that cannot be extracted changes nothing: the cleaned feed text is used, and the
  article is never dropped. A poll's pages get :data:`EXTRACT_BUDGET` seconds in all,
  newest entry first; pages left when it is spent are not extracted (a site of huge or
  broken pages must not hold a worker, and every other feed waiting for it, for minutes).
* **Attribution.** The agency credit ("رويترز", "أ ف ب", "CNN") is taken *out* of the text,
  so it never reaches the summary, and stored as ``Article.author``; ``Article.source``
  stays the feed's name (what subscribers chose and search filters by). Without an agency
  the feed's author (``dc:creator``) or the page's byline is the author.
* **Summary.** :func:`bot.summarize.summarize` on the chosen text: at most 3 sentences
  and 600 characters, never the headline. "" when the text has nothing but the headline.
* **Image.** The feed's image (enclosure, media:content, first <img>), else the page's
  og:image.
* **Fingerprint.** :func:`bot.dedup.fingerprint` of the headline and the first
  :data:`LEAD_CHARS` characters of the chosen text (the setting the story threshold was
  tuned with).
* **Storing.** The article's full-text row and keyword-matching words
  (:func:`bot.storage._articles.prepare`) are computed here too: the single writer thread
  then only executes SQL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime

from bot.dedup import fingerprint
from bot.errors import ExtractionError
from bot.extract import Extracted, clean_text_and_attribution, extract_article
from bot.ingest.entries import article_url
from bot.ingest.work import Built, Page
from bot.models import Article, Entry, day_only
from bot.parse import TEXT_MAX, cut_words
from bot.storage._articles import prepare
from bot.summarize import summarize

__all__ = [
    "EXTRACT_BUDGET",
    "LEAD_CHARS",
    "SUMMARY_CHARS",
    "SUMMARY_SENTENCES",
    "Built",
    "DeadlinePassed",
    "Page",
    "build_article",
    "build_articles",
    "extract_page",
]

log = logging.getLogger(__name__)

LEAD_CHARS = 300
SUMMARY_SENTENCES = 3
SUMMARY_CHARS = 600
#: Seconds (wall time, in the worker) for extracting one poll's article pages. Real pages
#: take 20-430 ms each (bench/extract.py), so a new feed's 100 pages fit many times over;
#: the poll's own deadline (bot.ingest.poller) is 120 s or more.
EXTRACT_BUDGET = 30.0


class DeadlinePassed(TimeoutError):
    """The poll this work was for has given up (its ``deadline`` passed): nothing more is
    built for it. A TimeoutError, so a poll that sees it first fails as timed out."""


def _check(deadline: float | None, wall: Callable[[], float], what: str) -> None:
    if deadline is not None and wall() >= deadline:
        raise DeadlinePassed(f"ingest: the poll's deadline passed while {what}")


def page_published(day: date | None, fetched_at: datetime) -> datetime:
    """When an article page (a broadcast URL, a preview) was published, from the date its
    page gives (a day, no time): :func:`bot.models.day_only`, a time that sorts with
    that day (11:59:59 UTC, or the fetch time when the day is today or already tomorrow
    east of UTC) and is shown as that very day in every time zone. Noon UTC was the
    next day east of UTC+11, midnight UTC the day before west of UTC. The fetch time
    (to the second) for no date, or for one further in the future (as for feed items)."""
    stamp = day_only(day, fetched_at) if day is not None else None
    return stamp or fetched_at.replace(microsecond=0)


def extract_page(page: Page) -> tuple[Extracted | None, str | None]:
    """(extracted article, None) or (None, why not)."""
    try:
        return extract_article(page.body, page.url, encoding=page.encoding), None
    except ExtractionError as exc:
        return None, str(exc)


def build_article(
    entry: Entry,
    *,
    feed_id: int,
    source: str,
    fetched_at: datetime,
    page: Page | None = None,
    extracted: Extracted | None = None,
    page_error: str | None = None,
    tokens: bool = True,
) -> Built:
    """The article for ``entry``. ``page`` is extracted here unless ``extracted`` (the
    result of extracting it already) or ``page_error`` (why it was not) is given. Without
    ``tokens`` its keyword-matching words are not computed (see
    :func:`bot.storage._articles.prepare`)."""
    feed_text, feed_credit = clean_text_and_attribution(entry.text, entry.title)
    if extracted is None and page is not None and page_error is None:
        extracted, page_error = extract_page(page)
    from_page = extracted is not None and len(extracted.text) > len(feed_text)
    if from_page:
        assert extracted is not None
        text, credit = extracted.text, extracted.attribution or feed_credit
    else:
        text = feed_text
        credit = feed_credit or (extracted.attribution if extracted else None)
        if extracted is not None and page_error is None:
            page_error = "page text not longer than the feed's"
    text = cut_words(text, TEXT_MAX)
    summary = summarize(text, entry.title, max_sentences=SUMMARY_SENTENCES,
                        max_chars=SUMMARY_CHARS)
    image = entry.image_url or (extracted.image_url if extracted else None)
    author = credit or entry.author or (extracted.author if extracted else None)
    article = Article(
        title=entry.title,
        url=article_url(entry, feed_id),
        source=source,
        published=entry.published or fetched_at,
        summary=summary,
        text=text,
        image_url=image,
        category=entry.categories[0] if entry.categories else None,
        author=author,
        guid=entry.guid,
        feed_id=feed_id,
    )
    fp = fingerprint(entry.title, text[:LEAD_CHARS])
    try:
        ready = prepare(article, fp, tokens=tokens)
    except Exception:  # the writer computes them then (and fails as it would have)
        log.exception("ingest: preparing %s for storage failed", article.url)
        return Built(article, fp, from_page, page_error)
    return Built(article, fp, from_page, page_error, ready.index, ready.tokens)


def _minimal(entry: Entry, feed_id: int, source: str, fetched_at: datetime) -> Built:
    """The article with no processing at all: used only if building it failed."""
    article = Article(
        title=entry.title, url=article_url(entry, feed_id), source=source,
        published=entry.published or fetched_at, text=cut_words(entry.text, TEXT_MAX),
        image_url=entry.image_url, author=entry.author, guid=entry.guid, feed_id=feed_id,
        category=entry.categories[0] if entry.categories else None,
    )
    return Built(article, 0, False, "build failed")


def _extract_pages(
    jobs: Sequence[tuple[Entry, Page | None]], budget: float, clock: Callable[[], float],
    deadline: float | None = None, wall: Callable[[], float] = time.time,
) -> dict[int, tuple[Extracted | None, str | None]]:
    """job index -> :func:`extract_page` of its page, the last job's first, while the
    ``budget`` (seconds of ``clock``) lasts; the pages after that get only the reason.
    Raises :class:`DeadlinePassed` once ``wall()`` reaches ``deadline``."""
    out: dict[int, tuple[Extracted | None, str | None]] = {}
    spent_at = clock() + budget
    for i in reversed(range(len(jobs))):
        page = jobs[i][1]
        if page is None:
            continue
        _check(deadline, wall, "extracting pages")
        if clock() >= spent_at:
            out[i] = None, f"not extracted: this poll's {budget:g} s for pages were spent"
            continue
        try:
            out[i] = extract_page(page)
        except Exception as exc:  # a bug in the extractor: the feed's text will do
            log.exception("ingest: extracting %s failed", page.url)
            out[i] = None, f"extraction failed: {type(exc).__name__}"
    return out


def build_articles(
    jobs: Sequence[tuple[Entry, Page | None]],
    feed_id: int,
    source: str,
    fetched_at: datetime,
    *,
    extract_budget: float = EXTRACT_BUDGET,
    clock: Callable[[], float] = time.monotonic,
    deadline: float | None = None,
    wall: Callable[[], float] = time.time,
    tokens: bool = True,
) -> list[Built]:
    """:func:`build_article` for a batch (one executor call per poll), ``jobs`` oldest
    first (as the poller passes them): their pages are extracted newest first, within
    ``extract_budget`` seconds of ``clock``. An entry whose processing raises is still
    returned, unprocessed: an article is never dropped. Once ``wall()`` reaches
    ``deadline`` (the poll gave up, and will poll the feed again) it raises
    :class:`DeadlinePassed` instead of going on: a slow poll does not keep a worker busy,
    and every feed queued behind it waiting, for work nobody will store. ``tokens``: as
    for :func:`build_article`."""
    pages = _extract_pages(jobs, extract_budget, clock, deadline, wall)
    out: list[Built] = []
    for i, (entry, _page) in enumerate(jobs):
        _check(deadline, wall, "building articles")
        extracted, page_error = pages.get(i, (None, None))
        try:
            out.append(build_article(entry, feed_id=feed_id, source=source,
                                     fetched_at=fetched_at, extracted=extracted,
                                     page_error=page_error, tokens=tokens))
        except Exception:
            log.exception("ingest: building %s failed; storing it unprocessed", entry.url)
            out.append(_minimal(entry, feed_id, source, fetched_at))
    return out
