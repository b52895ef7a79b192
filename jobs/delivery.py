"""Start the outbox worker with the application and stop it before the application.

The worker is a long-running task (not a repeating job): it starts right after the
Application starts (a one-off job at t=0) and is stopped by a stop hook, so SIGTERM
finishes the sends in flight and leaves no row claimed.
"""

from __future__ import annotations

from telegram.ext import Application, ContextTypes

from bot.delivery import Delivery, DigestRunner
from bot.delivery.http import delivery_bot
from bot.services import Services


def schedule(app: Application, services: Services) -> None:
    rate = services.config.delivery.messages_per_second
    worker = Delivery(services.storage, delivery_bot(services.config, app.bot.rate_limiter),
                      messages_per_second=rate, may_send=services.may_send)
    services.delivery = worker
    services.on_new_articles.append(worker.wake)
    services.digests = DigestRunner(services.storage, app.bot, worker.owner, gates=worker.gates)

    async def start(context: ContextTypes.DEFAULT_TYPE) -> None:
        await worker.start()

    assert app.job_queue is not None
    app.job_queue.run_once(start, when=0, name="delivery-start")
    services.stop_hooks.append(worker.stop)
