"""Delivery: the outbox worker, digests, and the pure rules they follow.

- :class:`Delivery` (``worker.py``) drains the outbox within Telegram's limits; call
  ``services.delivery.wake()`` after storing articles or creating broadcast rows.
- :class:`DigestRunner` (``digests.py``) sends hourly/daily digests to digest-mode chats.
- Pure: ``errors.classify`` (Telegram error -> outcome), ``schedule`` (quiet hours,
  digest windows, time parsing), ``fairness.pick`` (which rows to claim next),
  ``digest_render`` (digest and /latest messages).
"""

from bot.delivery.digests import DigestRunner
from bot.delivery.worker import PROCESS_OWNER, Delivery

__all__ = ["PROCESS_OWNER", "Delivery", "DigestRunner"]
