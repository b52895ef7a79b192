"""Broadcast progress: a repeating job that edits the progress message of every running
broadcast (``bot.admin.tracker.BroadcastTracker``, also ``services.broadcasts``) every
:data:`PROGRESS_SECONDS`. The broadcasts to follow are read from the database at each
tick, so after a restart the progress messages carry on where they were. Nothing is
edited by a process that lost the single-instance lease."""

from __future__ import annotations

from telegram.ext import Application, ContextTypes

from bot.admin.tracker import BroadcastTracker
from bot.services import Services, get_services

PROGRESS_SECONDS = 3.0
FIRST_SECONDS = 1.0


def schedule(app: Application, services: Services) -> None:
    services.broadcasts = BroadcastTracker(services.storage, services.callbacks)
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        _tick, interval=PROGRESS_SECONDS, first=FIRST_SECONDS, name="broadcast-progress",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None})


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = get_services(context)
    if services.broadcasts is None or not services.may_send():
        return
    await services.broadcasts.tick(context.bot)
