"""The operations HTTP endpoint (``[http]``, off by default): /healthz and /metrics.

An aiohttp server bound to ``http.host:http.port`` (127.0.0.1:9108 by default), started
with the service *before* it waits for the single-instance lease, so a standby answers
too. Nothing here is authenticated: keep it on loopback or a private network (README).

- ``GET /healthz``: 200 or 503 with a JSON body, judged by ``bot.ops.health``.
- ``GET /metrics``: Prometheus text exposition of ``bot.metrics.REGISTRY``; the outbox
  gauges and ``newsbot_database_full`` are refreshed at scrape time.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client.exposition import choose_encoder

from bot import metrics
from bot.config import Config
from bot.delivery.schedule import digest_due_since
from bot.errors import NewsbotError, StorageError
from bot.ops.health import HealthInput, judge
from bot.storage import Storage
from bot.storage._ops import OpsSnapshot

log = logging.getLogger(__name__)


def digest_due_at(snap: OpsSnapshot, now: float) -> float | None:
    """Since when the oldest digest headline that should have gone out by ``now`` has been
    due: its digest's moment has passed without the digest. Headlines waiting for their
    chat's next digest window are not due: a daily digest holds them up to a day."""
    at = datetime.fromtimestamp(now, UTC)
    due = [digest_due_since(d.mode, d.digest_time, d.timezone, d.last_digest_at,
                            d.oldest_created_at, at) for d in snap.digests]
    return min((t for t in due if t is not None), default=None)


class OpsServer:
    """``await start()`` binds (raising NewsbotError when it cannot), ``await stop()``."""

    def __init__(self, config: Config, storage: Storage | None, role: Callable[[], str], *,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        #: None while the service waits to open the database (``database_error`` says why)
        self.storage = storage
        self.role = role
        self.clock = clock
        self.database_error: str | None = None
        #: when the service became active (set by the service once it serves)
        self.active_since: float | None = None
        self._runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        return app

    async def start(self) -> None:
        host, port = self.config.http.host, self.config.http.port
        runner = web.AppRunner(self.make_app(), access_log=None, handler_cancellation=True,
                               shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise NewsbotError(f"http: cannot listen on {host}:{port}: "
                               f"{exc.strerror or exc}") from None
        self._runner = runner
        log.info("http: serving /healthz and /metrics on http://%s:%s", host, port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _snapshot(self, now: float) -> tuple[OpsSnapshot | None, str | None]:
        if self.storage is None:
            return None, self.database_error or "the database is not open yet"
        try:
            return await self.storage.ops.snapshot(now), None
        except StorageError as exc:
            return None, str(exc)

    def _full(self) -> str | None:
        """The "database full" episode under way, described; None when writes work."""
        if self.storage is None:
            return None
        episode = self.storage.db.full
        return None if episode is None else episode.describe(self.storage.db.path)

    async def healthz(self, request: web.Request) -> web.Response:
        now = self.clock()
        snap, error = await self._snapshot(now)
        ok, body = judge(HealthInput(
            now=now, role=self.role(), active_since=self.active_since,
            poll_interval=float(self.config.polling.interval_seconds),
            enabled_feeds=snap.enabled_feeds if snap else None,
            last_poll=metrics.last_heartbeat("poll"),
            last_delivery=metrics.last_heartbeat("delivery"),
            outbox_pending=snap.outbox_pending if snap else None,
            oldest_due_at=snap.oldest_due_at if snap else None,
            digest_waiting=snap.digest_waiting if snap else None,
            digest_due_at=digest_due_at(snap, now) if snap else None,
            last_digest_run=metrics.last_heartbeat("digest"),
            database_error=error, database_full=self._full()))
        if not ok:
            log.warning("http: /healthz unhealthy: %s", "; ".join(body["reasons"]))
        return web.json_response(body, status=200 if ok else 503,
                                 dumps=_dumps, headers={"Cache-Control": "no-store"})

    async def metrics(self, request: web.Request) -> web.Response:
        now = self.clock()
        snap, error = await self._snapshot(now)
        if snap is not None:
            metrics.OUTBOX_PENDING.set(snap.outbox_pending)
            metrics.OUTBOX_DIGEST_WAITING.set(snap.digest_waiting)
            due = min((t for t in (snap.oldest_due_at, digest_due_at(snap, now))
                       if t is not None), default=None)
            metrics.OUTBOX_OLDEST_DUE_AGE.set(0 if due is None else max(0.0, now - due))
        else:
            log.warning("http: /metrics could not refresh the outbox gauges: %s", error)
        metrics.DATABASE_FULL.set(1 if self._full() else 0)
        # Prometheus text format, or OpenMetrics when the scraper asks for it (Accept).
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(metrics.REGISTRY),
                            headers={"Content-Type": content_type})


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
