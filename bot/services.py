"""The objects a running service shares with its handlers and jobs.

The wiring module (``bot.app``) builds one :class:`Services` and stores it in
``application.bot_data``; handlers and jobs reach it with :func:`get_services`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.callbacks import CallbackCodec
from bot.config import Config
from bot.storage import Storage

if TYPE_CHECKING:
    from bot.delivery import Delivery, DigestRunner

KEY = "services"


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
    #: awaited in order at shutdown, before the database closes (e.g. delivery drains)
    stop_hooks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    #: the outbox worker (jobs/delivery.py); after storing articles or broadcast rows call
    #: ``if services.delivery: services.delivery.wake()`` so they go out at once
    delivery: Delivery | None = None
    #: sends hourly/daily digests (jobs/digest.py runs it every minute)
    digests: DigestRunner | None = None

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.config.telegram.admins


def get_services(context: Any) -> Services:
    """The :class:`Services` of the application behind a PTB ``context``."""
    services = context.application.bot_data.get(KEY)
    if services is None:  # pragma: no cover - wiring bug
        raise RuntimeError("services not installed in bot_data")
    return services
