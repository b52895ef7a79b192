"""Keeps the progress message of every running broadcast up to date, then writes its
final report.

``tick(bot)`` (the ``broadcast-progress`` job, every few seconds) reads the broadcasts
still to report from the database (``storage.broadcasts.active()``), so a restart simply
carries on; for each it counts the outbox rows (``broadcast_counts``, an index), renders
the progress (:mod:`bot.admin.progress`) and edits the message only when the text
changed (Telegram answers 400 "message is not modified" otherwise). When no row is
pending or in flight it marks the broadcast finished and edits the message into the
final report; if that message cannot be edited any more (deleted), the report is sent
as a new message. Edits go through the application's bot, so the SendLimiter keeps them
within the chat's limits; at most one edit per broadcast per tick (3 s) in a private
chat, and one per :data:`GROUP_EDIT_SECONDS` in a group or channel, whose 20 messages a
minute the broadcast itself may need.

``refresh(bot, id)`` does the same at once for one broadcast (after confirm or cancel).

While the database is full (:class:`StorageFull`) the progress goes on from what can be
read, with a line that says why it stands still (while the database's "full" episode
lasts: until writes have worked for a minute, as /healthz); what needs a write waits for
a later tick: marking a broadcast finished (so its
final report), cancelling rows released after a stop, expiring stale drafts (before,
that sweep's failure ended the tick before any progress edit and was not tried again
for an hour).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.admin.buttons import stop_keyboard
from bot.admin.progress import Progress, RateMeter, render_final, render_progress
from bot.callbacks import CallbackCodec
from bot.errors import StorageFull
from bot.storage import BroadcastRecord, Storage

log = logging.getLogger(__name__)
T = TypeVar("T")

EXPIRE_EVERY = 3600.0  # seconds between sweeps of stale drafts
GROUP_EDIT_SECONDS = 10.0  # least time between two progress edits in a group or channel


@dataclass
class _State:
    meter: RateMeter = field(default_factory=RateMeter)
    last_text: str = ""
    edited_at: float = float("-inf")


def _live(record: BroadcastRecord) -> bool:
    return record.status == "sending" or (record.status == "cancelled"
                                          and record.confirmed_at is not None
                                          and record.finished_at is None)


def _not_modified(exc: TelegramError) -> bool:
    return isinstance(exc, BadRequest) and "not modified" in exc.message.lower()


class BroadcastTracker:
    def __init__(self, storage: Storage, codec: CallbackCodec, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._storage = storage
        self._codec = codec
        self._clock = clock
        self._states: dict[int, _State] = {}
        self._lock = asyncio.Lock()
        self._swept_at = -EXPIRE_EVERY

    async def tick(self, bot: Bot) -> None:
        async with self._lock:
            now = self._clock()
            if now - self._swept_at >= EXPIRE_EVERY:
                try:
                    expired = await self._storage.broadcasts.expire_drafts()
                except StorageFull as exc:  # logged once by the storage; the next tick retries
                    log.debug("admin: stale drafts not expired yet: %s", exc)
                else:
                    self._swept_at = now
                    if expired:
                        log.info("admin: %d unconfirmed broadcast draft(s) expired", expired)
            records = await self._storage.broadcasts.active()
            for gone in set(self._states) - {r.id for r in records}:
                del self._states[gone]
            for record in records:
                try:
                    await self._update(bot, record)
                except StorageFull as exc:  # logged once by the storage; the next tick retries
                    log.debug("admin: progress of broadcast %d waits: %s", record.id, exc)
                except Exception:  # one broken broadcast must not stop the others
                    log.exception("admin: progress of broadcast %d failed", record.id)

    async def without_reports(self, change: Callable[[], Awaitable[T]]) -> T:
        """Run ``change`` while no progress message is being written: after /forget
        (which clears the chat of every progress message in it), none is edited there."""
        async with self._lock:
            return await change()

    async def refresh(self, bot: Bot, broadcast_id: int) -> None:
        async with self._lock:
            record = await self._storage.broadcasts.get(broadcast_id)
            if record is not None and _live(record):
                await self._update(bot, record)

    async def _update(self, bot: Bot, record: BroadcastRecord) -> None:
        outbox = self._storage.outbox
        counts = await outbox.broadcast_counts(record.id)
        # rows released back to pending after a cancel (shutdown, retry): never send them
        if record.status == "cancelled" and counts["pending"] \
                and await outbox.cancel_broadcast(record.id):
            counts = await outbox.broadcast_counts(record.id)
        progress = Progress.from_counts(counts, record.total)
        if progress.pending == 0:
            await self._finish(bot, record, progress)
            return
        state = self._states.setdefault(record.id, _State())
        now = self._clock()
        state.meter.add(now, progress.processed)
        stopping = record.status == "cancelled"
        text = render_progress(record.id, progress, state.meter.eta(progress.pending),
                               stopping=stopping,
                               storage_full=self._storage.db.full is not None)
        if text == state.last_text:
            return
        if (record.progress_chat_id or 0) < 0 and state.last_text and not stopping \
                and now - state.edited_at < GROUP_EDIT_SECONDS:
            return
        markup = None if stopping else stop_keyboard(self._codec, record.id)
        if await self._edit(bot, record, text, markup):
            state.last_text, state.edited_at = text, now

    async def _finish(self, bot: Bot, record: BroadcastRecord, progress: Progress) -> None:
        final = await self._storage.broadcasts.finish(record.id) or record
        elapsed = (final.finished_at - final.confirmed_at
                   if final.finished_at is not None and final.confirmed_at is not None
                   else None)
        text = render_final(record.id, progress, final.status, elapsed)
        self._states.pop(record.id, None)
        log.info("admin: broadcast %d %s: %d sent, %d failed, %d blocked, %d cancelled"
                 " of %d in %.1fs", record.id, final.status, progress.sent, progress.failed,
                 progress.blocked, progress.cancelled, progress.total, elapsed or 0.0)
        if not await self._edit(bot, record, text, None) and record.progress_chat_id:
            try:
                await bot.send_message(record.progress_chat_id, text, parse_mode=ParseMode.HTML)
            except TelegramError as exc:
                log.warning("admin: final report of broadcast %d not delivered: %s",
                            record.id, exc)

    async def _edit(self, bot: Bot, record: BroadcastRecord, text: str,
                    markup: InlineKeyboardMarkup | None) -> bool:
        if record.progress_chat_id is None or record.progress_message_id is None:
            return False
        try:
            await bot.edit_message_text(text, chat_id=record.progress_chat_id,
                                        message_id=record.progress_message_id,
                                        parse_mode=ParseMode.HTML, reply_markup=markup)
        except TelegramError as exc:
            if _not_modified(exc):
                return True
            log.info("admin: progress message of broadcast %d not edited: %s", record.id, exc)
            return False
        return True
