"""One delivery attempt of a claimed row: compose, send, and turn the result into an
outcome for the recorder (see ``errors.py`` for what each Telegram error leads to).

A text longer than one message goes out in parts. Each part but the last is recorded
with the row as it is delivered (``outbox.parts_sent``, through the recorder: the next
part goes only once it is written), so an attempt after a failed part, or after a
restart or a crash, sends the remaining parts only; a crash can resend at most the part
that was in flight. The progress belongs to one split text (``outbox.parts_key``): if
the row's text now splits differently (the broadcast's text was edited in the
database, or a new version splits at other places), the parts delivered are not those
of the new text and the row is sent whole again (logged at WARNING) rather than
continued in the middle of another text. A broadcast stopped between two parts of a
row sends no further part (stopping means no message after it but the one in flight):
the row is cancelled and keeps the ids of the parts delivered, whether it was under way
(``stopped``, the worker's record of broadcasts stopped in this run), waiting for a retry
or taken back after a restart. A row that fails for good gets no more parts either.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Container
from datetime import UTC, datetime

from bot.delivery.compose import Composer, Outgoing, parts_key
from bot.delivery.errors import MAX_ATTEMPTS, backoff, classify
from bot.delivery.http import DeliveryBot
from bot.delivery.pacing import Throttle
from bot.delivery.recorder import Recorder
from bot.delivery.schedule import is_quiet
from bot.delivery.send import send
from bot.metrics import SEND_SECONDS, SENDS
from bot.storage import OutboxRow, PartsSent, RowUpdate, Storage

log = logging.getLogger(__name__)

PAUSE_CAP = 30.0  # seconds: longest global pause after consecutive 5xx/network errors


class _Stopped(Exception):
    """The row's broadcast was stopped between two of its parts."""


class Attempt:
    def __init__(self, storage: Storage, bot: DeliveryBot, deferred: dict[int, float],
                 on_done: Callable[[list[int], list[int]], None], *,
                 messages_per_second: int = 30, flush_seconds: float = 0.02,
                 stopped: Container[int] = ()) -> None:
        self.bot = bot
        self.stopped = stopped  # broadcasts stopped in this run
        self.throttle = Throttle(messages_per_second)
        self.deferred = deferred
        self.composer = Composer(storage)
        self.recorder = Recorder(storage.outbox, on_done, interval=flush_seconds)
        self.bad_photos: set[str] = set()
        self.pause_until = 0.0  # monotonic: no new claims before (Telegram is failing)
        self._streak = 0

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
        key = parts_key(out.chunks) if len(out.chunks) > 1 else None

        async def part_sent(ids: list[int]) -> None:  # called for split texts only
            assert key is not None
            await self.recorder.parts_sent(PartsSent(row.id, key, tuple(ids)))
            if row.broadcast_id is not None and row.broadcast_id in self.stopped:
                raise _Stopped

        try:
            message_id = await send(self.bot, row.chat_id, out, silent=silent,
                                    bad_photos=self.bad_photos, throttle=self.throttle,
                                    sent=self._resume(row, out, key), part_sent=part_sent)
        except _Stopped:
            log.info("delivery: chat %s row %s: broadcast %s stopped between two parts",
                     row.chat_id, row.id, row.broadcast_id)
            self.skip(row, "cancelled", "the broadcast was stopped")
            return
        except Exception as exc:
            self._failed(row, exc)
            return
        SEND_SECONDS.observe(time.monotonic() - started)
        SENDS.labels("sent").inc()
        self._streak = 0
        self.recorder.add(row.chat_id, RowUpdate(row.id, "sent", message_id=message_id,
                                                 silent=silent))

    @staticmethod
    def _resume(row: OutboxRow, out: Outgoing, key: str | None) -> list[int]:
        """The message ids of the parts of ``out`` an earlier attempt delivered."""
        if not row.parts_sent:
            return []
        if key is not None and row.parts_key == key and len(row.parts_sent) < len(out.chunks):
            log.info("delivery: chat %s row %s: resuming at part %d of %d", row.chat_id,
                     row.id, len(row.parts_sent) + 1, len(out.chunks))
            return list(row.parts_sent)
        log.warning("delivery: chat %s row %s: %d part(s) went out, but its text has "
                    "changed since; sending it whole again", row.chat_id, row.id,
                    len(row.parts_sent))
        return []

    def skip(self, row: OutboxRow, status: str, reason: str | None) -> None:
        """Not sent after all: ``status`` pending (a change to the chat after the row was
        claimed: back to pending, unless the change dropped, deleted or covered it),
        cancelled (its broadcast was stopped)."""
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
