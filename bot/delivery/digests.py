"""Sending digests: every digest-mode chat whose window has come gets its pending
headlines bundled (``digest_render``), oldest first, and those rows are marked sent.

Rows are claimed with a lease like the worker's (same owner, so a crash is recovered the
same way); Telegram errors follow ``errors.classify``: a chat that is gone is
deactivated, a migrated group moves and gets its digest on the next run, 5xx and
timeouts release the rows for the next run; any other exception marks them failed (an
answer that is not a message, a bug) and a stop releases them. Quiet hours send the
digest silently. A chat's digest is claimed and sent holding the chat's gate
(``gates.py``), so /stop and /forget wait for a digest under way and none follows them.

A digest sent while the database is full (:class:`StorageFull`) cannot be marked sent:
the marks are kept and written at the start of the next run, which sends no new digest
until they are (before, the rows stayed ``sending`` until the next restart, which sent
the digest again). A restart before they are written sends it again (as for the worker).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import NetworkError

from bot.delivery.digest_render import render_digest
from bot.delivery.errors import classify
from bot.delivery.gates import ChatGates
from bot.delivery.schedule import digest_due, is_quiet
from bot.errors import StorageFull
from bot.metrics import SENDS, heartbeat
from bot.storage import DigestChat, RowUpdate, Storage

log = logging.getLogger(__name__)

# Headlines in one digest: the newest; older ones still waiting are left out (dropped,
# and the digest says how many: it used to send the oldest 300 and keep the rest for the
# next one, so a chat getting more than that a day fell further behind every day). At
# most 100 links a message (Telegram's entity limit, digest_render), this is 10 or more
# messages: a day of 20 busy feeds still arrives whole.
MAX_ITEMS = 1000
LEASE_SECONDS = 600.0


class DigestRunner:
    def __init__(self, storage: Storage, bot: Bot, owner: str, concurrency: int = 8,
                 gates: ChatGates | None = None) -> None:
        self.storage = storage
        self.gates = gates or ChatGates()  # the delivery worker's
        self.bot = bot
        self.owner = owner
        self._limit = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        #: outcomes of digests sent that the full database refused: written first next run
        self._unrecorded: list[Callable[[], Awaitable[None]]] = []

    async def _record(self, write: Callable[[], Awaitable[None]]) -> None:
        try:
            await write()
        except StorageFull as exc:
            if not self._unrecorded:
                log.warning("delivery: a digest went out but cannot be marked sent: %s; the "
                            "mark is kept and written at the next run (no new digest "
                            "until then)", exc)
            self._unrecorded.append(write)

    async def _record_held(self) -> None:
        """Write the marks kept from earlier runs (raises StorageFull while the database
        still refuses: no new digest is sent before they are written)."""
        while self._unrecorded:
            await self._unrecorded[0]()
            self._unrecorded.pop(0)
            if not self._unrecorded:
                log.info("delivery: the digests held back are marked sent")

    async def run_due(self, now: datetime | None = None) -> int:
        """Send every digest that is due; returns how many chats got one."""
        async with self._lock:  # one run at a time
            await self._record_held()
            now = now or datetime.now(UTC)
            chats = [c for c in await self.storage.digests.waiting_chats()
                     if digest_due(c.digest, c.digest_time, c.timezone, c.last_digest_at, now)]
            results = await asyncio.gather(*(self._one(c, now) for c in chats))
            heartbeat("digest")
            return sum(results)

    async def flush(self, chat_id: int) -> bool:
        """Send the chat's waiting headlines now as one digest (e.g. before /digest off)."""
        chat = await self.storage.digests.get_chat(chat_id)
        if chat is None or chat.digest == "off":
            return False
        async with self._lock:
            await self._record_held()
        return await self._one(chat, datetime.now(UTC))

    async def _one(self, chat: DigestChat, now: datetime) -> bool:
        async with self._limit, self.gates.hold(chat.id):
            claimed = await self.storage.digests.claim_items(
                chat.id, self.owner, time.time() + LEASE_SECONDS, MAX_ITEMS)
            items = claimed.items
            if not items:
                return False
            silent = is_quiet(now, chat.timezone, chat.quiet_start, chat.quiet_end)
            sent: list[tuple[int, int]] = []
            try:
                for html, row_ids in render_digest(chat.digest, items, chat.timezone, now,
                                                   left_out=claimed.left_out):
                    msg = await self.bot.send_message(
                        chat.id, html, parse_mode=ParseMode.HTML, disable_notification=silent,
                        link_preview_options=LinkPreviewOptions(is_disabled=True))
                    sent += [(row_id, msg.message_id) for row_id in row_ids]
            except asyncio.CancelledError as exc:  # stopping: sent ones recorded, rest back
                await asyncio.shield(self._failed(chat, [i.row_id for i in items], sent, exc))
                raise
            except Exception as exc:  # not only TelegramError: an odd answer, a bug
                await self._failed(chat, [i.row_id for i in items], sent, exc)
                return False
            finally:
                if sent:
                    SENDS.labels("sent").inc(len(sent))
            before = items[0].row_id if claimed.left_out else None

            async def record() -> None:
                dropped = await self.storage.digests.mark_sent(chat.id, sent, silent, before)
                if dropped:
                    log.info("delivery: digest for chat %s had room for the newest %d "
                             "headlines; %d older ones left out", chat.id, len(items), dropped)

            await self._record(record)
            return True

    async def _failed(self, chat: DigestChat, row_ids: list[int], sent: list[tuple[int, int]],
                      exc: BaseException) -> None:
        """Record what was sent, and the rest: dropped (chat gone), failed (refused), or
        pending again for the next run (rate limit, 5xx, migration, a stop). Whatever
        happens, no claimed row stays ``sending``: nothing would ever claim it again."""
        outcome = (classify(exc, chat.id) if not isinstance(exc, asyncio.CancelledError)
                   else classify(NetworkError("stopped")))
        log.warning("delivery: digest for chat %s: %s (%s)", chat.id, outcome.reason,
                    outcome.kind)
        done = {row_id for row_id, _ in sent}
        rest = [r for r in row_ids if r not in done]
        updates = [RowUpdate(r, "sent", message_id=m) for r, m in sent]
        gone: list[tuple[int, str]] = []
        moved: list[tuple[int, int]] = []
        if outcome.kind == "gone":
            gone.append((chat.id, outcome.reason))
            updates += [RowUpdate(r, "dropped", error=outcome.reason) for r in rest]
        elif outcome.kind == "failed":
            updates += [RowUpdate(r, "failed", error=outcome.reason[:500]) for r in rest]
        else:  # rate, retry, migrated: the rows wait for the next run
            if outcome.kind == "migrated" and outcome.new_chat_id is not None:
                moved.append((chat.id, outcome.new_chat_id))
            updates += [RowUpdate(r, "pending", error=outcome.reason[:500]) for r in rest]
        await self._record(lambda: self.storage.outbox.record(updates, gone, moved))
