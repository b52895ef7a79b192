"""Ingestion: the stages that turn a fetched feed into stored articles.

    schedule.py  when a feed is polled next (interval, hints, backoff, jitter); pure
    entries.py   which entries are distinct items and how each is identified; pure
    build.py     entry (+ article page) -> article: text, summary, image, credit,
                 fingerprint; pure, runs in the worker pool
    work.py      what crosses to the workers (Page, Built) and the worker entry points
    scrape.py    article pages for teaser entries (same Fetcher, time budget)
    stories.py   cross-source story grouping (in-memory index of recent stories)
    workers.py   where CPU-bound stages run (process pool / threads / inline)
    poller.py    one poll of one feed, and a cycle over the due feeds
    preview.py   what ``newsbot preview URL`` prints (no database, no Telegram)

Errors raised on purpose start with ``poll:`` / ``ingest:`` / ``preview:``; the fetch,
parse and extract stages keep their own prefixes (``fetch:``, ``parse:``, ``extract:``).
"""

from bot.ingest.poller import CycleReport, IngestOptions, Poller, PollOutcome
from bot.ingest.stories import StoryIndex
from bot.ingest.work import Built, Page
from bot.ingest.workers import Workers

__all__ = [
    "Built",
    "CycleReport",
    "IngestOptions",
    "Page",
    "PollOutcome",
    "Poller",
    "StoryIndex",
    "Workers",
]
