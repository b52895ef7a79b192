"""What the running service drops from memory about a chat that asked /forget (the
database rows go in ``bot.storage._chat_settings.forget``).

:func:`forget_in_memory` runs after /forget's last message to the chat, so nothing sent
then puts the chat back: the delivery worker's note of when the chat may have a row
again, the send limiter's pacing of the chat (once its window is over: a chat that
comes back at once is still paced), PTB's ``chat_data`` and ``user_data`` of the chat (a
private chat's id is its user's), and the update PTB's fetch loop holds until the next
one arrives (a blank update follows it). The per-chat gates let go of the chat by
themselves (``bot.delivery.gates``); handlers drop what they cache (``handlers.guard``).

:class:`NewsbotApplication` keeps no ids for a persistence the service does not have:
PTB's ``Application`` adds the chat and user of every update to sets that only a
persistence empties, so they held every chat and user it ever saw.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, Job

from bot.ratelimit import SendLimiter
from bot.services import KEY, Services


class Blank:
    """An update no handler takes: what PTB's fetch loop holds after /forget's update."""

    def __repr__(self) -> str:
        return "Blank()"


class NewsbotApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, without the persistence marks it keeps when it has none."""

    def _mark_for_persistence_update(self, *, update: object | None = None,
                                     job: Job[Any] | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)

    def drop_chat_data(self, chat_id: int) -> None:
        super().drop_chat_data(chat_id)
        if self.persistence is None:  # marked for a persistence to delete: there is none
            self._chat_ids_to_be_deleted_in_persistence.discard(chat_id)

    def drop_user_data(self, user_id: int) -> None:
        super().drop_user_data(user_id)
        if self.persistence is None:
            self._user_ids_to_be_deleted_in_persistence.discard(user_id)


def forget_in_memory(app: Application, chat_id: int) -> None:
    """Drop what the service keeps in memory about ``chat_id`` (see the module)."""
    services: Services = app.bot_data[KEY]
    if services.delivery is not None:
        services.delivery.forget(chat_id)
    limiter = app.bot.rate_limiter
    if isinstance(limiter, SendLimiter):
        limiter.forget(chat_id)
    app.drop_chat_data(chat_id)
    if chat_id > 0:  # a private chat: its id is its user's
        app.drop_user_data(chat_id)
    app.update_queue.put_nowait(Blank())
