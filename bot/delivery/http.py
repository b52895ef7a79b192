"""A python-telegram-bot request backend on aiohttp, for the delivery worker's sends.

Measured against the fake Bot API in another process (bench/delivery.py, 2 cores), PTB's
default HTTPXRequest cost 2-5 ms of CPU per sendMessage, most of it in httpcore's
connection-pool bookkeeping (``_assign_requests_to_connections``, ``has_expired`` polling
every idle socket on every request) and in form-encoding Arabic text; this backend costs
0.6-1 ms. Bodies are JSON (the Bot API accepts ``application/json``); files, which
delivery never uploads, go as multipart. Errors map like HTTPXRequest's: timeouts ->
``TimedOut``, other transport errors -> ``NetworkError``. A 429 always reaches PTB with a
usable ``retry_after`` (:func:`with_retry_after`).
"""

from __future__ import annotations

import json
import math
from typing import Any

import aiohttp
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import BaseRequest, RequestData

from bot.config import Config
from bot.ratelimit import NO_RETRIES

_DEFAULT = BaseRequest.DEFAULT_NONE
READ_TIMEOUT = 10.0  # seconds without an answer before a send counts as timed out (retried)


def _pick(value: object, default: float | None) -> float | None:
    return default if value is _DEFAULT or not isinstance(value, int | float | None) else value


#: Seconds a 429 waits when its ``parameters.retry_after`` is no number. Telegram always
#: sends one; a proxy in between or a broken answer may not. Not the 1 s floor of
#: ``errors.classify``: an answer that says "too many" without saying how long should
#: not be met with a request a second, and Telegram's own waits are mostly a few seconds.
DEFAULT_RETRY_AFTER = 5
#: The longest wait honoured (one day): a larger number, or one ``timedelta`` cannot hold,
#: is no real answer either.
MAX_RETRY_AFTER = 86_400


def with_retry_after(payload: bytes) -> bytes:
    """The body of a 429 answer, with ``parameters.retry_after`` a number PTB can use.

    PTB builds ``RetryAfter`` from that value alone: with a string ("soon") building it
    raised AttributeError, and the row was failed as an internal error; null, 0, no value
    or a body that is no JSON object made the 429 a plain ``NetworkError``, retried with
    backoff and counted as an attempt. Now every 429 is a rate-limit deferral: a finite
    number is the wait, within 1 s (the floor ``errors.classify`` applies anyway) and
    :data:`MAX_RETRY_AFTER`; anything else waits :data:`DEFAULT_RETRY_AFTER`. A body
    that is fine already is passed on as it is.
    """
    try:
        answer = json.loads(payload)
    except ValueError:  # (UnicodeDecodeError included)
        answer = None
    if not isinstance(answer, dict):
        answer = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
    parameters = answer.get("parameters")
    if not isinstance(parameters, dict):
        parameters = {}
    value = parameters.get("retry_after")
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_RETRY_AFTER:
        return payload
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        wait: float = min(max(value, 1), MAX_RETRY_AFTER)
    else:
        wait = DEFAULT_RETRY_AFTER
    answer["parameters"] = {**parameters, "retry_after": wait}
    return json.dumps(answer, ensure_ascii=False).encode()


class AiohttpRequest(BaseRequest):
    def __init__(self, connection_pool_size: int = 16, read_timeout: float = 10.0,
                 connect_timeout: float = 5.0, media_timeout: float = 30.0) -> None:
        self._pool = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._media_timeout = media_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._pool, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = _DEFAULT, write_timeout: object = _DEFAULT,
                         connect_timeout: object = _DEFAULT,
                         pool_timeout: object = _DEFAULT) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        headers = {"User-Agent": self.USER_AGENT}
        body: aiohttp.FormData | bytes | None = None
        read = _pick(read_timeout, self._read_timeout)
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mime) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            body = form
            read = max(read or 0.0, self._media_timeout)
        elif request_data is not None:
            body = json.dumps(request_data.json_parameters, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=_pick(connect_timeout, self._connect_timeout),
            sock_read=read)
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout) as response:
                body = await response.read()
                return response.status, (with_retry_after(body) if response.status == 429
                                         else body)
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


class DeliveryBot(ExtBot):
    """ExtBot plus :meth:`post`: a Bot API call whose result stays a plain dict.

    ``send_message`` and friends build a full ``Message`` from every answer (chat, sender,
    entities, keyboard: ~1 ms of CPU each), and delivery only needs ``message_id``. The
    call still goes through ``_post`` -> ``_do_post``, so defaults, the rate limiter and
    error mapping (RetryAfter, Forbidden, ChatMigrated ...) apply exactly as for
    ``send_message``. Values are Bot API parameters; nested objects may be given as JSON
    strings (as PTB itself sends them).
    """

    async def initialize(self) -> None:
        """Open the connection pool. No getMe: the application's bot has checked the
        token already, and delivery must not fail to start because the network blinks."""
        await self.request.initialize()

    async def shutdown(self) -> None:
        await self.request.shutdown()

    async def post(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        """A 429 is not retried here (:data:`bot.ratelimit.NO_RETRIES`): the worker puts
        the row and its chat aside for ``retry_after`` and sends to other chats meanwhile;
        the limiter still pauses that chat for every later request."""
        limits = self._merge_api_rl_kwargs(None, NO_RETRIES) if self.rate_limiter else None
        result = await self._post(endpoint, data, api_kwargs=limits)
        if not isinstance(result, dict):
            # a success status: the message may well be out, so no retry (a NetworkError
            # is retried, and the chat got it twice)
            raise TelegramError(f"unexpected {endpoint} result: {str(result)[:100]}")
        return result


def delivery_bot(config: Config, rate_limiter: BaseRateLimiter | None,
                 pool_size: int = 64) -> DeliveryBot:
    """A Bot for the worker's sends: same token, server and rate limiter as the
    application's bot (so every send counts against the same limits), aiohttp transport."""
    tg = config.telegram
    api = tg.api_url
    file_api = api[: -len("/bot")] + "/file/bot" if api.endswith("/bot") else api + "/file"
    request = AiohttpRequest(connection_pool_size=pool_size, read_timeout=READ_TIMEOUT)
    return DeliveryBot(tg.token.reveal(), base_url=api, base_file_url=file_api, request=request,
                  get_updates_request=request, rate_limiter=rate_limiter)
