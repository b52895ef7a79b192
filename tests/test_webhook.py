"""The webhook receiver (bot.webhook) over real HTTP on loopback: what it refuses, before
reading what, and what reaches PTB's update queue. The service's webhook mode end to end
is tests/test_ops_webhook.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from bot import metrics
from bot.errors import NewsbotError
from bot.webhook import MAX_BODY, SECRET_HEADER, WebhookServer
from tests.test_ops_http import free_port

SECRET = "s3cret_Token-1"
PATH = "/tg/hook"


def message_update(update_id: int, text: str = "/start") -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1700000000, "text": text,
        "chat": {"id": 42, "type": "private", "first_name": "ليلى"},
        "from": {"id": 42, "is_bot": False, "first_name": "ليلى"}}}


@pytest.fixture
async def hook() -> AsyncIterator[tuple[WebhookServer, Application]]:
    app = ApplicationBuilder().token("123:abc").updater(None).build()
    server = WebhookServer(app, listen="127.0.0.1", port=free_port(), path=PATH, secret=SECRET)
    await server.start()
    try:
        yield server, app
    finally:
        await server.stop()


def rejected(reason: str) -> float:
    return metrics.REGISTRY.get_sample_value("newsbot_webhook_rejected_total",
                                             {"reason": reason}) or 0.0


async def post(server: WebhookServer, body: bytes | str, *, secret: str | None = SECRET,
               content_type: str = "application/json", path: str = PATH) -> int:
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{server.port}{path}", data=body, headers=headers) as resp:
        return resp.status


async def raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, float]:
    """Send ``head`` (and ``body``) on a plain connection; the status and how long it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        return int(line.split()[1]), loop.time() - started
    finally:
        writer.close()


async def test_an_update_with_the_secret_reaches_the_queue(hook) -> None:
    server, app = hook
    assert await post(server, json.dumps(message_update(7))) == 200
    # Telegram sends exactly this type; parameters such as charset are fine too
    assert await post(server, json.dumps(message_update(8)),
                      content_type="application/json; charset=utf-8") == 200
    first, second = app.update_queue.get_nowait(), app.update_queue.get_nowait()
    assert isinstance(first, Update) and first.update_id == 7
    assert first.message is not None and first.message.text == "/start"
    assert first.message.chat.first_name == "ليلى"
    assert second.update_id == 8 and app.update_queue.empty()


async def test_a_wrong_or_missing_secret_is_403_and_nothing_is_queued(hook) -> None:
    server, app = hook
    before = rejected("secret")
    body = json.dumps(message_update(1))
    assert await post(server, body, secret="wrong") == 403
    assert await post(server, body, secret=None) == 403
    assert await post(server, body, secret=SECRET + "x") == 403
    assert await post(server, body, secret="") == 403
    assert await post(server, body, secret=SECRET.upper()) == 403
    assert app.update_queue.empty()
    assert rejected("secret") == before + 5


async def test_the_secret_is_checked_before_the_body_is_read(hook) -> None:
    """A stranger announcing 100 MB is answered at once: nothing of it is waited for,
    buffered or parsed (PTB's tornado server read up to 100 MB first)."""
    server, app = hook
    head = (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"{SECRET_HEADER}: wrong\r\nContent-Length: {100 << 20}\r\n\r\n")
    status, took = await raw_request(server.port, head, b"{" * 1000)
    assert status == 403 and took < 2.0
    status, took = await raw_request(server.port, head.replace(f"{SECRET_HEADER}: wrong\r\n", ""))
    assert status == 403 and took < 2.0
    assert app.update_queue.empty()


async def test_a_body_over_the_cap_is_413_even_with_the_secret(hook) -> None:
    server, app = hook
    head = (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"{SECRET_HEADER}: {SECRET}\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n")
    before = rejected("too_large")
    status, took = await raw_request(server.port, head)  # said by Content-Length: not read
    assert status == 413 and took < 2.0

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: cut while reading
        yield b'{"update_id": 5, "message": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    assert await post(server, chunks()) == 413  # type: ignore[arg-type]
    assert rejected("too_large") == before + 2
    # just under the cap is read (the unknown field is ignored, as PTB does)
    padded = json.dumps({**message_update(9), "pad": "x" * (MAX_BODY - 400)})
    assert len(padded) < MAX_BODY
    assert await post(server, padded) == 200
    assert app.update_queue.get_nowait().update_id == 9


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "json"])
async def test_other_media_types_are_415(hook, content_type: str) -> None:
    server, app = hook
    assert await post(server, json.dumps(message_update(3)), content_type=content_type) == 415
    assert app.update_queue.empty()


@pytest.mark.parametrize("body", [
    b"", b"not json", b"\xff\xfe{}", b"[1, 2]", b'"text"', b"null", b"{}",
    b'{"update_id": "5"}', b'{"update_id": true}', b'{"update_id": 5.0}',
    b'{"update_id": 5, "message": 17}', b'{"update_id": 5, "message": {"chat": "x"}}',
    b"[" * 100_000,
], ids=lambda b: b[:24].decode("utf-8", "replace"))
async def test_a_malformed_authenticated_body_is_400_not_500(hook, body: bytes) -> None:
    server, app = hook
    before = rejected("malformed")
    assert await post(server, body) == 400
    assert app.update_queue.empty()
    assert rejected("malformed") == before + 1


async def test_other_methods_and_paths(hook) -> None:
    server, app = hook
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{server.port}{PATH}") as resp:
            assert resp.status == 405
        async with session.put(f"http://127.0.0.1:{server.port}{PATH}", data=b"{}",
                               headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 405
    assert await post(server, json.dumps(message_update(2)), path="/other") == 404
    assert await post(server, json.dumps(message_update(2)), path=PATH + "/x") == 404
    assert app.update_queue.empty()


async def test_binding_a_busy_port_is_a_clear_error(hook) -> None:
    server, app = hook
    other = WebhookServer(app, listen="127.0.0.1", port=server.port, path=PATH, secret=SECRET)
    with pytest.raises(NewsbotError, match=r"cannot listen for the webhook on 127\.0\.0\.1:"):
        await other.start()
    assert not other.running
    await other.stop()  # nothing to stop: no error


def test_a_secret_is_required() -> None:
    app = ApplicationBuilder().token("123:abc").updater(None).build()
    with pytest.raises(ValueError, match="secret"):
        WebhookServer(app, listen="127.0.0.1", port=1, path=PATH, secret="")
