"""Webhook mode end to end: ``newsbot run`` as a process against the fake Bot API, with
JSON logs at DEBUG that must never contain the token or the webhook secret."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import parse_config
from bot.errors import ConfigError
from tests.fakes.telegram import FakeTelegram
from tests.service import spawn, write_config
from tests.test_ops_http import free_port
from tests.test_webhook import raw_request

SECRET = "Wh00k-secret_value_42"
HOOK_URL = "https://bot.example.test/tg/hook"


async def post_update(port: int, update: dict[str, Any] | str, secret: str | None) -> int:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as session:
        for _ in range(50):  # the server starts listening right after setWebhook
            try:
                async with session.post(f"http://127.0.0.1:{port}/tg/hook",
                                        data=update if isinstance(update, str)
                                        else json.dumps(update), headers=headers) as resp:
                    return resp.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("the webhook server never accepted a connection")


@pytest.mark.parametrize("log_format", ["json", "text"])
async def test_webhook_mode_secret_and_logs(tmp_path: Path, fake_telegram: FakeTelegram,
                                            log_format: str) -> None:
    chat = fake_telegram.add_private_chat(first_name="ليلى")
    port = free_port()
    config = write_config(
        tmp_path, fake_telegram,
        telegram={"mode": "webhook", "webhook_url": HOOK_URL, "webhook_listen": "127.0.0.1",
                  "webhook_port": port, "secret_token": SECRET},
        logging={"level": "DEBUG", "format": log_format})
    child = await spawn("run", "--config", str(config))
    try:
        [set_call] = await fake_telegram.wait_for_calls("setWebhook", 1, timeout=20)
        assert set_call.params["url"] == HOOK_URL
        assert set_call.params["secret_token"] == SECRET
        assert fake_telegram.webhook_url == HOOK_URL
        assert not fake_telegram.calls_to("getUpdates")  # no polling in webhook mode

        def update(update_id: int) -> dict[str, Any]:
            return {"update_id": update_id, "message": fake_telegram.inject_message(
                chat.id, "/start")}

        assert await post_update(port, update(9001), "wrong-secret") == 403
        assert await post_update(port, update(9002), None) == 403
        # a stranger's 100 MB is refused before a byte of it is read (bot.webhook)
        head = (f"POST /tg/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {100 << 20}\r\n\r\n")
        status, took = await raw_request(port, head)
        assert status == 403 and took < 2.0
        assert await post_update(port, "{not json", SECRET) == 400
        await asyncio.sleep(0.5)
        assert fake_telegram.sent(chat.id) == []  # neither was processed

        assert await post_update(port, update(9003), SECRET) == 200
        [welcome] = await fake_telegram.wait_for_messages(chat.id, 1, timeout=10)
        assert "أهلًا بك" in welcome.plain_text
        # Telegram delivers an update again when it did not get our answer: handled once
        again = {"update_id": 9004, "message": fake_telegram.inject_message(chat.id, "/help")}
        for _ in range(3):
            assert await post_update(port, again, SECRET) == 200
        last = {"update_id": 9005, "message": fake_telegram.inject_message(chat.id, "/start")}
        assert await post_update(port, last, SECRET) == 200
        # one chat's updates are handled in order: when /start is answered, all are done
        replies = await fake_telegram.wait_for_messages(chat.id, 3, timeout=15)
        await asyncio.sleep(0.2)
        assert len(fake_telegram.sent(chat.id)) == 3 and "أهلًا" in (replies[-1].plain_text or "")
    finally:
        code = await child.terminate(signal.SIGTERM)
    assert code == 0, child.text
    # Stopping deletes nothing: the webhook stays so Telegram keeps updates for our return.
    assert not fake_telegram.calls_to("deleteWebhook")
    assert fake_telegram.webhook_url == HOOK_URL

    out = child.text
    assert fake_telegram.token not in out and SECRET not in out
    assert "'secret_token': '***'" in out  # PTB logged the setWebhook parameters, redacted
    if log_format == "json":
        records = [json.loads(line) for line in out.splitlines() if line.strip()]
        messages = [r["message"] for r in records]
        assert any(r["level"] == "DEBUG" for r in records)
    else:
        messages = out.splitlines()
        assert any(" DEBUG   " in m for m in messages)
    assert any("webhook set to " + HOOK_URL in m for m in messages), messages
    assert any("stopped cleanly" in m for m in messages)


def test_webhook_mode_requires_a_valid_secret_token() -> None:
    base = {"token": "1:x", "mode": "webhook", "webhook_url": HOOK_URL}
    with pytest.raises(ConfigError, match=r"telegram.secret_token: required when"):
        parse_config({"telegram": base}, env={})
    with pytest.raises(ConfigError, match=r"telegram.secret_token: invalid when"):
        parse_config({"telegram": {**base, "secret_token": "has spaces and ü"}}, env={})
    config = parse_config({"telegram": {**base, "secret_token": SECRET}}, env={})
    assert config.telegram.secret_token.reveal() == SECRET
    assert SECRET not in repr(config)
    parse_config({"telegram": {"token": "1:x"}}, env={})  # polling needs none
