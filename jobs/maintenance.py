"""Retention: prune old articles, outbox rows and broadcasts, once soon after start and
then daily (the rules are in ``bot.storage._maintenance``)."""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot import metrics
from bot.services import Services, get_services

log = logging.getLogger(__name__)

FIRST_RUN_SECONDS = 60.0  # after start: let the first polls and deliveries go first
INTERVAL_SECONDS = 86400.0


async def prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    await run(services)


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
             result.articles, result.outbox, result.broadcasts, result.seconds, result.listed,
             keep.articles_days, keep.outbox_days, result.wal_bytes_before,
             result.wal_bytes_after)
    return result.as_dict()


def schedule(app: Application, services: Services) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(prune, interval=INTERVAL_SECONDS, first=FIRST_RUN_SECONDS,
                                name="maintenance")
