"""The polling job: a JobQueue tick that starts the polls of the feeds that are due.

One repeating job (every :data:`TICK_SECONDS`) asks the database which enabled feeds are
due (``feeds.next_poll_at``) and starts a poll task for each one not already running;
the tick returns at once, so a slow feed never holds up the tick or the other feeds.
Each feed's own interval, backoff and jitter live in ``next_poll_at`` (see
``bot.ingest.schedule``), so a restart resumes where it stopped, and feeds added at
runtime (admin commands, the CLI) are picked up at the next tick.

When a poll disables a feed (too many failures in a row, or 410 Gone), every admin in
``telegram.admins`` gets a message saying so, with the reason and the command that
re-enables it (an admin who never opened the bot cannot be written to: logged at INFO).
Feeds disabled within :data:`ALERT_DELAY` seconds of each other share one message (split
at Telegram's limits), so a site that takes many feeds down does not flood the admins.
The message is written when it goes out, from the feeds as they are then: a feed an
admin resumed or deleted in the meantime is left out (it said "disabled, /resumefeed"
after the admin's /resumefeed was answered).
"""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.admin.feeds import disabled_alert
from bot.ingest import Poller, Workers
from bot.render import split_message
from bot.services import Services, get_services
from bot.storage import Feed

log = logging.getLogger(__name__)

TICK_SECONDS = 5.0
FIRST_TICK_SECONDS = 1.0
ALERT_DELAY = 2.0


def schedule(app: Application, services: Services) -> None:
    """Create the service's :class:`Poller` (``services.poller``) and its tick job."""
    assert services.fetcher is not None, "the Fetcher is created with the services"
    assert app.job_queue is not None
    job_queue = app.job_queue

    waiting: list[int] = []  # ids of feeds disabled, not told yet; the job takes them all

    def disabled(feed: Feed, reason: str) -> None:
        if not services.config.telegram.admins:
            return
        waiting.append(feed.id)
        if len(waiting) == 1:
            job_queue.run_once(_tell_admins, when=ALERT_DELAY, data=waiting,
                               name="feeds-disabled")

    poller = Poller(services.storage, services.fetcher, services.config.polling,
                    workers=Workers("process"), hooks=services.on_new_articles,
                    on_disabled=[disabled])
    services.poller = poller
    app.job_queue.run_repeating(
        _tick, interval=TICK_SECONDS, first=FIRST_TICK_SECONDS, name="poll", data=poller,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None})
    services.stop_hooks.append(poller.close)


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.job is not None
    poller: Poller = context.job.data  # type: ignore[assignment]
    await poller.poll_due(wait=False)


async def _tell_admins(context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.job is not None
    waiting: list[int] = context.job.data  # type: ignore[assignment]
    ids = list(dict.fromkeys(waiting))
    waiting.clear()  # the next disabled feed schedules the next message
    services = get_services(context)
    feeds = {f.id: f for f in await services.storage.feeds.list()}
    still = [feeds[i] for i in ids if i in feeds and feeds[i].disabled_reason]
    if not still:  # resumed (or deleted) by an admin meanwhile
        return
    chunks = split_message([disabled_alert(f, f.disabled_reason or "") for f in still])
    for admin in services.config.telegram.admins:
        for text in chunks:
            if not services.may_send():
                return
            try:
                await context.bot.send_message(admin, text, parse_mode=ParseMode.HTML)
            except TelegramError as exc:  # e.g. an admin who never opened the bot (403)
                log.info("poll: could not tell admin %s that feeds were disabled: %s",
                         admin, exc)
                break
