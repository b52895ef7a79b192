"""One delivery attempt of a claimed row: compose, send, and turn the result into an
outcome for the recorder (see ``errors.py`` for what each Telegram error leads to)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.delivery.compose import Composer
from bot.delivery.errors import MAX_ATTEMPTS, backoff, classify
from bot.delivery.http import DeliveryBot
from bot.delivery.pacing import Throttle
from bot.delivery.recorder import Recorder
from bot.delivery.schedule import is_quiet
from bot.delivery.send import send
from bot.metrics import SEND_SECONDS, SENDS
from bot.storage import OutboxRow, RowUpdate, Storage

log = logging.getLogger(__name__)

MAX_PARTIAL = 10_000  # rows whose delivered parts are remembered at once
PAUSE_CAP = 30.0  # seconds: longest global pause after consecutive 5xx/network errors


class Attempt:
    def __init__(self, storage: Storage, bot: DeliveryBot, deferred: dict[int, float],
                 on_done: Callable[[list[int], list[int]], None], *,
                 messages_per_second: int = 30, flush_seconds: float = 0.02) -> None:
        self.bot = bot
        self.throttle = Throttle(messages_per_second)
        self.deferred = deferred
        self.composer = Composer(storage)
        self.recorder = Recorder(storage.outbox, on_done, interval=flush_seconds)
        self.bad_photos: set[str] = set()
        self.pause_until = 0.0  # monotonic: no new claims before (Telegram is failing)
        self._streak = 0
        # row id -> message ids of the parts of its split text delivered so far, kept
        # while the row waits for a retry (in memory: a restart sends them again)
        self.partial: dict[int, list[int]] = {}

    async def run(self, row: OutboxRow) -> None:
        await self.composer.prepare([row])  # normally loaded with its batch: no I/O here
        out = self.composer.outgoing(row)
        if out.kind == "skip":
            status = "cancelled" if out.reason == "cancelled" else "failed"
            SENDS.labels(status).inc()
            self.recorder.add(row.chat_id, RowUpdate(row.id, status, error=out.reason))
            return
        silent = is_quiet(datetime.now(UTC), row.timezone, row.quiet_start, row.quiet_end)
        started = time.monotonic()
        parts = self.partial.pop(row.id, [])
        try:
            message_id = await send(self.bot, row.chat_id, out, silent=silent,
                                    bad_photos=self.bad_photos, throttle=self.throttle,
                                    sent=parts)
        except Exception as exc:
            if self._failed(row, exc) and parts and len(self.partial) < MAX_PARTIAL:
                self.partial[row.id] = parts
            return
        SEND_SECONDS.observe(time.monotonic() - started)
        SENDS.labels("sent").inc()
        self._streak = 0
        self.recorder.add(row.chat_id, RowUpdate(row.id, "sent", message_id=message_id,
                                                 silent=silent))

    def skip(self, row: OutboxRow, status: str, reason: str | None) -> None:
        """Not sent after all: ``status`` pending (a change to the chat after the row was
        claimed: back to pending, unless the change dropped, deleted or covered it),
        cancelled (its broadcast was stopped)."""
        self.partial.pop(row.id, None)
        if status == "cancelled":
            SENDS.labels(status).inc()
        self.recorder.add(row.chat_id, RowUpdate(row.id, status, error=reason))

    def fail(self, row: OutboxRow, exc: Exception) -> None:
        """Record ``row`` as failed because of an unexpected error (a bug)."""
        SENDS.labels("failed").inc()
        self.recorder.add(row.chat_id, RowUpdate(row.id, "failed", attempt=True,
                                                 error=f"internal error: {exc!r}"[:500]))

    def _failed(self, row: OutboxRow, exc: Exception) -> bool:
        """Record the failed attempt; True when the row waits for another one."""
        outcome = classify(exc, row.chat_id)
        add = self.recorder.add
        attempts = row.attempts + 1
        if outcome.kind == "rate":
            self.deferred[row.chat_id] = time.monotonic() + outcome.retry_after
            SENDS.labels("retried").inc()
            add(row.chat_id, RowUpdate(row.id, "pending", error=outcome.reason,
                                       not_before=time.time() + outcome.retry_after))
            return True
        if outcome.kind == "migrated" and attempts < MAX_ATTEMPTS:
            log.info("delivery: chat %s moved to %s", row.chat_id, outcome.new_chat_id)
            SENDS.labels("migrated").inc()
            add(row.chat_id, RowUpdate(row.id, "pending", error=outcome.reason, attempt=True),
                moved_to=outcome.new_chat_id)
            return True
        if outcome.kind == "gone":
            log.info("delivery: chat %s is gone (%s); deactivated", row.chat_id, outcome.reason)
            SENDS.labels("blocked").inc()
            add(row.chat_id, RowUpdate(row.id, "dropped", error=outcome.reason, attempt=True),
                gone=outcome.reason)
            return False
        if outcome.kind == "retry" and attempts < MAX_ATTEMPTS:
            self._streak += 1
            pause = min(PAUSE_CAP, 0.25 * 2 ** min(self._streak, 8))
            self.pause_until = max(self.pause_until, time.monotonic() + pause)
            delay = backoff(attempts, random.uniform(0.5, 1.0))
            log.warning("delivery: chat %s row %s: %s; retry in %.0fs", row.chat_id, row.id,
                        outcome.reason, delay)
            SENDS.labels("retried").inc()
            add(row.chat_id, RowUpdate(row.id, "pending", error=outcome.reason[:500],
                                       not_before=time.time() + delay, attempt=True))
            return True
        reason = outcome.reason if outcome.kind == "failed" else (
            f"gave up after {attempts} attempts: {outcome.reason}")
        log.warning("delivery: chat %s row %s failed: %s", row.chat_id, row.id, reason)
        SENDS.labels("failed").inc()
        add(row.chat_id, RowUpdate(row.id, "failed", error=reason[:500], attempt=True))
        return False
