"""Application wiring: the one module in ``bot/`` that imports handlers and jobs.

``serve(config)`` runs the service until SIGTERM/SIGINT: opens the database, starts the
``[http]`` endpoint when enabled, takes the single-instance lease (waiting as a standby
while another process holds it), builds the PTB ``Application`` (base URL from config,
JobQueue, our :class:`SendLimiter`), registers handlers, jobs and the Arabic command
menu, starts receiving updates (long polling, or :class:`bot.webhook.WebhookServer` when
``telegram.mode = "webhook"``), and on a signal stops in order: stop receiving
updates, run the stop hooks (delivery finishes in-flight sends), stop the application
and its jobs, release the lease, stop the endpoint, close the database. Losing the lease
at run time stops the service the same way and exits 1.

A full disk never makes it exit: opening the database (after a clean stop its ``-shm``
file must be created), taking the lease and the first writes wait for space, trying
every :data:`FULL_RETRY_SECONDS` (with ``[http]`` on, /healthz says why meanwhile); at
run time a lease that cannot be renewed only suspends sending (``bot.ops.lease``).
Before, each of these exited 1, and systemd restarted it into the same failure every
few seconds for as long as the disk stayed full.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot import metrics
from bot.callbacks import CallbackCodec, new_key
from bot.config import Config
from bot.errors import NewsbotError, StorageFull
from bot.fetch import Fetcher
from bot.forgetting import NewsbotApplication
from bot.ops.http import OpsServer
from bot.ops.lease import DEFAULT_TTL, InstanceLease, wait_unless_stopped
from bot.ratelimit import SendLimiter
from bot.services import KEY, Services
from bot.storage import Storage
from bot.updates import PerChatUpdateProcessor
from bot.webhook import WebhookServer
from handlers import admin as admin_handlers
from handlers import forget as forget_handlers
from handlers import inline as inline_handlers
from handlers import latest as latest_handlers
from handlers import membership as membership_handlers
from handlers import search as search_handlers
from handlers import settings as settings_handlers
from handlers import sources as sources_handlers
from handlers import start as start_handlers
from handlers import subscriptions as subscription_handlers
from handlers import unknown as unknown_handlers
from jobs import broadcast_progress as broadcast_progress_job
from jobs import delivery as delivery_job
from jobs import digest as digest_job
from jobs import maintenance as maintenance_jobs
from jobs import poll as poll_job

# Each handler module has ``register(app, services) -> [(command, description)]`` and each
# job module ``schedule(app, services)``. Order matters for handlers: earlier wins; the
# catch-all for unknown commands and buttons comes last.
HANDLER_MODULES = [start_handlers, sources_handlers, subscription_handlers, latest_handlers,
                   search_handlers, settings_handlers, forget_handlers, membership_handlers,
                   inline_handlers, admin_handlers, unknown_handlers]
JOB_MODULES: list = [delivery_job, digest_job, poll_job, maintenance_jobs,
                     broadcast_progress_job]

log = logging.getLogger(__name__)
T = TypeVar("T")

GENERIC_ERROR = "عذرًا، حدث خطأ غير متوقع. حاول مرة أخرى بعد قليل."
#: what a chat is told when its command could not be saved because the disk is full
STORAGE_FULL = ("عذرًا، تعذّر حفظ طلبك الآن بسبب عطل مؤقت في التخزين لدى البوت. "
                "حاول مرة أخرى بعد قليل.")
FULL_RETRY_SECONDS = 5.0  # at start, on a full disk: how often to try again


def build_application(config: Config, storage: Storage, callback_key: str) -> Application:
    """Build (but do not start) the Application for ``config`` over ``storage``."""
    tg = config.telegram
    api = tg.api_url
    file_api = api[: -len("/bot")] + "/file/bot" if api.endswith("/bot") else api + "/file"
    dl = config.delivery
    app = (
        ApplicationBuilder()
        .application_class(NewsbotApplication)
        .token(tg.token.reveal())
        .base_url(api)
        .base_file_url(file_api)
        .rate_limiter(SendLimiter(dl.messages_per_second, dl.per_chat_interval_seconds,
                                  dl.group_messages_per_minute))
        .concurrent_updates(PerChatUpdateProcessor())
        .connection_pool_size(64)
        .post_init(_post_init)
        .build()
    )
    _run_late_jobs(app)
    services = Services(config=config, storage=storage,
                        callbacks=CallbackCodec(callback_key), fetcher=Fetcher(config.polling))
    app.bot_data[KEY] = services
    _register_handlers(app, services)
    app.add_error_handler(_on_error)
    return app


def _run_late_jobs(app: Application) -> None:
    """A job whose time has passed runs, however late (several missed runs of a repeating
    job run once). APScheduler's default skips a run more than 1 s late: the delivery
    worker, started by a one-off job scheduled before the application starts, never
    started when start-up took over a second (a slow ``getMe``, a busy machine:
    bench/soak.py), and nothing was delivered until a restart; a daily retention run
    missed by a second waited a day."""
    job_queue = app.job_queue
    assert job_queue is not None
    job_queue.scheduler.configure(job_defaults={"misfire_grace_time": None, "coalesce": True},
                                  **job_queue.scheduler_configuration)


def _register_handlers(app: Application, services: Services) -> None:
    commands: list[tuple[str, str]] = []
    for module in HANDLER_MODULES:
        commands += module.register(app, services)
    services.commands = commands
    for job_module in JOB_MODULES:
        job_module.schedule(app, services)


async def _post_init(app: Application) -> None:
    services: Services = app.bot_data[KEY]
    services.bot_username = app.bot.username or ""
    try:
        await app.bot.set_my_commands([BotCommand(n, d) for n, d in services.commands])
    except TelegramError as exc:  # the menu is a nicety; never block start-up on it
        log.warning("telegram: setMyCommands failed: %s", exc)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every unhandled handler/job error once; tell the chat something went wrong.

    A full disk (:class:`StorageFull`) is logged once per episode by the storage, not
    with a traceback per update or job: the chat is asked to try again later (a button
    press gets it as the button's answer, so that its spinner stops)."""
    err = context.error
    where = "job" if update is None else f"update {getattr(update, 'update_id', '?')}"
    if isinstance(err, StorageFull):
        log.debug("app: %s not done: %s", where, err)
        if isinstance(update, Update):
            await _try_later(update, context)
        return
    log.error("app: unhandled error in %s: %r", where, err, exc_info=err)
    if isinstance(update, Update) and update.effective_chat and update.effective_message:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, html.escape(GENERIC_ERROR))


async def _try_later(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer(STORAGE_FULL, show_alert=True)
        elif update.inline_query is not None:
            await update.inline_query.answer([], cache_time=0)
        elif update.effective_chat is not None and update.effective_message is not None:
            await context.bot.send_message(update.effective_chat.id, html.escape(STORAGE_FULL))


class Service:
    """The running bot: ``await start()``, later ``await stop()``. ``serve`` wraps it for
    the CLI; tests drive it directly.

    ``standby`` (default): when another process holds the database's instance lease,
    wait and take over when it goes; otherwise raise ``InstanceRunningError``.
    ``lease_seconds``: how long a lease outlives its last renewal (takeover delay after a
    crash)."""

    def __init__(self, config: Config, *, standby: bool = True,
                 lease_seconds: float = DEFAULT_TTL) -> None:
        self.config = config
        self.storage: Storage | None = None
        self.app: Application | None = None
        self.lease: InstanceLease | None = None
        self.http: OpsServer | None = None
        self.webhook: WebhookServer | None = None
        self.standby = standby
        self.lease_seconds = lease_seconds
        self._started = False

    @property
    def services(self) -> Services:
        assert self.app is not None
        return self.app.bot_data[KEY]

    async def start(self, stop: asyncio.Event | None = None) -> bool:
        """Start serving. Returns False (with everything closed again) when ``stop`` is
        set while waiting as a standby or for disk space; raises on any failure."""
        config = self.config
        try:
            storage = self.storage = await self._open(stop)
            if storage is None:
                await self._close()
                return False
            self.lease = lease = InstanceLease(storage, ttl=self.lease_seconds)
            if self.http is not None:
                self.http.storage, self.http.role = storage, lambda: lease.role
            elif config.http.enabled:
                self.http = OpsServer(config, storage, lambda: lease.role)
                await self.http.start()
            # Nothing below may talk to Telegram or send before we hold the lease.
            if not await lease.acquire(wait=self.standby, stop=stop):
                await self._close()
                return False
            metrics.reset_heartbeats()
            synced = await self._writing("recording the config's feeds", stop,
                                         lambda: storage.feeds.sync_config(config.feeds))
            if synced is None:
                await self._close()
                return False
            log.info("app: feeds from config: %s", synced)
            key = await self._writing("storing the callback key", stop,
                                      lambda: storage.meta.get_or_create("callback_key", new_key))
            if key is None:
                await self._close()
                return False
            self.app = app = build_application(config, storage, key)
            self.services.lease = lease
            try:
                await app.initialize()
            except InvalidToken:
                raise NewsbotError(
                    "telegram: the bot token was rejected by the server (401)") from None
            except NetworkError as exc:
                raise NewsbotError(
                    f"telegram: cannot reach {config.telegram.api_url}: {exc}") from None
            if app.post_init:
                await app.post_init(app)
            await self._start_updates(app)
            await app.start()
            self._started = True
            if self.http is not None:
                self.http.active_since = time.time()
            log.info("app: running as @%s (%s)", app.bot.username, config.telegram.mode)
        except BaseException:
            await self._close()
            raise
        return True

    async def _open(self, stop: asyncio.Event | None) -> Storage | None:
        """The database, once it can be opened (on a full disk, opening a database whose
        ``-shm`` file is gone fails even to read); None when ``stop`` is set first."""
        config, told = self.config, False
        while True:
            try:
                storage = await Storage.open(config.storage.database)
            except StorageFull as exc:
                if not told:
                    told = True
                    log.error("app: cannot open the database: %s; waiting for space (trying "
                              "every %.0f s)", exc, FULL_RETRY_SECONDS)
                    if config.http.enabled:  # /healthz says why meanwhile
                        self.http = OpsServer(config, None, lambda: "starting")
                        await self.http.start()
                if self.http is not None:
                    self.http.database_error = str(exc)
                if await wait_unless_stopped(FULL_RETRY_SECONDS, stop):
                    return None
                continue
            if self.http is not None:
                self.http.database_error = None
            return storage

    async def _writing(self, what: str, stop: asyncio.Event | None,
                       write: Callable[[], Awaitable[T]]) -> T | None:
        """``await write()``, tried again every few seconds while the disk is full; None
        when ``stop`` is set first."""
        told = False
        while True:
            try:
                return await write()
            except StorageFull as exc:
                if not told:
                    told = True
                    log.error("app: %s: %s; waiting for space (trying every %.0f s)", what,
                              exc, FULL_RETRY_SECONDS)
                if await wait_unless_stopped(FULL_RETRY_SECONDS, stop):
                    return None

    async def _start_updates(self, app: Application) -> None:
        tg = self.config.telegram
        assert app.updater is not None
        if tg.mode != "webhook":
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            return
        path = urlsplit(tg.webhook_url).path or "/"
        # Listening before setWebhook: Telegram posts as soon as it is set.
        self.webhook = WebhookServer(app, listen=tg.webhook_listen, port=tg.webhook_port,
                                     path=path, secret=tg.secret_token.reveal())
        await self.webhook.start()
        try:
            await app.bot.set_webhook(url=tg.webhook_url, secret_token=tg.secret_token.reveal(),
                                      allowed_updates=Update.ALL_TYPES)
        except TelegramError as exc:
            raise NewsbotError(f"telegram: setWebhook({tg.webhook_url}) failed: {exc}") from None
        log.info("app: webhook set to %s; listening on %s:%s%s", tg.webhook_url,
                 tg.webhook_listen, tg.webhook_port, path)

    async def stop(self) -> None:
        """Stop receiving updates, let stop hooks finish in-flight work, close everything.

        In webhook mode the webhook stays registered with Telegram: updates that arrive
        while we are down wait there for the next start (or a standby)."""
        log.info("app: stopping")
        app = self.app
        if app is not None and self._started:
            if self.webhook is not None:
                await self.webhook.stop()
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            for hook in self.services.stop_hooks:
                try:
                    await hook()
                except Exception:
                    log.exception("app: stop hook %r failed", hook)
            if app.running:
                await app.stop()
        await self._close()
        log.info("app: stopped cleanly")

    async def _close(self) -> None:
        if self.webhook is not None:
            await self.webhook.stop()
        if self.app is not None:
            with contextlib.suppress(Exception):
                await self.app.shutdown()
            fetcher = self.app.bot_data[KEY].fetcher
            if fetcher is not None:
                await fetcher.close()
        if self.lease is not None and self.storage is not None:
            await self.lease.release()
        if self.http is not None:
            await self.http.stop()
            self.http = None
        if self.storage is not None:
            await self.storage.close()
        self._started = False


async def serve(config: Config, *, stop: asyncio.Event | None = None,
                install_signals: bool = True, standby: bool = True,
                lease_seconds: float = DEFAULT_TTL) -> int:
    """Run the service until ``stop`` is set or SIGTERM/SIGINT arrives. Returns the exit
    code; raises NewsbotError when the instance lease is lost (after stopping cleanly)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    if install_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
    service = Service(config, standby=standby, lease_seconds=lease_seconds)
    try:
        if stop.is_set():  # a signal came while starting up (bot.cli._run): nothing to stop
            log.info("app: stop requested before the service started; exiting")
            return 0
        if not await service.start(stop):
            return 0
        assert service.lease is not None
        lost = service.lease.lost
        try:
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
        finally:
            await service.stop()
        if lost.is_set():
            raise NewsbotError(
                "instance: lost the database lease to another process and stopped; "
                "restart to run as a standby")
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    return 0
