"""The objects a running service shares with its handlers and jobs.

The wiring module (``bot.app``) builds one :class:`Services` and stores it in
``application.bot_data``; handlers and jobs reach it with :func:`get_services`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.callbacks import CallbackCodec
from bot.config import Config
from bot.ops.lease import InstanceLease
from bot.storage import Storage

if TYPE_CHECKING:
    from bot.admin.tracker import BroadcastTracker
    from bot.delivery import Delivery, DigestRunner
    from bot.fetch import Fetcher
    from bot.ingest import Poller

KEY = "services"
T = TypeVar("T")


@dataclass
class Services:
    config: Config
    storage: Storage
    #: signs and checks inline-button payloads (key from the database, see bot.callbacks)
    callbacks: CallbackCodec
    started_at: float = field(default_factory=time.time)
    bot_username: str = ""
    #: (command, Arabic description) of every registered user command, for /help
    commands: list[tuple[str, str]] = field(default_factory=list)
    #: the same for the admin commands (only admins see them, in /help and their menu)
    admin_commands: list[tuple[str, str]] = field(default_factory=list)
    #: called (no arguments) after ingestion stored articles with new outbox rows; the
    #: delivery worker registers its wake-up here (ingestion never calls Telegram)
    on_new_articles: list[Callable[[], None]] = field(default_factory=list)
    #: awaited in order at shutdown, before the database closes (e.g. delivery drains)
    stop_hooks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    #: the HTTP client for feeds and article pages (SSRF guard, caps); closed by bot.app
    fetcher: Fetcher | None = None
    #: the feed poller (jobs/poll.py creates it); ``await poller.poll_now()`` forces a poll
    poller: Poller | None = None
    #: the single-instance lease (bot.ops.lease); senders check ``may_send()`` before
    #: claiming outbox rows. None only when a test builds Services by hand.
    lease: InstanceLease | None = None

    def may_send(self) -> bool:
        """False once this process lost the single-instance lease: send nothing more."""
        return self.lease is None or self.lease.held
    #: the outbox worker (jobs/delivery.py); after storing articles or broadcast rows call
    #: ``if services.delivery: services.delivery.wake()`` so they go out at once
    delivery: Delivery | None = None
    #: sends hourly/daily digests (jobs/digest.py runs it every minute)
    digests: DigestRunner | None = None
    #: edits the progress messages of admin broadcasts (jobs/broadcast_progress.py)
    broadcasts: BroadcastTracker | None = None

    async def without_sends(self, chats: int | Collection[int],
                            change: Callable[[], Awaitable[T]]) -> T:
        """Run ``change``, what changes the rows to send of a chat (/stop, /forget,
        /unsubscribe, /latest) or of several (/delfeed: the feed's subscribers), once no
        send or digest to them is under way; a row the worker claimed before it is not
        sent unless the change left it to send (``bot.delivery.gates``). So nothing it
        took away reaches them after it."""
        if self.delivery is None:
            return await change()
        return await self.delivery.without_sends(chats, change)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.config.telegram.admins


def get_services(context: Any) -> Services:
    """The :class:`Services` of the application behind a PTB ``context``."""
    services = context.application.bot_data.get(KEY)
    if services is None:  # pragma: no cover - wiring bug
        raise RuntimeError("services not installed in bot_data")
    return services
