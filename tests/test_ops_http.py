"""The [http] endpoint of a running service: /metrics scraped, /healthz judged."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot import metrics
from bot.app import Service
from bot.models import Article
from tests.fakes.telegram import FakeTelegram
from tests.service import load, running_service, write_config

FEEDS = [{"url": "https://a.example/rss", "name": "المصدر أ", "default": True}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_config(tmp_path: Path, fake_telegram: FakeTelegram) -> tuple[Path, str]:
    """A service config with the [http] endpoint on a free port, and that endpoint's URL."""
    port = free_port()
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS,
                          http={"enabled": True, "port": port}, polling={"interval_seconds": 60})
    return config, f"http://127.0.0.1:{port}"


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


async def get_json(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.json()


async def test_metrics_and_healthz(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    config, base = http_config(tmp_path, fake_telegram)
    metrics.reset_heartbeats()
    async with running_service(config) as service:
        storage = service.storage
        assert storage is not None and service.http is not None
        assert service.app is not None and service.app.job_queue is not None
        assert service.app.job_queue.get_jobs_by_name("maintenance")
        # The worker would send the row below at once and beat its own heartbeat: this
        # test drives the outbox and the heartbeats by hand.
        assert service.services.delivery is not None
        await service.services.delivery.stop()
        await storage.chats.register(7, "private", "سارة", None)
        article_id = await storage.articles.insert(Article(
            title="عنوان", url="https://a.example/1", source="المصدر أ",
            published=datetime.now(UTC)), enqueue=False)

        def enqueue(c: sqlite3.Connection) -> None:
            c.execute("INSERT INTO outbox (chat_id, article_id, status, created_at)"
                      " VALUES (7, ?, 'pending', ?)", (article_id, time.time()))

        await storage.db.write(enqueue)
        metrics.SENDS.labels("sent").inc()

        status, ctype, text = await get(f"{base}/metrics")
        assert status == 200 and ctype.startswith("text/plain; version=")
        lines = text.splitlines()
        assert "newsbot_outbox_pending 1.0" in lines  # refreshed from the DB at scrape
        assert any(line.startswith('newsbot_sends_total{result="sent"} ') for line in lines)
        assert "# TYPE newsbot_polls_total counter" in lines
        assert "# TYPE newsbot_fetch_errors_total counter" in lines
        assert any(line.startswith("newsbot_articles_stored_total ") for line in lines)
        assert any(line.startswith("newsbot_send_seconds_bucket") for line in lines)
        assert "newsbot_instance_active 1.0" in lines

        status, body = await get_json(f"{base}/healthz")
        assert status == 200 and body["status"] == "ok" and body["role"] == "active", body

        # Pretend we have been up a long time without a single poll heartbeat.
        service.http.active_since = time.time() - 10_000
        status, body = await get_json(f"{base}/healthz")
        assert status == 503 and body["status"] == "unhealthy"
        assert body["reasons"][0].startswith("poll: stalled: no poll heartbeat since start")
        metrics.heartbeat("poll")
        metrics.heartbeat("delivery")
        status, body = await get_json(f"{base}/healthz")
        assert status == 200, body

        # A row due for 20 minutes while the delivery worker has been silent for 10.
        await storage.db.write(lambda c: c.execute(
            "UPDATE outbox SET created_at = ?", (time.time() - 1200,)))
        metrics._heartbeats["delivery"] = time.time() - 600
        status, body = await get_json(f"{base}/healthz")
        assert status == 503 and body["reasons"][0].startswith("delivery: stalled"), body
        status, _, text = await get(f"{base}/metrics")
        age = next(line for line in text.splitlines()
                   if line.startswith("newsbot_outbox_oldest_due_age_seconds "))
        assert 1190 < float(age.split()[1]) < 1300
        status, _, _ = await get(f"{base}/nope")
        assert status == 404
    metrics.reset_heartbeats()


async def test_standby_answers_healthz_and_stops_on_request(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    active_port, standby_port = free_port(), free_port()
    config = load(write_config(tmp_path, fake_telegram, feeds=FEEDS,
                               http={"enabled": True, "port": active_port}))
    standby_config = load(write_config(tmp_path, fake_telegram, feeds=FEEDS,
                                       http={"enabled": True, "port": standby_port}))
    async with running_service(config):
        getmes = len(fake_telegram.calls_to("getMe"))
        standby = Service(standby_config, lease_seconds=5)
        stop = asyncio.Event()
        starting = asyncio.create_task(standby.start(stop))
        for _ in range(100):
            await asyncio.sleep(0.05)
            try:
                status, body = await get_json(f"http://127.0.0.1:{standby_port}/healthz")
                break
            except aiohttp.ClientConnectionError:
                continue
        assert status == 200 and body == {"role": "standby", "status": "standby",
                                          "reasons": []}
        assert len(fake_telegram.calls_to("getMe")) == getmes  # never touched Telegram
        stop.set()
        assert await asyncio.wait_for(starting, 5) is False
    try:
        await get(f"http://127.0.0.1:{standby_port}/healthz")
        raise AssertionError("the standby's endpoint is still up")
    except aiohttp.ClientConnectionError:
        pass


async def test_port_in_use_is_a_clear_error(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = write_config(tmp_path, fake_telegram, http={"enabled": True, "port": port})
        service = Service(load(config))
        try:
            await service.start()
            raise AssertionError("started on a busy port")
        except Exception as exc:
            assert f"http: cannot listen on 127.0.0.1:{port}" in str(exc)
    # and nothing was left holding the database lease
    async with running_service(write_config(tmp_path, fake_telegram)) as service:
        assert service.lease is not None and service.lease.held


async def test_healthcheck_probe(tmp_path: Path, fake_telegram: FakeTelegram,
                                 capsys: pytest.CaptureFixture) -> None:
    from bot.ops import healthcheck

    port = free_port()
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS,
                          http={"enabled": True, "host": "0.0.0.0", "port": port})
    args = ["--config", str(config)]
    async with running_service(config) as service:
        assert await asyncio.to_thread(healthcheck.main, args) == 0
        assert "healthcheck: ok (active)" in capsys.readouterr().out
        assert service.http is not None
        service.http.active_since = time.time() - 10_000
        assert await asyncio.to_thread(healthcheck.main, args) == 1
        assert "HTTP 503: poll: stalled" in capsys.readouterr().err
    assert await asyncio.to_thread(healthcheck.main, args) == 1  # nothing listening
    capsys.readouterr()
    off = write_config(tmp_path, fake_telegram)
    assert healthcheck.main(["--config", str(off)]) == 0
    assert "[http] is disabled" in capsys.readouterr().out
    assert healthcheck.url_for("::", 9108) == "http://[::1]:9108/healthz"


async def test_headlines_waiting_for_a_digest_are_not_a_stalled_queue(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A daily digest holds its chat's headlines up to a day: they are counted apart
    (``newsbot_outbox_digest_waiting``, /stats, ``newsbot stats``) and are not "due"
    until the digest's moment passes without it. Before, a headline waiting for its
    digest was a row due since it was stored: here the age gauge read 1,800 s on a healthy
    bot (up to a day with a daily digest), and /healthz failed as soon as the worker was
    quiet for 2 minutes."""
    config, base = http_config(tmp_path, fake_telegram)
    metrics.reset_heartbeats()
    async with running_service(config) as service:
        storage = service.storage
        assert storage is not None and service.http is not None
        assert service.services.delivery is not None
        await service.services.delivery.stop()
        now = time.time()
        # The daily digest's moment was two hours ago (the chat's zone: Asia/Riyadh).
        moment = datetime.fromtimestamp(now - 7200, UTC).replace(second=0, microsecond=0)
        at = moment.astimezone(ZoneInfo("Asia/Riyadh")).strftime("%H:%M")
        await storage.chats.register(8, "private", "هند", None)
        await storage.chat_settings.set_digest(8, "daily", at)
        article_id = await storage.articles.insert(Article(
            title="عنوان", url="https://a.example/2", source="المصدر أ",
            published=datetime.now(UTC)), enqueue=False)

        def setup(c: sqlite3.Connection) -> None:
            # the digest went out at its moment; this headline came half an hour ago
            c.execute("INSERT INTO outbox (chat_id, article_id, status, created_at)"
                      " VALUES (8, ?, 'pending', ?)", (article_id, now - 1800))
            c.execute("UPDATE chats SET last_digest_at = ? WHERE id = 8", (now - 7100,))

        await storage.db.write(setup)
        metrics.heartbeat("poll")
        metrics._heartbeats["delivery"] = time.time() - 600  # the worker is quiet
        service.http.active_since = now - 10_000

        def gauge(text: str, name: str) -> float:
            return float(next(line for line in text.splitlines()
                              if line.startswith(name + " ")).split()[1])

        _, _, text = await get(f"{base}/metrics")
        assert gauge(text, "newsbot_outbox_pending") == 1
        assert gauge(text, "newsbot_outbox_digest_waiting") == 1
        assert gauge(text, "newsbot_outbox_oldest_due_age_seconds") == 0
        status, body = await get_json(f"{base}/healthz")
        assert status == 200, body
        assert body["checks"]["digests"]["waiting"] == 1
        assert body["checks"]["digests"]["oldest_due_age_seconds"] is None
        assert body["checks"]["delivery"]["oldest_due_age_seconds"] is None
        stats = await storage.stats()
        assert stats["outbox_pending"] == 1 and stats["digest_waiting"] == 1
        assert stats["oldest_pending_at"] is None  # nothing else to send
        admin = await storage.admin.stats(0.0)
        assert admin.outbox_pending == 1 and admin.digest_waiting == 1
        assert admin.oldest_pending_at is None

        # The digest's moment passed and no digest went out (the digest job has not run
        # since the start): a headline waiting since before it has been due since that
        # moment, and it shows.
        def missed(c: sqlite3.Connection) -> None:
            c.execute("UPDATE chats SET last_digest_at = ? WHERE id = 8", (now - 26 * 3600,))
            c.execute("UPDATE outbox SET created_at = ? WHERE chat_id = 8", (now - 3 * 3600,))

        await storage.db.write(missed)
        _, _, text = await get(f"{base}/metrics")
        assert 7190 < gauge(text, "newsbot_outbox_oldest_due_age_seconds") < 7300
        status, body = await get_json(f"{base}/healthz")
        assert status == 503 and body["reasons"] == [
            "digests: stalled: headlines have been due for a digest for "
            f"{body['checks']['digests']['oldest_due_age_seconds']:.0f}s (threshold 300s) and "
            "the digest job last ran 10000s ago (threshold 180s)"], body
        # a digest job that runs (and fails to send, say) is not stalled; the gauge says
        # how late the digest is
        metrics.heartbeat("digest")
        status, body = await get_json(f"{base}/healthz")
        assert status == 200, body
        assert 7190 < body["checks"]["digests"]["oldest_due_age_seconds"] < 7300

        # The worker's own rows still count from when they became due.
        await storage.chats.register(7, "private", "سارة", None)
        await storage.db.write(lambda c: c.execute(
            "INSERT INTO outbox (chat_id, article_id, status, created_at)"
            " VALUES (7, ?, 'pending', ?)", (article_id, now - 4 * 3600)))
        _, _, text = await get(f"{base}/metrics")
        assert 4 * 3600 - 10 < gauge(text, "newsbot_outbox_oldest_due_age_seconds") < 4 * 3600 + 100
        assert gauge(text, "newsbot_outbox_pending") == 2
        assert gauge(text, "newsbot_outbox_digest_waiting") == 1
        admin = await storage.admin.stats(0.0)
        assert admin.oldest_pending_at is not None
        assert abs(admin.oldest_pending_at - (now - 4 * 3600)) < 1
    metrics.reset_heartbeats()
