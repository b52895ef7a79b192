"""Single instance: only the process holding the lease talks to Telegram and sends.

Two ``newsbot run`` on one database would both poll Telegram (getUpdates answers 409 to
the second) and both drain the outbox (every message twice). So before the service
touches Telegram it takes a lease in the ``meta`` table (``bot.storage._lease``):

- owner id ``host:pid:random``; the lease expires ``ttl`` seconds (default 30) after its
  last renewal, and a background task renews it every ``ttl / 6`` seconds;
- at start, a lease whose owner was a process on this host that no longer runs (kill -9,
  crash) is taken at once; when another owner's lease is live, a *standby* (the
  default) logs who holds it and retries until it expires (crash, SIGKILL, power loss
  on another host: at most ``ttl`` later) or is released (clean stop: at once); with
  ``wait=False`` it raises :class:`InstanceRunningError` instead
  (``newsbot run --exit-if-running``);
- at run time the lease is *lost* when a renewal finds another owner's row (someone took
  it: our clock or theirs misbehaved, or we were paused longer than ``ttl``) or when no
  renewal has succeeded for ``ttl - renew_every`` seconds by our monotonic clock (the
  database is stuck, so another instance may already consider it expired). Then
  :attr:`held` turns false at once and :attr:`lost` is set: the service stops (see
  ``bot.app.serve``) and exits 1, and systemd/docker restart it as a standby.

A full disk (:class:`StorageFull`: on a real one every write fails, the renewal too) is
not a loss. While the database is full nobody can take the lease over (taking it is a
write), so the process does not stop: once renewals have failed for ``ttl -
renew_every`` seconds it is *suspended* (:attr:`held` false: nothing is claimed or
sent, :attr:`role` "suspended") and it keeps renewing; the first renewal that succeeds
resumes it, and one that finds another owner's row loses the lease as above. Before,
the service stopped after 25 s, exited 1 ("lost the database lease to another
process"), and every restart exited 1 again at :meth:`acquire` while the disk stayed
full: a crash loop. :meth:`acquire` now waits for space instead.

Senders check :attr:`held` (``services.lease``) before claiming work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable

from bot import metrics
from bot.errors import NewsbotError, StorageError, StorageFull
from bot.storage import Storage
from bot.storage._lease import LeaseRecord

log = logging.getLogger(__name__)

DEFAULT_TTL = 30.0
MIN_TTL = 2.0


class InstanceRunningError(NewsbotError):
    """Another live instance holds the lease (and we were told not to wait)."""


def make_owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


#: owners of the leases live in this process (a process may run more than one Service in
#: tests; a lease with our pid that is not among them belonged to a dead incarnation)
_LIVE_OWNERS: set[str] = set()


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` (``host:pid:random``) was a process on this host that no longer
    runs, so a restart after a crash need not wait for its lease to expire. Anything
    uncertain (another host, a live pid that may be reused, no permission) counts as
    alive: waiting for the expiry is always safe."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdecimal():
        return False
    pid = int(pid_text)
    if pid == os.getpid():  # ours, or an earlier incarnation with our pid (PID 1 in a container)
        return owner not in _LIVE_OWNERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def describe(record: LeaseRecord | None, now: float) -> str:
    if record is None:
        return "nobody"
    left = record.expires_at - now
    return (f"{record.owner} (holding it for {max(0, now - record.acquired_at):.0f}s, "
            f"expires in {left:.0f}s unless renewed)")


async def wait_unless_stopped(seconds: float, stop: asyncio.Event | None) -> bool:
    """Sleep ``seconds``, less when ``stop`` is set; True when it is."""
    if stop is None:
        await asyncio.sleep(seconds)
        return False
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


class InstanceLease:
    """The lease of this process. ``await acquire(...)``, later ``await release()``."""

    def __init__(self, storage: Storage, *, ttl: float = DEFAULT_TTL,
                 renew_every: float | None = None, owner: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if ttl < MIN_TTL:
            raise ValueError(f"lease ttl must be >= {MIN_TTL}s")
        self.storage = storage
        self.ttl = float(ttl)
        self.renew_every = renew_every if renew_every is not None else self.ttl / 6
        self.owner = owner or make_owner_id()
        _LIVE_OWNERS.add(self.owner)
        self.clock = clock
        #: set once when the lease is lost at run time (never on a clean release)
        self.lost = asyncio.Event()
        self.holder: LeaseRecord | None = None  # the other owner, when we saw one
        self._held = False
        self._last_ok = 0.0  # monotonic time of the last successful acquire/renew
        self._task: asyncio.Task[None] | None = None
        #: the last renewal was refused because the database is full
        self._full: StorageFull | None = None
        #: held, but not renewed for too long because the database is full: not sending
        self.suspended = False

    @property
    def held(self) -> bool:
        """True while this process may poll Telegram and send. Checked by senders."""
        if not self._held:
            return False
        if time.monotonic() - self._last_ok > self.ttl - self.renew_every:
            # Renewal is overdue: someone may take over any moment. Stop now.
            if self._full is not None:  # nobody can: the database takes no writes
                self._suspend()
                return False
            self._lose("no successful renewal for "
                       f"{time.monotonic() - self._last_ok:.1f}s")
            return False
        return True

    @property
    def role(self) -> str:
        """active (holds the lease), standby (waiting for it), suspended (holds it but
        cannot renew it: the database is full; not sending) or lost."""
        if self.lost.is_set():
            return "lost"
        if self.held:
            return "active"
        return "suspended" if self._held and self.suspended else "standby"

    async def acquire(self, *, wait: bool = True, stop: asyncio.Event | None = None) -> bool:
        """Take the lease. A standby (``wait``) retries until it gets it; returns False
        only when ``stop`` is set first. Without ``wait`` raises InstanceRunningError."""
        announced = False
        full = False
        while True:
            now = self.clock()
            try:
                ok, record = await self.storage.lease.try_acquire(self.owner, self.ttl, now,
                                                                  owner_is_dead)
            except StorageFull as exc:  # not "another instance": wait for space
                if not full:
                    log.error("instance: cannot take the database lease: %s; waiting until the "
                              "database can be written (trying every %.0f s)", exc,
                              self.renew_every)
                    full = True
                if await wait_unless_stopped(self.renew_every, stop):
                    log.info("instance: stop requested while waiting for space")
                    return False
                continue
            if ok:
                self._held = True
                self._last_ok = time.monotonic()
                metrics.INSTANCE_ACTIVE.set(1)
                if announced:
                    log.warning("instance: took over the database lease as %s", self.owner)
                else:
                    log.info("instance: holding the database lease as %s", self.owner)
                self._task = asyncio.create_task(self._renew_loop(), name="lease-renewal")
                return True
            self.holder = record
            if not wait:
                raise InstanceRunningError(
                    f"instance: another newsbot is running on {self.storage.db.path}: "
                    f"{describe(record, now)}; not starting (--exit-if-running). Stop it "
                    "first, or run this one as a standby (the default)")
            if not announced:
                log.warning(
                    "instance: another newsbot holds the lease on %s: %s; waiting as a "
                    "standby and taking over when it stops or its lease expires",
                    self.storage.db.path, describe(record, now))
                announced = True
            metrics.INSTANCE_ACTIVE.set(0)
            delay = self.renew_every
            if record is not None:  # wake up right when it would expire
                delay = min(delay, max(0.05, record.expires_at - now + 0.05))
            if await wait_unless_stopped(delay, stop):
                log.info("instance: stop requested while waiting as a standby")
                return False

    async def _renew_loop(self) -> None:
        while self._held:
            await asyncio.sleep(self.renew_every)
            if not self._held:
                return
            # A renewal stuck behind the database for too long must not keep us sending:
            # give up waiting when the lease would be overdue (suspended: we are not
            # sending; a renewal gets the usual interval).
            deadline = self._last_ok + self.ttl - self.renew_every
            timeout = (self.renew_every if self.suspended
                       else max(0.1, deadline - time.monotonic()))
            try:
                ok, record = await asyncio.wait_for(
                    self.storage.lease.renew(self.owner, self.ttl, self.clock()), timeout)
            except StorageFull as exc:  # nobody else can write the lease either
                if self._full is None:
                    log.warning("instance: cannot renew the lease: %s; still holding it (it "
                                "cannot be taken over while the database takes no writes), "
                                "sending stops if this lasts %.0f s", exc,
                                self.ttl - self.renew_every)
                self._full = exc
                if time.monotonic() - self._last_ok > self.ttl - self.renew_every:
                    self._suspend()
                continue
            except (StorageError, TimeoutError) as exc:
                self._full = None
                log.warning("instance: cannot renew the lease: %s",
                            exc if isinstance(exc, StorageError) else "the database is stuck")
                if not self.held:  # overdue: held() has declared it lost
                    return
                continue
            if not ok:
                self.holder = record
                self._lose(f"the lease now names {describe(record, self.clock())}")
                return
            self._last_ok = time.monotonic()
            self._full = None
            if self.suspended:
                self.suspended = False
                metrics.INSTANCE_ACTIVE.set(1)
                log.warning("instance: renewed the lease again; sending resumes")
            if not self.held:
                return

    def _suspend(self) -> None:
        if self.suspended:
            return
        self.suspended = True
        metrics.INSTANCE_ACTIVE.set(0)
        log.error("instance: the lease could not be renewed for %.0f s (%s); nothing is sent "
                  "until it can be (the service keeps running and resumes by itself)",
                  time.monotonic() - self._last_ok, self._full)

    def _lose(self, why: str) -> None:
        if not self._held:
            return
        self._held = False
        self.suspended = False
        metrics.INSTANCE_ACTIVE.set(0)
        log.error("instance: lost the database lease (%s); stopping so that only one "
                  "instance sends", why)
        self.lost.set()

    async def release(self) -> None:
        """Stop renewing and delete the lease if it is still ours (a clean stop)."""
        task, self._task = self._task, None
        _LIVE_OWNERS.discard(self.owner)
        was_held = self._held
        self._held = False
        metrics.INSTANCE_ACTIVE.set(0)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if was_held and not self.lost.is_set():
            try:
                if await self.storage.lease.release(self.owner):
                    log.info("instance: released the database lease")
            except StorageError as exc:  # it will expire on its own
                log.warning("instance: cannot release the lease (it expires in %.0fs): %s",
                            self.ttl, exc)
