"""One poll of one feed, and a cycle over the feeds that are due.

    poller = Poller(storage, fetcher, config.polling, workers=Workers("process"))
    report = await poller.poll_due()          # every due feed, concurrently
    await poller.close()

A poll: conditional GET (ETag / Last-Modified) -> 304 or an unchanged body digest ends
it -> parse (worker) -> distinct entries -> drop those already stored -> fetch the article
pages of teaser entries (within a time budget) -> build the articles (worker: extract,
clean, summarize, fingerprint) -> ONE transaction: feed state + articles + outbox rows
(story grouping inside it) -> call the ``on_new_articles`` hooks if outbox rows were made.

Failures (any :class:`FetchError`, a :class:`ParseError`, the overall deadline, a bug)
are recorded on the feed (last error, kind, failures in a row), which backs off
exponentially (``bot.ingest.schedule``) and is disabled after
``polling.max_consecutive_failures``, or at once when the server answers 410 Gone. A feed
that redirects permanently (only 301/308 on the way) gets its new address stored, unless
the config file names it. Each feed runs in its own task under a semaphore of
``polling.concurrency``: a broken or slow feed only ever holds its own slot, for at most
the fetch deadline plus the page budget.

A full disk (:class:`StorageFull` when storing the poll, or when recording a failure) is
not the feed's fault: nothing is counted against the feed (no backoff, never disabled
for it), and polling pauses: every ``full_retry`` seconds one due feed is polled to see
whether the database takes writes again; the first poll that stores ends the pause. The
refused poll's state was not recorded (one transaction), so its items are fetched again
and stored once there is space; meanwhile nothing is fetched, parsed or built again and
again (before, a feed whose failure could not be recorded stayed due and was fetched,
parsed and built at every 5-second tick, with two tracebacks each time).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.config import PollingConfig
from bot.dedup.urls import canonical_feed_url
from bot.errors import FeedError, FetchError, ParseError, StorageFull
from bot.fetch import Fetcher, FetchResult
from bot.fetch.client import FetchStatusError
from bot.ingest import schedule
from bot.ingest.entries import (
    MAX_ENTRIES,
    article_url,
    is_known,
    needs_page,
    newest_first,
)
from bot.ingest.scrape import fetch_pages
from bot.ingest.stories import LIMIT, WINDOW, StoryIndex
from bot.ingest.work import Built, build_in_worker, parse_in_worker
from bot.ingest.workers import Workers
from bot.metrics import ARTICLES_STORED, FETCH_ERRORS, POLLS, heartbeat
from bot.models import Entry
from bot.parse.digest import body_digest
from bot.storage import Feed, Storage
from bot.storage._articles import Prepared
from bot.storage._listing import is_listed, listed_keys, listing
from bot.storage._matching import has_keywords
from bot.storage._polling import (
    failure_reason,
    known_keys,
    listed_by,
    recent_stories,
    record_failure,
    store_poll,
)

if TYPE_CHECKING:
    from bot.parse import ParsedFeed

__all__ = ["CycleReport", "IngestOptions", "PollOutcome", "Poller"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """Knobs of the pipeline (code defaults; the config file does not expose them).

    ``extract_below``: an entry whose feed text is shorter than this (characters) gets
    its article page fetched and extracted (the five real feeds carry 50-400 character
    teasers; full-text items run to thousands). ``max_pages``: at most this many pages
    per poll, newest entries first (a newly added feed with 500 items does not fetch
    500 pages; the rest keep their feed text). ``page_budget``: seconds for all pages of
    one poll (default twice ``polling.timeout_seconds``). ``poll_timeout``: a safety net
    over a whole poll before storing (default generous; the fetch deadline and the page
    budget bound the network parts). ``story_window``: seconds a story stays open.
    ``max_entries``: a document's newest entries read, the rest ignored (see
    :data:`bot.ingest.entries.MAX_ENTRIES`). ``full_retry``: while the database is full,
    seconds between two polls of a single feed that try whether it takes writes again.
    """

    extract: bool = True
    extract_below: int = 500
    max_pages: int = 100
    page_budget: float | None = None
    poll_timeout: float | None = None
    story_window: float = WINDOW
    story_limit: int = LIMIT
    max_entries: int = MAX_ENTRIES
    full_retry: float = 30.0


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll did. ``result``: ok | not_modified | unchanged | error | gone (the
    feed was deleted during the poll) | paused (an admin paused it during the poll; as
    with gone, nothing of the poll was stored). An ``error`` of ``kind`` "full": the
    database refused to store it; nothing recorded on the feed.
    ``entries``: distinct items read from the document (at most ``max_entries``);
    ``new``: not stored before; ``stored``: inserted now; ``queued``: outbox rows created;
    ``joined``: new articles that joined an existing story; ``from_pages``: articles whose
    text came from the page; ``stale``: new articles published more than
    ``polling.push_max_age_hours`` ago, stored without being pushed."""

    feed_id: int
    url: str
    result: str
    entries: int = 0
    new: int = 0
    stored: int = 0
    queued: int = 0
    joined: int = 0
    from_pages: int = 0
    stale: int = 0
    error: str | None = None
    kind: str | None = None
    failures: int = 0
    disabled: bool = False
    next_poll_at: float = 0.0
    seconds: float = 0.0


@dataclass(slots=True)
class CycleReport:
    outcomes: list[PollOutcome] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def stored(self) -> int:
        return sum(o.stored for o in self.outcomes)

    @property
    def queued(self) -> int:
        return sum(o.queued for o in self.outcomes)

    def by_url(self) -> dict[str, PollOutcome]:
        return {o.url: o for o in self.outcomes}


@dataclass(slots=True)
class _Plan:
    result: str
    fetched: FetchResult
    digest: str | None = None
    ttl: int | None = None
    built: list[Built] = field(default_factory=list)
    entries: int = 0
    new: int = 0
    listed: bytes | None = None  # what this version of the feed lists (bot.storage._listing)


#: Why a feed answering 410 Gone is disabled at once (an admin's /resumefeed re-enables it).
GONE = "the server says the feed is gone for good (HTTP 410)"


def _oldest_first(entries: Sequence[Entry]) -> list[Entry]:
    # Feeds list newest first: reversing keeps document order for equal dates.
    return sorted(reversed(entries), key=lambda e: e.published.timestamp() if e.published else 0)


class Poller:
    """Polls feeds into storage. One per service; :meth:`close` it.

    ``hooks`` are called (no arguments) after a poll created outbox rows; ``on_disabled``
    with the feed and the reason when a poll disables it (the service tells the admins).
    Neither may block: a hook that raises is logged and skipped."""

    def __init__(
        self,
        storage: Storage,
        fetcher: Fetcher,
        config: PollingConfig,
        *,
        workers: Workers | None = None,
        options: IngestOptions | None = None,
        hooks: Sequence[Callable[[], None]] = (),
        on_disabled: Sequence[Callable[[Feed, str], None]] = (),
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.storage = storage
        self.fetcher = fetcher
        self.config = config
        self.workers = workers or Workers("thread")
        self.options = options or IngestOptions()
        self.hooks = hooks
        self.on_disabled = on_disabled
        self.stories = StoryIndex(self.options.story_window, limit=self.options.story_limit)
        self._rng = rng or random.Random()
        self._clock = clock
        self._slots = asyncio.Semaphore(config.concurrency)
        self._in_flight: dict[int, asyncio.Task[PollOutcome]] = {}
        self._told_moved: set[int] = set()
        # feed id -> the listing (bot.storage._listing) its last poll stored
        self._listed: dict[int, bytes] = {}
        self._stories_loaded = False
        self._pruned_at = 0.0
        # time.monotonic() of the last write refused for a full disk; None: not paused
        self._full_at: float | None = None
        self._closed = False
        timeout = float(config.timeout_seconds)
        self.page_budget = self.options.page_budget or 2 * timeout
        self.poll_timeout = self.options.poll_timeout or max(
            120.0, 2 * timeout + self.page_budget + 60.0)

    # --- cycles ------------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def load_stories(self) -> int:
        """Index the stories of the last ``story_window`` seconds (once)."""
        if self._stories_loaded:
            return 0
        since = self._clock() - self.options.story_window
        rows = await self.storage.db.read(lambda c: recent_stories(c, since))
        self._stories_loaded = True
        return self.stories.load(rows)

    async def poll_due(self, *, wait: bool = True) -> CycleReport:
        """Start a poll of every due feed not already being polled. With ``wait``,
        return when they are done (their outcomes); without, return at once."""
        if self._closed:
            return CycleReport()
        heartbeat("poll")
        await self.load_stories()
        now = self._clock()
        if now - self._pruned_at >= 60:
            self.stories.prune(now)
            self._pruned_at = now
        limit = 10_000
        if self._full_at is not None:  # the database is full: one feed tries it now and then
            if time.monotonic() - self._full_at < self.options.full_retry:
                return CycleReport()
            self._full_at = time.monotonic()
            limit = 1
        feeds = await self.storage.polling.due(now, exclude=set(self._in_flight), limit=limit)
        tasks = [self._launch(feed) for feed in feeds]
        if not wait or not tasks:
            return CycleReport()
        return CycleReport(list(await asyncio.gather(*tasks)))

    async def poll_now(self, feed_id: int | None = None) -> CycleReport:
        """Make a feed (or every enabled feed) due and poll what is due; wait for it."""
        await self.storage.polling.mark_due(feed_id)
        return await self.poll_due(wait=True)

    def _launch(self, feed: Feed) -> asyncio.Task[PollOutcome]:
        task = asyncio.create_task(self._slot(feed), name=f"poll-feed-{feed.id}")
        self._in_flight[feed.id] = task

        def done(t: asyncio.Task[PollOutcome]) -> None:
            if self._in_flight.get(feed.id) is t:
                del self._in_flight[feed.id]

        task.add_done_callback(done)
        return task

    async def _slot(self, feed: Feed) -> PollOutcome:
        async with self._slots:
            return await self.poll_feed(feed)

    async def wait_idle(self) -> None:
        """Return when no poll is running (polls started meanwhile included)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight.values()), return_exceptions=True)

    async def close(self) -> None:
        """Cancel polls in progress (nothing half-stored: a poll's writes are one
        transaction) and stop the workers."""
        self._closed = True
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.workers.close()

    # --- one feed ----------------------------------------------------------------------

    async def poll_feed(self, feed: Feed) -> PollOutcome:
        """Poll ``feed`` once and record the outcome. Never raises (except cancellation)."""
        started = time.monotonic()
        interval = schedule.base_interval(feed.interval_seconds, self.config.interval_seconds)
        try:
            async with asyncio.timeout(self.poll_timeout):
                # the same deadline, for the worker (wall clock: another process)
                plan = await self._prepare(feed, time.time() + self.poll_timeout)
        except FetchError as exc:
            FETCH_ERRORS.labels(kind=exc.kind).inc()
            retry = exc.retry_after if isinstance(exc, FetchStatusError) else None
            gone = GONE if exc.status == 410 else None
            return await self._fail(feed, interval, str(exc), exc.kind, retry, started, gone)
        except ParseError as exc:
            return await self._fail(feed, interval, str(exc), "parse", None, started)
        except FeedError as exc:
            return await self._fail(feed, interval, str(exc), "feed", None, started)
        except TimeoutError:
            message = f"poll: {feed.url}: not done within {self.poll_timeout:g}s"
            return await self._fail(feed, interval, message, "timeout", None, started)
        except Exception as exc:
            log.exception("poll: %s: unexpected error", feed.url)
            message = f"poll: {feed.url}: internal error: {type(exc).__name__}: {exc}"
            return await self._fail(feed, interval, message, "internal", None, started)
        return await self._store(feed, plan, interval, started)

    async def _prepare(self, feed: Feed, deadline: float) -> _Plan:
        fetched = await self.fetcher.fetch(feed.url, etag=feed.etag,
                                           last_modified=feed.last_modified)
        if fetched.not_modified or fetched.body is None:
            return _Plan("not_modified", fetched)
        digest = body_digest(fetched.body)
        if digest == feed.body_hash:
            return _Plan("unchanged", fetched, digest)
        fetched_at = datetime.now(UTC)
        # the items the feed's previous version listed come back without their text (they
        # are stored); one of them that is not stored any more is read again, whole
        listed = self._listed.get(feed.id)
        if listed is None:  # not polled since the start: as its last poll recorded it
            listed = await self.storage.db.read(lambda c: listed_by(c, feed.id))
        parsed, urls, guids, new, tokens = await self._read(feed, fetched, fetched_at, listed)
        keys = listed_keys(listed)
        if keys and any(is_listed(keys, url, e.guid) for e, url in new):
            log.info("poll: %s: an item listed before is not stored; reading it whole",
                     feed.url)
            parsed, urls, guids, new, tokens = await self._read(feed, fetched, fetched_at, None)
        entries, new_entries = parsed.entries, [e for e, _ in new]
        if parsed.omitted:
            log.warning("poll: %s: ~%d entries; the newest %d are read", feed.url,
                        len(entries) + parsed.omitted, len(entries))
        plan = _Plan("ok", fetched, digest, parsed.ttl, entries=len(entries), new=len(new),
                     listed=listing(urls, guids))
        if not new:
            return plan
        pages = {}
        if self.options.extract:
            wanted = [e.url for e in newest_first(new_entries)
                      if e.url and needs_page(e, self.options.extract_below)]
            pages = await fetch_pages(self.fetcher, wanted[: self.options.max_pages],
                                      budget=self.page_budget)
        jobs = [(e, pages.get(e.url) if e.url else None) for e in _oldest_first(new_entries)]
        plan.built = await self.workers.run(build_in_worker, jobs, feed.id, feed.name,
                                            fetched_at, tokens, deadline)
        return plan

    async def _read(
        self, feed: Feed, fetched: FetchResult, fetched_at: datetime, listed: bytes | None
    ) -> tuple[ParsedFeed, list[str], list[str], list[tuple[Entry, str]], bool]:
        """Parse the fetched body in a worker (``listed``: see :func:`parse_in_worker`):
        (the parsed feed, its entries' URLs and GUIDs, the entries not stored yet with
        their URL, whether to compute keyword-matching words)."""
        parsed = await self.workers.run(parse_in_worker, fetched.body, fetched.url,
                                        fetched.headers, fetched_at, self.options.max_entries,
                                        listed)
        entries = parsed.entries  # distinct, the newest max_entries
        urls = [article_url(e, feed.id) for e in entries]
        guids = [e.guid for e in entries if e.guid]
        # keyword-matching words are worth computing (and sending back) only for articles
        # that may be pushed: the feed's first poll is not, and no keyword, no use
        (known_urls, known_guids), tokens = await self.storage.db.read(lambda c: (
            known_keys(c, feed.id, urls, guids), feed.initialized and has_keywords(c)))
        new = [(e, url) for e, url in zip(entries, urls, strict=True)
               if not is_known(e, url, known_urls, known_guids)]
        return parsed, urls, guids, new, tokens

    async def _store(self, feed: Feed, plan: _Plan, interval: float,
                     started: float) -> PollOutcome:
        fetched = plan.fetched
        now = self._clock()
        delay = schedule.success_delay(interval, ttl_minutes=plan.ttl, max_age=fetched.max_age,
                                       retry_after=fetched.retry_after)
        nxt = schedule.next_poll_at(now, delay, self._rng.random())
        items = [Prepared(b.article, b.fingerprint, b.index, b.tokens) for b in plan.built]
        max_age = self.config.push_max_age_hours
        push_after = now - max_age * 3600.0 if max_age > 0 else None
        # stored URLs are canonical: a redirect to another spelling of it is no move
        permanent = fetched.permanent_url and canonical_feed_url(fetched.permanent_url)
        moved_to = permanent if permanent and permanent != feed.url else None
        try:
            result = await self.storage.db.write(lambda c: store_poll(
                c, feed.id, items, now=now, next_poll_at=nxt, etag=fetched.etag,
                last_modified=fetched.last_modified, body_hash=plan.digest,
                stories=self.stories, push_after=push_after, moved_to=moved_to,
                listed=plan.listed))
        except StorageFull as exc:
            return self._refused(feed, exc, started)
        except Exception as exc:
            log.exception("poll: %s: storing the poll failed", feed.url)
            return await self._fail(feed, interval, f"poll: {feed.url}: storage: {exc}",
                                    "storage", None, started)
        if self._full_at is not None:
            self._full_at = None
            log.info("poll: the database takes writes again; polling resumes")
        seconds = time.monotonic() - started
        if not result.found:
            self._listed.pop(feed.id, None)
            log.info("poll: feed %d (%s) was removed during its poll", feed.id, feed.url)
            return PollOutcome(feed.id, feed.url, "gone", seconds=seconds)
        if result.paused:
            log.info("poll: feed %d (%s) was paused during its poll; nothing stored",
                     feed.id, feed.url)
            return PollOutcome(feed.id, feed.url, "paused", seconds=seconds)
        POLLS.labels(result=plan.result).inc()
        if moved_to:
            self._moved(feed, moved_to, result.moved)
        stored = len(result.stored)
        if stored:
            ARTICLES_STORED.inc(stored)
            stale = (f" ({result.stale} published over {max_age:g} h ago: not pushed)"
                     if result.stale else "")
            log.info("poll: %s: %d new article(s) stored, %d outbox row(s)%s%s, %d joined a "
                     "story, %d from article pages (%.1fs)", feed.name, stored, result.queued,
                     "" if result.enqueued else " (first poll: not pushed)", stale,
                     result.joined, sum(b.from_page for b in plan.built), seconds)
        else:
            log.debug("poll: %s: %s, nothing new (%.2fs)", feed.name, plan.result, seconds)
        if result.queued:
            self._wake()
        if plan.listed is not None:
            self._listed[feed.id] = plan.listed
        return PollOutcome(
            feed.id, feed.url, plan.result, entries=plan.entries, new=plan.new, stored=stored,
            queued=result.queued, joined=result.joined, stale=result.stale,
            from_pages=sum(b.from_page for b in plan.built), next_poll_at=nxt, seconds=seconds)

    def _moved(self, feed: Feed, new_url: str, stored: bool) -> None:
        if stored:
            log.info("poll: feed %d moved permanently: %s -> %s (address updated)",
                     feed.id, feed.url, new_url)
        elif feed.id not in self._told_moved:  # once per run: it redirects at every poll
            self._told_moved.add(feed.id)
            why = ("update the config file" if feed.origin == "config"
                   else "another feed has that address")
            log.warning("poll: feed %d redirects permanently: %s -> %s (not updated: %s)",
                        feed.id, feed.url, new_url, why)

    def _pause(self, exc: StorageFull) -> None:
        if self._full_at is None:
            log.info("poll: polling paused: %s; one feed is tried every %.0f s until the "
                     "database takes writes again", exc, self.options.full_retry)
        self._full_at = time.monotonic()

    def _refused(self, feed: Feed, exc: StorageFull, started: float) -> PollOutcome:
        """The database is full: the poll is not stored, and it is not the feed's fault."""
        POLLS.labels(result="error").inc()
        self._pause(exc)
        log.debug("poll: %s: not stored: %s", feed.url, exc)
        return PollOutcome(feed.id, feed.url, "error", error=str(exc), kind="full",
                           failures=feed.consecutive_failures,
                           seconds=time.monotonic() - started)

    def _wake(self) -> None:
        for hook in self.hooks:
            try:
                hook()
            except Exception:
                log.exception("poll: on_new_articles hook %r failed", hook)

    async def _fail(self, feed: Feed, interval: float, error: str, kind: str,
                    retry_after: float | None, started: float,
                    disable_now: str | None = None) -> PollOutcome:
        POLLS.labels(result="error").inc()
        now = self._clock()
        u = self._rng.random()

        def when(failures: int) -> float:
            delay = schedule.failure_delay(interval, failures, retry_after=retry_after)
            return schedule.next_poll_at(now, delay, u)

        try:
            failures, disabled = await self.storage.db.write(lambda c: record_failure(
                c, feed.id, now=now, error=error, kind=kind, schedule=when,
                max_failures=self.config.max_consecutive_failures, disable_now=disable_now,
                resumes=feed.resumes))
        except StorageFull as exc:  # not recorded: the feed waits for the pause to end
            self._pause(exc)
            failures, disabled = feed.consecutive_failures + 1, False
        except Exception:
            log.exception("poll: %s: recording the failure failed", feed.url)
            failures, disabled = feed.consecutive_failures + 1, False
        if disabled:
            reason = disable_now or failure_reason(failures, error)
            log.error("poll: feed %d (%s) disabled: %s", feed.id, feed.url, reason)
            for hook in self.on_disabled:
                try:
                    hook(feed, reason)
                except Exception:
                    log.exception("poll: on_disabled hook %r failed", hook)
        elif failures:
            log.warning("poll: %s failed (%s, %d in a row): %s", feed.name, kind, failures,
                        error)
        else:  # record_failure counted nothing: paused, resumed or removed meanwhile
            log.warning("poll: %s failed (%s; not counted: the feed was paused, resumed or "
                        "removed during the poll): %s", feed.name, kind, error)
        return PollOutcome(feed.id, feed.url, "error", error=error, kind=kind,
                           failures=failures, disabled=disabled, next_poll_at=when(failures),
                           seconds=time.monotonic() - started)
