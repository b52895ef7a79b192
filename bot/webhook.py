"""The webhook receiver (``telegram.mode = "webhook"``): an aiohttp server that checks each
request before it reads a byte of its body, then hands the update to PTB's queue.

Why not PTB's own server (tornado, ``Updater.start_webhook``): it reads the whole body, up
to tornado's 100 MB default, *before* it looks at the secret, so anyone who can reach the
port can make the process buffer 100 MB a request; a malformed body that carries the
right secret got a 500; and ``Content-Type: application/json; charset=utf-8`` got 403.
Here, in this order:

1. any method but POST: 405; any other path: 404 (aiohttp's router);
2. a missing or wrong ``X-Telegram-Bot-Api-Secret-Token``: 403, compared in constant time;
3. a media type other than ``application/json`` (parameters such as ``charset`` allowed):
   415;
4. a body over :data:`MAX_BODY` (1 MiB; Telegram's largest updates are tens of KB): 413,
   by its Content-Length before reading, or while reading a chunked body;
5. a body that is not UTF-8 JSON of an object with an integer ``update_id``, or that PTB
   cannot read as an Update: 400;
6. else 200, and the update goes to ``Application.update_queue`` (where
   :class:`bot.updates.PerChatUpdateProcessor` drops an ``update_id`` seen before).

Every refusal is counted in ``newsbot_webhook_rejected_total{reason}``; none is logged
one by one (a scanner would flood the log), except the 400s of authenticated requests.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot import metrics
from bot.errors import NewsbotError

__all__ = ["MAX_BODY", "SECRET_HEADER", "WebhookServer"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Bytes a request body may have. An update is a message of at most 4,096 characters
#: (6 bytes each escaped in JSON), its entities and at most one replied-to message like it:
#: well under 100 KB. nginx's default ``client_max_body_size`` is the same 1 MiB.
MAX_BODY = 1 << 20


class WebhookServer:
    """``await start()`` binds ``listen:port`` and serves POST ``path`` (raising
    :class:`NewsbotError` when it cannot bind), ``await stop()``."""

    def __init__(self, app: Application, *, listen: str, port: int, path: str, secret: str,
                 max_body: int = MAX_BODY) -> None:
        if not secret:
            raise ValueError("webhook: a secret token is required")
        self.app = app
        self.listen, self.port, self.path = listen, port, path
        self._secret = secret.encode()
        self.max_body = max_body
        self._runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        web_app = web.Application(client_max_size=self.max_body)
        web_app.router.add_post(self.path, self.receive)
        return web_app

    async def start(self) -> None:
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise NewsbotError(f"telegram: cannot listen for the webhook on "
                               f"{self.listen}:{self.port}: {exc.strerror or exc}") from None
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            return _refuse(403, "secret")
        if request.content_type != "application/json":
            return _refuse(415, "content_type")
        if request.content_length is not None and request.content_length > self.max_body:
            return _refuse(413, "too_large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "too_large")
        update = self._update(body)
        if update is None:
            return _refuse(400, "malformed")
        await self.app.update_queue.put(update)
        return web.Response(status=200)

    def _update(self, body: bytes) -> Update | None:
        try:
            data: Any = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            log.warning("webhook: a request with the right secret had a body that is not "
                        "UTF-8 JSON (%d bytes): %s", len(body), type(exc).__name__)
            return None
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if type(update_id) is not int:  # bool is an int too: refuse it
            log.warning("webhook: a request with the right secret was not an update "
                        "(no integer update_id)")
            return None
        try:
            return Update.de_json(data, self.app.bot)
        except Exception as exc:  # PTB's de_json raises whatever a wrong shape makes it
            log.warning("webhook: update %d could not be read: %s: %s", update_id,
                        type(exc).__name__, exc)
            return None


def _refuse(status: int, reason: str) -> web.Response:
    metrics.WEBHOOK_REJECTED.labels(reason).inc()
    return web.Response(status=status)
