"""HTTP control API of the fake Telegram, for driving it from another process.

Served by the same server under ``/_fake`` (no token; 127.0.0.1 only). Bodies and
answers are JSON; a bad request answers 400 ``{"error": "..."}``.

====== ================================ ===============================================
Verb   Path                             Body / query -> answer
====== ================================ ===============================================
GET    /_fake/info                      -> base_url, base_file_url, token, bot, limits
POST   /_fake/users                     {first_name, username, last_name, language_code,
                                        user_id} -> user
POST   /_fake/chats                     {type: private|group|supergroup|channel, title,
                                        username, chat_id, admins: [ids], creator_id,
                                        user_id | first_name...} -> chat (+ "user")
GET    /_fake/chats                     -> [chat, ...] with their state flags
POST   /_fake/chats/{chat_id}/state     {blocked, deactivated, kicked, bot_status} -> chat
POST   /_fake/inject/message            {chat_id, text, from_user_id, reply_to} -> Message
POST   /_fake/inject/callback           {chat_id, message_id, data, from_user_id}
                                        -> {callback_query_id}
POST   /_fake/inject/inline_query       {query, offset, from_user_id} -> {inline_query_id}
POST   /_fake/inject/my_chat_member     {chat_id, status, old_status, from_user_id}
POST   /_fake/inject/migrate            {chat_id, new_chat_id} -> the new supergroup
POST   /_fake/inject/update             a raw Update (update_id optional)
GET    /_fake/sent                      ?chat_id=&method=&since=N -> {items, next}
GET    /_fake/edits | /_fake/calls      ?chat_id= | ?method=, and ?since=N -> {items, next}
GET    /_fake/callback_answers          ?since=N -> {items, next} (also inline_answers,
                                        rate_limited, deleted)
GET    /_fake/commands                  ?language_code= -> default-scope command list
GET    /_fake/stats                     -> counts (sent, edits, calls, rate_limited, ...)
GET    /_fake/wait/messages             ?chat_id=&n=1&timeout=5 -> {items} or 408 {error}
GET    /_fake/limits, POST /_fake/limits {RateLimits fields} -> limits
POST   /_fake/faults                    {method, status, delay, times, duration}
DELETE /_fake/faults                    clears all faults
POST   /_fake/broken_photos             {url, reason: wrong|fetch}
POST   /_fake/reset                     forget records and rate windows (keeps chats)
====== ================================ ===============================================

``since`` paginates: pass the previous answer's ``next`` to get only newer items.
`RemoteFakeTelegram` is an async client for all of it; ``RemoteFakeTelegram.spawn()``
starts ``python -m tests.fakes.telegram`` as a subprocess and stops it afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram_model import JSON, FakeChat, FakeUser

if TYPE_CHECKING:
    from tests.fakes.telegram import FakeTelegram

REPO_ROOT = Path(__file__).resolve().parents[2]
Handler = Callable[[web.Request], Any]


def _chat_json(chat: FakeChat) -> JSON:
    data = chat.json()
    data.update(
        blocked=chat.blocked,
        deactivated=chat.deactivated,
        kicked=chat.kicked,
        migrated_to=chat.migrated_to,
        bot_status=chat.bot_status,
    )
    if chat.user is not None:
        data["user"] = chat.user.json()
    return data


def add_control_routes(app: web.Application, fake: FakeTelegram) -> None:
    """Mount the ``/_fake`` control API for ``fake`` on ``app``."""

    def user(body: JSON, key: str = "from_user_id") -> FakeUser | None:
        uid = body.get(key)
        if uid is None:
            return None
        if int(uid) not in fake.users:
            raise ValueError(f"unknown user {uid}")
        return fake.users[int(uid)]

    def page(items: Sequence[Any], request: web.Request) -> JSON:
        since = int(request.query.get("since", 0))
        chunk = items[since:]
        return {
            "items": [i.to_json() if hasattr(i, "to_json") else i for i in chunk],
            "next": since + len(chunk),
        }

    def chat_id_of(request: web.Request) -> int | None:
        value = request.query.get("chat_id")
        return None if value in (None, "") else int(value)

    async def info(request: web.Request) -> JSON:
        return {
            "base_url": fake.base_url,
            "base_file_url": fake.base_file_url,
            "token": fake.token,
            "bot": fake.bot.json(),
            "limits": fake.limits.to_json(),
        }

    async def add_user(request: web.Request) -> JSON:
        return fake.add_user(**await request.json()).json()

    async def add_chat(request: web.Request) -> JSON:
        body = await request.json()
        kind = body.pop("type", "private")
        if kind == "private" and "user_id" in body and int(body["user_id"]) in fake.users:
            body = {"user": fake.users[int(body.pop("user_id"))]}
        if "creator_id" in body:
            body["creator"] = user(body, "creator_id")
            del body["creator_id"]
        return _chat_json(fake.add_chat(kind, **body))

    async def list_chats(request: web.Request) -> list[JSON]:
        return [_chat_json(c) for c in fake.chats.values()]

    async def chat_state(request: web.Request) -> JSON:
        body = await request.json()
        return _chat_json(fake.set_chat_state(int(request.match_info["chat_id"]), **body))

    async def inject_message(request: web.Request) -> JSON:
        b = await request.json()
        return fake.inject_message(
            int(b["chat_id"]),
            b["text"],
            from_user=user(b),
            reply_to=b.get("reply_to"),
            entities=b.get("entities"),
        )

    async def inject_callback(request: web.Request) -> JSON:
        b = await request.json()
        qid = fake.inject_callback(
            int(b["chat_id"]), int(b["message_id"]), b["data"], from_user=user(b)
        )
        return {"callback_query_id": qid}

    async def inject_inline(request: web.Request) -> JSON:
        b = await request.json()
        qid = fake.inject_inline_query(
            b.get("query", ""), offset=b.get("offset", ""), from_user=user(b)
        )
        return {"inline_query_id": qid}

    async def inject_member(request: web.Request) -> JSON:
        b = await request.json()
        return fake.inject_my_chat_member(
            int(b["chat_id"]), b["status"], old_status=b.get("old_status"), from_user=user(b)
        )

    async def inject_migrate(request: web.Request) -> JSON:
        b = await request.json()
        return _chat_json(fake.migrate_group(int(b["chat_id"]), new_chat_id=b.get("new_chat_id")))

    async def inject_update(request: web.Request) -> JSON:
        return fake.inject_update(await request.json())

    async def sent(request: web.Request) -> JSON:
        return page(fake.sent(chat_id_of(request), method=request.query.get("method")), request)

    async def edits(request: web.Request) -> JSON:
        return page(fake.edits(chat_id_of(request)), request)

    async def calls(request: web.Request) -> JSON:
        method = request.query.get("method")
        return page(fake.calls_to(method) if method else fake.calls, request)

    def lister(name: str) -> Handler:
        async def handler(request: web.Request) -> JSON:
            return page(getattr(fake, name), request)

        return handler

    async def commands(request: web.Request) -> list[JSON]:
        return fake.my_commands(None, request.query.get("language_code", ""))

    async def stats(request: web.Request) -> JSON:
        return fake.stats()

    async def wait_messages(request: web.Request) -> web.Response:
        q = request.query
        try:
            found = await fake.wait_for_messages(
                chat_id_of(request), int(q.get("n", 1)), float(q.get("timeout", 5))
            )
        except AssertionError as exc:
            return web.json_response({"error": str(exc)}, status=408)
        return web.json_response({"items": [m.to_json() for m in found]})

    async def limits(request: web.Request) -> JSON:
        if request.method == "POST":
            fake.set_limits(**await request.json())
        return fake.limits.to_json()

    async def faults(request: web.Request) -> JSON:
        if request.method == "DELETE":
            fake.clear_faults()
            return {"faults": 0}
        b = await request.json()
        fake.inject_fault(
            b.get("method", "*"),
            status=b.get("status", 500),
            delay=float(b.get("delay", 0.0)),
            times=b.get("times", 1),
            duration=b.get("duration"),
        )
        return {"faults": len(fake.faults)}

    async def broken_photo(request: web.Request) -> JSON:
        b = await request.json()
        fake.break_photo(b["url"], reason=b.get("reason", "wrong"))
        return {"ok": True}

    async def reset(request: web.Request) -> JSON:
        fake.reset_records()
        return {"ok": True}

    def wrap(func: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                result = await func(request)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                return web.json_response({"error": f"{type(exc).__name__}: {exc}"}, status=400)
            if isinstance(result, web.StreamResponse):
                return result
            return web.Response(
                text=json.dumps(result, ensure_ascii=False), content_type="application/json"
            )

        return handler

    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/info", info),
        ("POST", "/users", add_user),
        ("POST", "/chats", add_chat),
        ("GET", "/chats", list_chats),
        ("POST", "/chats/{chat_id}/state", chat_state),
        ("POST", "/inject/message", inject_message),
        ("POST", "/inject/callback", inject_callback),
        ("POST", "/inject/inline_query", inject_inline),
        ("POST", "/inject/my_chat_member", inject_member),
        ("POST", "/inject/migrate", inject_migrate),
        ("POST", "/inject/update", inject_update),
        ("GET", "/sent", sent),
        ("GET", "/edits", edits),
        ("GET", "/calls", calls),
        ("GET", "/callback_answers", lister("callback_answers")),
        ("GET", "/inline_answers", lister("inline_answers")),
        ("GET", "/rate_limited", lister("rate_limited")),
        ("GET", "/deleted", lister("deleted")),
        ("GET", "/commands", commands),
        ("GET", "/stats", stats),
        ("GET", "/wait/messages", wait_messages),
        ("GET", "/limits", limits),
        ("POST", "/limits", limits),
        ("POST", "/faults", faults),
        ("DELETE", "/faults", faults),
        ("POST", "/broken_photos", broken_photo),
        ("POST", "/reset", reset),
    ]
    for verb, path, func in routes:
        app.router.add_route(verb, "/_fake" + path, wrap(func))


class RemoteFakeTelegram:
    """Async client of the control API of a fake running in another process."""

    def __init__(self, url: str) -> None:
        """``url`` is the server root (``http://127.0.0.1:PORT``) or its ``/_fake`` URL."""
        self.url = url.removesuffix("/").removesuffix("/_fake")
        self.info: JSON = {}
        self.process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str:
        return str(self.info["token"])

    async def request(self, verb: str, path: str, body: JSON | None = None, **query: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        params = {k: str(v) for k, v in query.items() if v is not None}
        async with self._session.request(
            verb, f"{self.url}/_fake{path}", json=body, params=params
        ) as response:
            data = await response.json()
            if response.status >= 400:
                raise AssertionError(f"control API {verb} {path}: {response.status} {data}")
            return data

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def connect(self) -> RemoteFakeTelegram:
        self.info = await self.request("GET", "/info")
        return self

    # world and updates
    async def add_user(self, **fields: Any) -> JSON:
        return await self.request("POST", "/users", fields)

    async def add_chat(self, chat_type: str = "private", **fields: Any) -> JSON:
        return await self.request("POST", "/chats", {"type": chat_type, **fields})

    async def set_chat_state(self, chat_id: int, **flags: Any) -> JSON:
        return await self.request("POST", f"/chats/{chat_id}/state", flags)

    async def inject_message(self, chat_id: int, text: str, **fields: Any) -> JSON:
        return await self.request(
            "POST", "/inject/message", {"chat_id": chat_id, "text": text, **fields}
        )

    async def inject_callback(self, chat_id: int, message_id: int, data: str, **fields: Any) -> str:
        body = {"chat_id": chat_id, "message_id": message_id, "data": data, **fields}
        return (await self.request("POST", "/inject/callback", body))["callback_query_id"]

    async def inject_inline_query(self, query: str, **fields: Any) -> str:
        body = {"query": query, **fields}
        return (await self.request("POST", "/inject/inline_query", body))["inline_query_id"]

    async def inject_my_chat_member(self, chat_id: int, status: str, **fields: Any) -> JSON:
        body = {"chat_id": chat_id, "status": status, **fields}
        return await self.request("POST", "/inject/my_chat_member", body)

    async def migrate_group(self, chat_id: int, new_chat_id: int | None = None) -> JSON:
        body = {"chat_id": chat_id, "new_chat_id": new_chat_id}
        return await self.request("POST", "/inject/migrate", body)

    # reading back
    async def sent(self, chat_id: int | None = None, *, since: int = 0) -> list[JSON]:
        return (await self.request("GET", "/sent", chat_id=chat_id, since=since))["items"]

    async def wait_for_messages(
        self,
        chat_id: int | None = None,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[JSON]:
        data = await self.request("GET", "/wait/messages", chat_id=chat_id, n=n, timeout=timeout)
        return data["items"]

    async def stats(self) -> JSON:
        return await self.request("GET", "/stats")

    async def rate_limited(self) -> list[JSON]:
        return (await self.request("GET", "/rate_limited"))["items"]

    async def calls(self, method: str | None = None) -> list[JSON]:
        return (await self.request("GET", "/calls", method=method))["items"]

    # behaviour
    async def set_limits(self, **fields: Any) -> JSON:
        return await self.request("POST", "/limits", fields)

    async def inject_fault(self, method: str = "*", **fields: Any) -> JSON:
        return await self.request("POST", "/faults", {"method": method, **fields})

    async def clear_faults(self) -> JSON:
        return await self.request("DELETE", "/faults")

    async def break_photo(self, url: str, reason: str = "wrong") -> JSON:
        return await self.request("POST", "/broken_photos", {"url": url, "reason": reason})

    async def reset(self) -> JSON:
        return await self.request("POST", "/reset")

    @classmethod
    @contextlib.asynccontextmanager
    async def spawn(
        cls, *args: str, startup_timeout: float = 15.0
    ) -> AsyncIterator[RemoteFakeTelegram]:
        """Run ``python -m tests.fakes.telegram --port 0 *args`` for the block's duration."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.fakes.telegram",
            "--port",
            "0",
            *args,
            cwd=str(REPO_ROOT),
            stdout=asyncio.subprocess.PIPE,
        )
        remote: RemoteFakeTelegram | None = None
        try:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), startup_timeout)
            if not line:
                raise RuntimeError("the fake Telegram process exited before printing its URL")
            started = json.loads(line)
            remote = cls(started["control_url"])
            remote.process = process
            await remote.connect()
            yield remote
        finally:
            if remote is not None:
                await remote.close()
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 5)
                except TimeoutError:
                    process.kill()
                    await process.wait()
