"""Application wiring: the one module in ``bot/`` that imports handlers and jobs.

``serve(config)`` runs the service until SIGTERM/SIGINT: opens the database, builds the
PTB ``Application`` (base URL from config, JobQueue, our :class:`SendLimiter`), registers
handlers, jobs and the Arabic command menu, starts polling, and on a signal stops in
order: stop receiving updates, run the stop hooks (delivery finishes in-flight sends),
stop the application and its jobs, close the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import signal

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.callbacks import CallbackCodec, new_key
from bot.config import Config
from bot.errors import NewsbotError
from bot.ratelimit import SendLimiter
from bot.services import KEY, Services
from bot.storage import Storage
from handlers import forget as forget_handlers
from handlers import latest as latest_handlers
from handlers import membership as membership_handlers
from handlers import settings as settings_handlers
from handlers import sources as sources_handlers
from handlers import start as start_handlers
from handlers import subscriptions as subscription_handlers
from handlers import unknown as unknown_handlers
from jobs import delivery as delivery_job
from jobs import digest as digest_job

# Each handler module has ``register(app, services) -> [(command, description)]`` and each
# job module ``schedule(app, services)``. Order matters for handlers: earlier wins.
HANDLER_MODULES = [start_handlers, sources_handlers, subscription_handlers, latest_handlers,
                   settings_handlers, forget_handlers, membership_handlers, unknown_handlers]
JOB_MODULES: list = [delivery_job, digest_job]

log = logging.getLogger(__name__)

GENERIC_ERROR = "عذرًا، حدث خطأ غير متوقع. حاول مرة أخرى بعد قليل."


def build_application(config: Config, storage: Storage, callback_key: str) -> Application:
    """Build (but do not start) the Application for ``config`` over ``storage``."""
    tg = config.telegram
    api = tg.api_url
    file_api = api[: -len("/bot")] + "/file/bot" if api.endswith("/bot") else api + "/file"
    dl = config.delivery
    app = (
        ApplicationBuilder()
        .token(tg.token.reveal())
        .base_url(api)
        .base_file_url(file_api)
        .rate_limiter(SendLimiter(dl.messages_per_second, dl.per_chat_interval_seconds,
                                  dl.group_messages_per_minute))
        .concurrent_updates(8)
        .connection_pool_size(64)
        .post_init(_post_init)
        .build()
    )
    services = Services(config=config, storage=storage,
                        callbacks=CallbackCodec(callback_key))
    app.bot_data[KEY] = services
    _register_handlers(app, services)
    app.add_error_handler(_on_error)
    return app


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
    """Log every unhandled handler/job error once; tell the chat something went wrong."""
    err = context.error
    where = "job" if update is None else f"update {getattr(update, 'update_id', '?')}"
    log.error("app: unhandled error in %s: %r", where, err, exc_info=err)
    if isinstance(update, Update) and update.effective_chat and update.effective_message:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, html.escape(GENERIC_ERROR))


class Service:
    """The running bot: ``await start()``, later ``await stop()``. ``serve`` wraps it for
    the CLI; tests drive it directly."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.storage: Storage | None = None
        self.app: Application | None = None
        self._started = False

    @property
    def services(self) -> Services:
        assert self.app is not None
        return self.app.bot_data[KEY]

    async def start(self) -> None:
        config = self.config
        self.storage = await Storage.open(config.storage.database)
        try:
            counts = await self.storage.feeds.sync_config(config.feeds)
            log.info("app: feeds from config: %s", counts)
            key = await self.storage.meta.get_or_create("callback_key", new_key)
            self.app = app = build_application(config, self.storage, key)
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
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            await app.start()
            self._started = True
            log.info("app: running as @%s", app.bot.username)
        except BaseException:
            await self._close()
            raise

    async def stop(self) -> None:
        """Stop receiving updates, let stop hooks finish in-flight work, close everything."""
        log.info("app: stopping")
        app = self.app
        if app is not None and self._started:
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
        if self.app is not None:
            with contextlib.suppress(Exception):
                await self.app.shutdown()
        if self.storage is not None:
            await self.storage.close()
        self._started = False


async def serve(config: Config, *, stop: asyncio.Event | None = None,
                install_signals: bool = True) -> int:
    """Run the service until ``stop`` is set or SIGTERM/SIGINT arrives. Returns the exit code."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    if install_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
    service = Service(config)
    try:
        await service.start()
        try:
            await stop.wait()
        finally:
            await service.stop()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    return 0
