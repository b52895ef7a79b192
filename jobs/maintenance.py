"""Retention: prune old articles, outbox rows and broadcasts, once soon after start and
then daily (the rules are in ``bot.storage._maintenance``). And once, soon after start,
rebuild a search index that holds keys of an older version (``bot.storage._reindex``).

On a full disk neither gives up until the next start: retention that cannot write is
tried again every :data:`FULL_RETRY_SECONDS` (not a day later), and a rebuild refused
for space (its half-built index dropped, the old one in use) is tried again once the
database takes writes again, after 10 minutes, then 20, 40 ... at most 6 hours apart.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from telegram.ext import Application, ContextTypes

from bot import metrics
from bot.errors import RebuildInProgress, ReindexStopped, StorageError, StorageFull
from bot.services import Services, get_services

log = logging.getLogger(__name__)

FIRST_RUN_SECONDS = 60.0  # after start: let the first polls and deliveries go first
INTERVAL_SECONDS = 86400.0
REINDEX_SECONDS = 5.0  # after start: a stale search index is rebuilt (once)
RETRY_SECONDS = 30.0  # while another rebuild holds the claim: look again this often
FULL_RETRY_SECONDS = 600.0  # a job refused for a full disk: the first wait before a retry
FULL_RETRY_MAX = 6 * 3600.0


async def _stopped(stop: threading.Event, seconds: float) -> bool:
    """Wait ``seconds``, or less when ``stop`` is set (the service is stopping)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not stop.is_set():
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            return False
        await asyncio.sleep(min(left, 0.5))
    return True


async def prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    try:
        await run(services)
    except StorageFull as exc:  # what was pruned stays pruned (one batch a transaction)
        log.warning("maintenance: retention stopped: %s; trying again in %.0f s", exc,
                    FULL_RETRY_SECONDS)
        job_queue = context.job_queue
        if job_queue is not None and not job_queue.get_jobs_by_name("maintenance-retry"):
            job_queue.run_once(prune, when=FULL_RETRY_SECONDS, name="maintenance-retry")


async def run(services: Services) -> dict:
    if not services.may_send():  # lost the instance lease: the other process prunes
        return {}
    keep = services.config.retention
    result = await services.storage.maintenance.prune(
        articles_days=keep.articles_days, outbox_days=keep.outbox_days)
    for table in ("articles", "outbox", "broadcasts"):
        metrics.RETENTION_DELETED.labels(table).inc(getattr(result, table))
    log.info("maintenance: pruned %d article(s), %d outbox row(s), %d broadcast(s) in %.2fs"
             " (articles > %d days, outbox > %d days; %d old article(s) kept: their feed"
             " still lists them); WAL %s -> %s bytes",
             result.articles, result.outbox, result.broadcasts, result.seconds,
             keep.articles_days, keep.outbox_days, result.listed, result.wal_bytes_before,
             result.wal_bytes_after)
    return result.as_dict()


async def reindex(context: ContextTypes.DEFAULT_TYPE) -> None:
    await reindex_if_stale(get_services(context))


async def reindex_if_stale(services: Services) -> tuple[int, float] | None:
    """Rebuild the search index when it holds keys of an older version (after an upgrade
    that changed how text is indexed): beside the old one, while the bot runs. (articles,
    seconds), or None when nothing was to be done."""
    if not services.may_send():  # lost the instance lease: the other process does it
        return None
    search = services.storage.search
    if not await search.index_is_stale():
        return None
    log.warning("search: the index holds keys of an older version; rebuilding it beside the"
                " old one (searches use the old one until it is done)")
    stop = threading.Event()

    async def halt() -> None:  # the service is stopping: end after the current batch
        stop.set()

    services.stop_hooks.append(halt)
    try:
        told = False
        full_wait = FULL_RETRY_SECONDS
        while True:
            try:
                count, seconds = await search.rebuild_index(stop)
                break
            except StorageFull as exc:
                log.warning("search: rebuilding the index stopped: %s; the half-built index "
                            "is dropped (its space given back) and the old one stays in use; "
                            "trying again in %.0f s, once the database takes writes", exc,
                            full_wait)
                if await _stopped(stop, full_wait):
                    return None
                while services.storage.db.full is not None:
                    if await _stopped(stop, RETRY_SECONDS):
                        return None
                full_wait = min(FULL_RETRY_MAX, 2 * full_wait)
                if not await search.index_is_stale():
                    return None
            except RebuildInProgress as exc:
                # `newsbot reindex` at it, or a process killed mid-rebuild whose claim has
                # not expired yet (a restart within 120 s): wait, then finish the job
                if not told:
                    log.warning("search: %s; trying again every %.0f s until it is done",
                                exc, RETRY_SECONDS)
                    told = True
                if await _stopped(stop, RETRY_SECONDS):
                    return None
                if not await search.index_is_stale():
                    log.info("search: the other rebuild of the index has finished")
                    return None
    except ReindexStopped as exc:
        log.info("search: %s; the next start rebuilds it again", exc)
        return None
    except StorageError:
        log.exception("search: rebuilding the index failed; the old one stays (next start,"
                      " or `newsbot reindex`, tries again)")
        return None
    finally:
        services.stop_hooks.remove(halt)
    log.info("search: index rebuilt: %d article(s) in %.1f s", count, seconds)
    return count, seconds


def schedule(app: Application, services: Services) -> None:
    assert app.job_queue is not None
    app.job_queue.run_once(reindex, when=REINDEX_SECONDS, name="reindex")
    app.job_queue.run_repeating(prune, interval=INTERVAL_SECONDS, first=FIRST_RUN_SECONDS,
                                name="maintenance")
