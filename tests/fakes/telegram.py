"""A fake Telegram Bot API server for the test suite (aiohttp on 127.0.0.1).

The bot under test talks to it through the real python-telegram-bot `Bot`/`Application`
with ``base_url=fake.base_url``; nothing in PTB is mocked. The fake answers with the
real JSON shapes (``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": N,
"description": ..., "parameters": {...}}``) and enforces what Telegram enforces:

* HTML parse mode (tags, nesting, quoting, entities; `tests.fakes.telegram_html`; by
  default stricter than Telegram about ``&nbsp;`` and a bare ``&``, which Telegram shows
  literally: they mean unescaped feed text, pass ``strict_html=False`` to allow), text
  1..4096 and captions ..1024 UTF-16 units after parsing, at most 100 formatting
  entities kept a message (the markup past them is shown as plain text, no error), inline keyboards
  (callback_data 1..64 bytes, http(s)/tg button URLs, one action per button),
  answerInlineQuery (≤ 50 results, unique ids ≤ 64 bytes, next_offset ≤ 64 bytes, texts);
* flood limits (`RateLimits`: 30 sends in any second overall, 3 in any 3 s per private
  chat, 20 a minute per group/channel) answered with 429 ``retry_after``; every 429 is
  kept in ``fake.rate_limited`` so a test can assert there were none;
* chat states: blocked/deactivated/kicked (403), unknown chat (400), migrated group
  (400 + ``migrate_to_chat_id``), broken photo URLs (400);
* injected faults: 500/502 answers or stalls for the next N calls or for a while, 429s
  and other errors with any ``parameters`` (a migration to the chat's own id, a
  ``retry_after`` that is no number), odd 200 results.

Methods: getMe, logOut, close, setWebhook, deleteWebhook, getWebhookInfo, getUpdates
(long poll with offset/limit/timeout/allowed_updates), sendMessage, sendPhoto,
copyMessage, sendChatAction, editMessageText, editMessageCaption,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, answerInlineQuery,
setMyCommands, getMyCommands, deleteMyCommands, getChat, getChatMember,
getChatAdministrators. Anything else is 404 "Not Found"; a wrong token 401
"Unauthorized" (PTB raises InvalidToken for both).

Example (the ``fake_telegram`` fixture of tests/conftest.py starts and stops it; this
exact test runs in tests/test_fake_telegram_app.py)::

    from telegram import Update
    from telegram.ext import CommandHandler, ContextTypes
    from tests.fakes.telegram_ptb import build_application, running

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_html("<b>أهلاً</b>")

    async def test_start_replies(fake_telegram: FakeTelegram) -> None:
        chat = fake_telegram.add_private_chat(first_name="سارة")
        app = build_application(fake_telegram)
        app.add_handler(CommandHandler("start", start))
        async with running(app):
            fake_telegram.inject_message(chat.id, "/start")
            [reply] = await fake_telegram.wait_for_messages(chat.id, 1)
        assert reply.text == "<b>أهلاً</b>" and reply.plain_text == "أهلاً"
        fake_telegram.assert_no_rate_limits()

Test API (synchronous unless marked async):

* world: ``add_user(first_name, *, username, last_name, language_code, user_id)``,
  ``add_private_chat(user=None, **user_kwargs)``, ``add_group(title, *, chat_id,
  admins, creator)``, ``add_supergroup(...)``, ``add_channel(..., bot_status)``,
  ``add_chat(chat_type, **kw)``, ``chat(chat_id)``, ``set_chat_state(chat_id, *, blocked,
  deactivated, kicked, bot_status)``, ``block(chat_id)``, ``break_photo(url, *,
  reason="wrong"|"fetch")``;
* updates: ``inject_message(chat_id, text, *, from_user, reply_to, entities)`` (commands
  get their bot_command entity; channels produce ``channel_post``),
  ``inject_callback(chat_id, message_id, data, *, from_user) -> query_id``,
  ``inject_inline_query(query, *, offset, from_user) -> query_id``,
  ``inject_my_chat_member(chat_id, status, *, old_status, from_user)``,
  ``migrate_group(chat_id, *, new_chat_id) -> FakeChat``, ``inject_update(dict)``,
  ``pending_updates``;
* limits and faults: ``limits`` (`RateLimits`), ``set_limits(**fields)``,
  ``disable_rate_limits()``, ``fail_next(method, times, status)``,
  ``inject_fault(method, *, status, delay, times, duration, chat_id, retry_after, skip,
  result, parameters)``,
  ``fail_for(seconds, method, status)``, ``delay_next(method, seconds, times)``,
  ``hang_next(method, times)``, ``hold_next(method, *, chat_id, times, status,
  skip) -> Hold`` (the call waits for ``hold.release()``; ``await hold.arrived.wait()``
  first),
  ``inject_fault(...)``, ``clear_faults()``;
* reading back: ``sent(chat_id=None, *, method=None) -> list[SentMessage]`` (``text`` /
  ``caption`` as the bot sent them, markup intact; ``plain_text`` / ``plain_caption`` and
  ``entities`` as the user sees them; ``buttons``),
  ``last_sent(chat_id)``, ``edits(chat_id)``, ``deleted``, ``callback_answers``,
  ``inline_answers``, ``commands`` / ``my_commands(scope, language_code)``, ``calls``
  (every request, `CallRecord`), ``calls_to(method)``, ``rate_limited`` (`RateLimitHit`),
  ``message(chat_id, message_id)`` (current state), ``stats()``, ``reset_records()``,
  ``assert_no_rate_limits()``, ``active_polls``; ``call_api(method, params)`` runs a
  method in-process (no HTTP) for volume tests;
* async waits (raise AssertionError with a digest of what happened on timeout):
  ``wait_for(count_or_predicate, timeout=5)``, ``wait_for_messages(chat_id, n)``,
  ``wait_for_edits(chat_id, n)``, ``wait_for_callback_answers(n)``,
  ``wait_for_inline_answers(n)``, ``wait_for_calls(method, n)``,
  ``wait_for_polling()`` (the bot is listening), ``wait_for_updates_consumed()``.

Layout: telegram_html (HTML parse mode), telegram_validate (request checks),
telegram_model (data, errors, rate limiter, faults), and the class chain
TelegramState (telegram_state: world, limits, records) -> UpdateInjection
(telegram_inject) -> BotApiMethods (telegram_api) -> MessageMethods (telegram_messages)
-> FakeTelegram (this module: HTTP server, waits, CLI); telegram_control (HTTP control
API and its client), telegram_ptb (PTB wiring).

Standalone (benchmarks, end-to-end runs of ``newsbot run`` in another process)::

    python -m tests.fakes.telegram --port 8081 [--global-per-second 30] [--no-rate-limits]

prints one JSON line ``{"base_url": ..., "base_file_url": ..., "token": ...,
"control_url": ...}`` and serves until SIGINT/SIGTERM. A JSON control API under
``/_fake/`` drives it from another process; it is documented in
`tests.fakes.telegram_control`, which also has the async client `RemoteFakeTelegram`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import math
import signal
import socket
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

from aiohttp import web

from tests.fakes.telegram_messages import MessageMethods
from tests.fakes.telegram_model import (
    JSON,
    NO_RESULT,
    ApiError,
    CallbackAnswer,
    CallRecord,
    EditRecord,
    FakeChat,
    FakeUser,
    Fault,
    Hold,
    InlineAnswer,
    RateLimitHit,
    RateLimits,
    SentMessage,
    describe_window,
)
from tests.fakes.telegram_state import DEFAULT_TOKEN
from tests.fakes.telegram_validate import Params

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "CallRecord",
    "CallbackAnswer",
    "EditRecord",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "Fault",
    "Hold",
    "InlineAnswer",
    "RateLimitHit",
    "RateLimits",
    "SentMessage",
    "main",
]

BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _json_response(status: int, payload: Any) -> web.Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return web.Response(body=body, status=status, content_type="application/json")


class FakeTelegram(MessageMethods):
    """The fake Bot API server plus its test API (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        """Keyword arguments: token, bot_username, bot_name, limits (`RateLimits`),
        clock (a zero-argument callable returning seconds, for rate limits and record
        times; default time.monotonic), strict_html (default True)."""
        super().__init__(**kwargs)
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What PTB wants as ``base_url``: ``http://127.0.0.1:PORT/bot`` (no trailing slash)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def control_url(self) -> str:
        return f"{self.url}/_fake"

    # ------------------------------------------------------------------ lifecycle
    def make_app(self) -> web.Application:
        from tests.fakes.telegram_control import add_control_routes

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        add_control_routes(app, self)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeTelegram:
        """Listen on ``host:port`` (0 = a free port); returns self."""
        self._runner = web.AppRunner(
            self.make_app(), handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.host, self.port = sock.getsockname()[:2]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ HTTP
    async def _not_found(self, request: web.Request) -> web.Response:
        return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    @staticmethod
    async def _read_params(request: web.Request) -> JSON:
        data: JSON = dict(request.query)
        if not request.body_exists:
            return data
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if isinstance(body, dict):
                data.update(body)
            return data
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                size = len(value.file.read())
                data[key] = {"_upload": value.filename or key, "size": size}
            else:
                data[key] = value
        return data

    def _log(self, method: str, params: JSON, status: int, description: str | None) -> None:
        record = CallRecord(method, params, self.clock(), status, description)
        self.calls.append(record)
        self._calls_by_method.setdefault(method.lower(), []).append(record)
        self._notify()

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _json_response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        impl = METHODS.get(method.lower())
        if impl is None:
            self._log(method, {}, 404, "Not Found")
            return await self._not_found(request)
        params: JSON = {}
        try:
            params = await self._read_params(request)
            fault = self._take_fault(method.lower(), params.get("chat_id"))
            if fault is not None:
                response = await self._apply_fault(fault, method, params)
                if response is not None:
                    return response
            result = getattr(self, impl)(Params(params))
            if inspect.isawaitable(result):
                result = await result
        except ApiError as exc:
            self._log(method, params, exc.code, exc.description)
            return _json_response(exc.code, exc.payload())
        self._log(method, params, 200, None)
        return _json_response(200, {"ok": True, "result": result})

    def call_api(self, method: str, params: JSON | None = None) -> Any:
        """Run a Bot API method in-process, as if it came over HTTP (logged the same way).

        For benchmarks and smoke tests that want the fake's logic without HTTP. Values
        may be strings (as PTB's forms send them) or JSON-like objects. Raises `ApiError`
        on refusal. getUpdates (async) and fault injection are HTTP-only.
        """
        impl = METHODS.get(method.lower())
        if impl is None or method.lower() == "getupdates":
            raise ValueError(f"call_api cannot run {method!r}")
        data = dict(params or {})
        try:
            result = getattr(self, impl)(Params(data))
        except ApiError as exc:
            self._log(method, data, exc.code, exc.description)
            raise
        self._log(method, data, 200, None)
        return result

    async def _apply_fault(self, fault: Fault, method: str, params: JSON) -> web.Response | None:
        if fault.hold is not None:
            fault.hold.arrived.set()
            await fault.hold.released.wait()
        if fault.delay > 0:
            if math.isinf(fault.delay):
                await asyncio.Event().wait()  # until the client disconnects or we stop
            await asyncio.sleep(fault.delay)
        if fault.status is None:
            return None
        status = fault.status
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown Error"
        self._log(method, params, status, f"injected fault: {phrase}")
        if status == 502:
            return web.Response(text=BAD_GATEWAY_HTML, status=502, content_type="text/html")
        if status == 200:  # a broken proxy: success without a result, or an odd one
            return _json_response(200, {"ok": True} if fault.result == NO_RESULT
                                  else {"ok": True, "result": fault.result})
        if status == 429:
            return _json_response(429, {
                "ok": False, "error_code": 429,
                "description": f"Too Many Requests: retry after {fault.retry_after}",
                "parameters": ({"retry_after": fault.retry_after} if fault.parameters is None
                               else fault.parameters)})
        error: JSON = {"ok": False, "error_code": status, "description": phrase}
        if fault.parameters is not None:
            error["parameters"] = fault.parameters
        return _json_response(status, error)

    # ------------------------------------------------------------------ waiting
    async def _wait_until(
        self,
        check: Callable[[], tuple[bool, Any]],
        timeout: float,  # noqa: ASYNC109
        what: str,
    ) -> Any:
        """Re-run ``check`` after every request until it reports done, or fail clearly."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            done, value = check()
            if done:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"fake Telegram: timed out after {timeout:g}s waiting for {what}\n"
                    + self.describe()
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _wait_count(
        self,
        items: Callable[[], Sequence[Any]],
        n: int,
        timeout: float,  # noqa: ASYNC109
        what: str,
    ) -> list[Any]:
        def check() -> tuple[bool, Any]:
            found = items()
            return (True, list(found)) if len(found) >= n else (False, None)

        return await self._wait_until(check, timeout, what)

    async def wait_for(
        self,
        condition: int | Callable[[FakeTelegram], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        what: str | None = None,
    ) -> Any:
        """Wait until ``condition`` holds and return its value.

        ``condition`` is a count of sent messages (returns them all) or a predicate
        called with the fake after every request and injection (returns its first truthy
        result). On timeout raises AssertionError describing what the bot did so far.
        """
        if isinstance(condition, int):
            return await self._wait_count(
                lambda: self._sent, condition, timeout, what or f"{condition} sent message(s)"
            )
        predicate = condition

        def check() -> tuple[bool, Any]:
            value = predicate(self)
            return bool(value), value

        return await self._wait_until(
            check, timeout, what or str(getattr(predicate, "__name__", "condition"))
        )

    async def wait_for_messages(
        self,
        chat_id: int | None = None,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until at least ``n`` messages went to ``chat_id`` (any chat if None)."""
        where = "" if chat_id is None else f" to chat {chat_id}"
        return await self._wait_count(
            lambda: self._sent if chat_id is None else self._sent_by_chat.get(chat_id, []),
            n,
            timeout,
            f"{n} message(s){where}",
        )

    async def wait_for_edits(
        self,
        chat_id: int | None = None,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[EditRecord]:
        return await self._wait_count(lambda: self.edits(chat_id), n, timeout, f"{n} edit(s)")

    async def wait_for_callback_answers(
        self,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[CallbackAnswer]:
        return await self._wait_count(
            lambda: self.callback_answers, n, timeout, f"{n} callback answer(s)"
        )

    async def wait_for_inline_answers(
        self,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[InlineAnswer]:
        return await self._wait_count(
            lambda: self.inline_answers, n, timeout, f"{n} inline answer(s)"
        )

    async def wait_for_calls(
        self,
        method: str,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[CallRecord]:
        """Wait until ``method`` was answered ``n`` times (whatever the answer)."""
        return await self._wait_count(
            lambda: self._calls_by_method.get(method.lower(), []),
            n,
            timeout,
            f"{n} call(s) to {method}",
        )

    async def wait_for_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has a getUpdates long poll waiting (it is up and listening)."""
        await self._wait_until(
            lambda: (self.active_polls > 0, None), timeout, "a getUpdates long poll"
        )

    async def wait_for_updates_consumed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot fetched and confirmed every queued update."""
        await self._wait_until(
            lambda: (not self._updates, None), timeout, "the bot to fetch all updates"
        )

    def assert_no_rate_limits(self) -> None:
        if self.rate_limited:
            hits = ", ".join(
                f"{h.method}@{h.chat_id}({h.scope}, {h.retry_after}s)"
                for h in self.rate_limited[:10]
            )
            raise AssertionError(f"{len(self.rate_limited)} 429(s) issued: {hits}\n"
                                 f"{describe_window(self.rate_limited[0].window)}")


# Bot API method name (lower case) -> implementing attribute.
METHODS: dict[str, str] = {n[4:]: n for n in dir(FakeTelegram) if n.startswith("api_")}


# ---------------------------------------------------------------------- standalone
def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    defaults = RateLimits()
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.telegram", description="Run the fake Telegram Bot API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="newsbot_test_bot")
    parser.add_argument("--global-per-second", type=int, default=defaults.global_per_second)
    parser.add_argument("--private-per-window", type=int, default=defaults.private_per_window)
    parser.add_argument("--private-window", type=float, default=defaults.private_window)
    parser.add_argument("--group-per-window", type=int, default=defaults.group_per_window)
    parser.add_argument("--group-window", type=float, default=defaults.group_window)
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument(
        "--lenient-html",
        action="store_true",
        help="show &nbsp; and bare & literally, like Telegram",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    limits = RateLimits(
        global_per_second=args.global_per_second,
        private_per_window=args.private_per_window,
        private_window=args.private_window,
        group_per_window=args.group_per_window,
        group_window=args.group_window,
        enabled=not args.no_rate_limits,
    )
    fake = FakeTelegram(
        token=args.token,
        bot_username=args.bot_username,
        limits=limits,
        strict_html=not args.lenient_html,
    )
    await fake.start(args.host, args.port)
    info = {
        "base_url": fake.base_url,
        "base_file_url": fake.base_file_url,
        "token": fake.token,
        "control_url": fake.control_url,
        "port": fake.port,
    }
    print(json.dumps(info), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(_serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
