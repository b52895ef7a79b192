"""Every minute: send the digests that are due (hourly/daily digest-mode chats)."""

from __future__ import annotations

from telegram.ext import Application, ContextTypes

from bot.services import Services

INTERVAL_SECONDS = 60.0


def schedule(app: Application, services: Services) -> None:
    async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
        # nothing is sent by a process whose lease is suspended (a full disk) or lost
        if services.digests is not None and services.may_send():
            await services.digests.run_due()

    assert app.job_queue is not None
    app.job_queue.run_repeating(tick, interval=INTERVAL_SECONDS, first=INTERVAL_SECONDS,
                                name="digests")
