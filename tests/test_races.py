"""Chat and admin actions racing the background jobs (delivery, digests, polling, the
disabled-feed alert, broadcasts), driven deterministically: the fake Bot API holds a
send until the test releases it, the feed server holds a poll's fetch. (The index
rebuild racing retention and new articles: tests/test_search_storage.py.)"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

import jobs.poll
from bot.app import Service
from bot.render.bidi import rtl_text
from bot.storage import _db
from tests.admin_helpers import admin_config, buttons, figure, final_edit, register_chats
from tests.fakes.feed_server import FeedServer, Route, http_date
from tests.fakes.telegram import FakeTelegram, SentMessage
from tests.fixtures.ingest.site import item, rss
from tests.news import ask, eventually, fast_config, feed_id, register, store
from tests.service import chat_rows, running_service

pytest_plugins = ["tests.fakes.feed_fixtures"]


def statuses(service: Service, chat_id: int) -> list[str]:
    assert service.storage is not None
    conn = sqlite3.connect(service.storage.db.path)
    try:
        return [r[0] for r in conn.execute(
            "SELECT status FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,))]
    finally:
        conn.close()


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info]


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until ``check()`` holds."""

    async def holds() -> bool:
        return check()

    await eventually(holds, timeout)


def gate_waiting(service: Service, chat_id: int) -> bool:
    """Some action waits for the chat's send in flight (see bot/delivery/gates.py)."""
    delivery = service.services.delivery
    gates = getattr(delivery, "gates", None)
    return gates is not None and gates.waiting(chat_id) > 0


def sends_after(fake: FakeTelegram, chat_id: int, index: int) -> list[str]:
    """Messages to ``chat_id`` the fake answered after its call number ``index``."""
    return [c.method for c in fake.calls[index + 1:]
            if c.method in ("sendMessage", "sendPhoto", "copyMessage") and c.status == 200
            and str(c.params.get("chat_id")) == str(chat_id)]


def answer_index(fake: FakeTelegram, query_id: str) -> int:
    return next(i for i, c in enumerate(fake.calls) if c.method == "answerCallbackQuery"
                and c.params.get("callback_query_id") == query_id)


async def forget_prompt(fake: FakeTelegram, chat_id: int) -> tuple[SentMessage, str]:
    prompt = await ask(fake, chat_id, "/forget")
    yes = prompt.buttons[0]["callback_data"]
    return prompt, yes


FORGOTTEN = "🗑 حُذفت بيانات هذه المحادثة. إن أردت العودة فأرسل /start."


async def test_forget_while_the_worker_sends_to_the_chat(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(fast_config(tmp_path, fake)) as service:
        assert service.storage is not None
        await ask(fake, chat.id, "/start")
        await service.storage.search.save_query("غزة", chat.id)  # a /search paging button
        prompt, yes = await forget_prompt(fake, chat.id)
        hold = fake.hold_next("sendMessage", chat_id=chat.id)
        await store(service, "خبر في الطريق")
        await store(service, "خبر ينتظر دوره")
        await hold.arrived.wait()  # the worker's send is at Telegram
        query = fake.inject_callback(chat.id, prompt.message_id, yes)
        await until(lambda: gate_waiting(service, chat.id) or any(
            a.callback_query_id == query for a in fake.callback_answers))
        hold.release()
        [edit] = await fake.wait_for_edits(chat.id, 1)
        assert edit.plain_text == rtl_text(FORGOTTEN)
        late = sends_after(fake, chat.id, answer_index(fake, query))
        assert (late, chat_rows(service, chat.id)) == ([], {})
    assert errors(caplog) == []


async def test_forget_while_a_digest_for_the_chat_goes_out(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(fast_config(tmp_path, fake)) as service:
        storage, digests = service.storage, service.services.digests
        assert storage is not None and digests is not None
        await ask(fake, chat.id, "/start")
        await ask(fake, chat.id, "/digest hourly")
        prompt, yes = await forget_prompt(fake, chat.id)
        for i in range(3):
            await store(service, f"عنوان للموجز {i}")
        await storage.db.write(lambda conn: conn.execute(
            "UPDATE chats SET last_digest_at = last_digest_at - 7200"))
        hold = fake.hold_next("sendMessage", chat_id=chat.id)
        run = asyncio.create_task(digests.run_due())
        await hold.arrived.wait()  # the digest is at Telegram
        query = fake.inject_callback(chat.id, prompt.message_id, yes)
        await until(lambda: gate_waiting(service, chat.id) or any(
            a.callback_query_id == query for a in fake.callback_answers))
        hold.release()
        assert await run == 1
        [edit] = await fake.wait_for_edits(chat.id, 1)
        assert edit.plain_text == rtl_text(FORGOTTEN)
        late = sends_after(fake, chat.id, answer_index(fake, query))
        assert (late, chat_rows(service, chat.id)) == ([], {})
    assert errors(caplog) == []


async def queued_behind_busy_senders(service: Service, fake: FakeTelegram,
                                     chat_id: int) -> Callable[[], Awaitable[None]]:
    """/start in ``chat_id``; the worker's 4 senders (at 16 messages a second) all held by
    sends to 4 other chats, then a story for the chat: its row is claimed and queued.
    Returns what lets the held sends go and waits until they are delivered."""
    storage, delivery = service.storage, service.services.delivery
    assert storage is not None and delivery is not None and delivery.concurrency == 4
    others = [fake.add_private_chat() for _ in range(4)]
    await ask(fake, chat_id, "/start")
    a, b = await feed_id(service, 0), await feed_id(service, 1)
    for other in others:  # subscribed to feed b only
        await register(service, other.id)
        await storage.subscriptions.remove(other.id, "feed", str(a))
        await storage.subscriptions.add(other.id, "feed", str(b), "المصدر ب", b)
    holds = [fake.hold_next("sendMessage", chat_id=other.id) for other in others]
    await store(service, "خبر للآخرين", feed=1)
    for hold in holds:
        await hold.arrived.wait()
    await store(service, "خبر للمحادثة")
    await until(lambda: statuses(service, chat_id) == ["sending"])  # claimed, queued

    async def release() -> None:
        for hold in holds:
            hold.release()
        await fake.wait_for(lambda f: all(f.sent(o.id) for o in others))

    return release


async def test_stop_while_a_row_for_the_chat_waits_for_a_sender(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(fast_config(tmp_path, fake, messages_per_second=16)) as service:
        delivery = service.services.delivery
        assert delivery is not None
        release = await queued_behind_busy_senders(service, fake, chat.id)
        stopped = (await ask(fake, chat.id, "/stop")).plain_text or ""
        assert "أُلغيت الاشتراكات كلها (1)" in stopped
        await release()
        await until(lambda: delivery.in_flight == 0)  # the queued row's turn came
        assert statuses(service, chat.id) == ["dropped"]
        restarted = (await ask(fake, chat.id, "/start")).plain_text or ""
        assert "أُعيد الاشتراك في المصادر الافتراضية (1)" in restarted
        await store(service, "خبر بعد العودة")
        await fake.wait_for(lambda f: any("خبر بعد العودة" in (m.plain_text or "")
                                          for m in f.sent(chat.id)))
    assert [m.plain_text for m in fake.sent(chat.id)
            if "خبر للمحادثة" in (m.plain_text or "")] == []
    assert errors(caplog) == []


async def test_stop_while_a_send_to_the_chat_fails(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(fast_config(tmp_path, fake)) as service:
        storage, delivery = service.storage, service.services.delivery
        assert storage is not None and delivery is not None
        await ask(fake, chat.id, "/start")
        hold = fake.hold_next("sendMessage", chat_id=chat.id, status=500)
        await store(service, "خبر قبل الإيقاف")
        await store(service, "خبر ثانٍ قبل الإيقاف")
        await hold.arrived.wait()
        fake.inject_message(chat.id, "/stop")

        async def stopped() -> bool:
            record = await storage.chats.get(chat.id)
            return gate_waiting(service, chat.id) or (record is not None and not record.active)

        await eventually(stopped)
        hold.release()
        await until(lambda: delivery.in_flight == 0)  # the failure is recorded
        await fake.wait_for(lambda f: any("أُوقف إرسال الأخبار" in (m.plain_text or "")
                                          for m in f.sent(chat.id)))  # /stop answered
        # the failed send does not bring its row back to be retried after /stop
        assert statuses(service, chat.id) == ["dropped", "dropped"]
        await ask(fake, chat.id, "/start")
        await store(service, "خبر بعد العودة")
        await fake.wait_for(lambda f: any("خبر بعد العودة" in (m.plain_text or "")
                                          for m in f.sent(chat.id)))
        await until(lambda: delivery.in_flight == 0)
        assert statuses(service, chat.id) == ["dropped", "dropped", "sent"]
    assert errors(caplog) == []


# ----------------------------------------------------------------------------- feeds

def news_items(*titles: str) -> list[str]:
    """Feed items, oldest first, dated within the last hour (pushed when new)."""
    now = time.time()
    return [item(title, f"https://site.example/{abs(hash(title))}", title,
                 description=f"{title}: تفاصيل الخبر كما نشرها الموقع اليوم مع سياق كاف.",
                 date=http_date(now - 600 + 60 * i)) for i, title in enumerate(titles)]


async def polled_feed(service: Service, server: FeedServer, items: list[str]) -> int:
    """An admin feed served by ``server``, polled once (stored, not pushed)."""
    storage, poller = service.storage, service.services.poller
    assert storage is not None and poller is not None
    server.add_feed("/feed.xml", rss(items))
    feed, _ = await storage.feeds.add(server.url("/feed.xml"), "مصدر السباق")
    await poller.poll_now(feed.id)
    await poller.wait_idle()
    polled = await storage.feeds.get(feed.id)
    assert polled is not None and polled.initialized
    return feed.id


def count(service: Service, sql: str, *args: object) -> int:
    assert service.storage is not None
    conn = sqlite3.connect(service.storage.db.path)
    try:
        return int(conn.execute(sql, args).fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("action", ["delfeed", "unsubscribe"])
async def test_a_source_removed_while_its_news_goes_out(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer,
        caplog: pytest.LogCaptureFixture, action: str) -> None:
    # /delfeed (admin) or /unsubscribe (the reader) while the reader's rows from the
    # feed's last poll are being sent and its next poll is fetching the feed
    fake = fake_telegram
    admin, reader = fake.add_private_chat(), fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [admin.id], feeds=[])) as service:
        storage, poller = service.storage, service.services.poller
        assert storage is not None and poller is not None
        fid = await polled_feed(service, feed_server, news_items("خبر قديم"))
        await ask(fake, reader.id, "/start")
        await storage.subscriptions.add(reader.id, "feed", str(fid), "مصدر السباق", fid)
        await ask(fake, reader.id, "/subscribe الاقتصاد")
        hold = fake.hold_next("sendMessage", chat_id=reader.id)
        feed_server.add_feed("/feed.xml", rss(news_items(
            "خبر قديم", "خبر أول عاجل", "خبر عن الاقتصاد", "خبر ثالث عاجل")))
        await poller.poll_now(fid)
        await hold.arrived.wait()  # the first of three is at Telegram, two wait
        feed_server.add_feed("/feed.xml", rss(news_items(
            "خبر قديم", "خبر أول عاجل", "خبر عن الاقتصاد", "خبر ثالث عاجل", "خبر رابع")))
        fetching = feed_server.hold("/feed.xml")
        poll = asyncio.create_task(poller.poll_now(fid))
        await fetching.arrived.wait()  # and the next poll is fetching the feed
        who, command = ((admin, f"/delfeed {fid}") if action == "delfeed"
                        else (reader, "/unsubscribe مصدر السباق"))
        before = len(fake.sent(who.id))
        fake.inject_message(who.id, command)

        async def unsubscribed() -> bool:  # or waiting for the send under way to end
            return gate_waiting(service, reader.id) or all(
                s.kind != "feed" for s in await storage.subscriptions.list(reader.id))

        await eventually(unsubscribed)
        reply = (f"🗑 حُذف المصدر #{fid} «مصدر السباق»" if action == "delfeed"
                 else "☑️ أُلغي الاشتراك في المصدر «مصدر السباق».")

        async def replied() -> None:
            await fake.wait_for(lambda f: any((m.plain_text or "").startswith(reply)
                                              for m in f.sent(who.id)[before:]))

        if action == "delfeed":  # the feed goes once the send ends, before the poll does
            hold.release()
            await replied()
            fetching.release()
            [outcome] = (await poll).outcomes
        else:  # the poll ends while /unsubscribe waits for the send
            fetching.release()
            [outcome] = (await poll).outcomes
            hold.release()
            await replied()
        await until(lambda: not {"pending", "sending"} & set(statuses(service, reader.id)))
        # the send under way went out; the keyword still wants its row; the rest is
        # dropped (/unsubscribe waited for that send: the next poll had stored its news)
        assert statuses(service, reader.id) == ["sent", "sent", "dropped"] + (
            ["dropped"] if action == "unsubscribe" else [])
        if action == "delfeed":
            assert outcome.result == "gone" and await storage.feeds.get(fid) is None
            assert count(service, "SELECT COUNT(*) FROM articles") == 4  # none of that poll
            await poller.poll_now()
            assert await storage.feeds.list() == []  # not brought back
        else:
            assert (outcome.result, outcome.stored, outcome.queued) == ("ok", 1, 1)
    titles = [(m.plain_text or "").split("\n")[0] for m in fake.sent(reader.id)
              if "خبر" in (m.plain_text or "")]
    assert titles == ["خبر أول عاجل", "خبر عن الاقتصاد"]
    assert errors(caplog) == []


async def test_delfeed_while_a_row_of_the_feed_waits_for_a_sender(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    # the worker claimed and queued the reader's row of the feed when the admin deletes
    # the feed: the row is dropped, and not sent after the reply either
    fake = fake_telegram
    admin, reader = fake.add_private_chat(), fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [admin.id], rate=16)) as service:
        storage, delivery = service.storage, service.services.delivery
        assert storage is not None and delivery is not None
        fid = await feed_id(service, 0)
        await storage.db.write(lambda conn: conn.execute(  # as if added with /addfeed
            "UPDATE feeds SET origin = 'admin' WHERE id = ?", (fid,)))
        release = await queued_behind_busy_senders(service, fake, reader.id)
        said = (await ask(fake, admin.id, f"/delfeed {fid}")).plain_text or ""
        assert said.startswith(f"🗑 حُذف المصدر #{fid} «المصدر أ»، وأُلغي اشتراك المحادثات فيه (1)")
        await release()
        await until(lambda: delivery.in_flight == 0)  # the queued row's turn came
        assert statuses(service, reader.id) == ["dropped"]
    assert [m.plain_text for m in fake.sent(reader.id)
            if "خبر للمحادثة" in (m.plain_text or "")] == []
    assert errors(caplog) == []


async def test_delfeed_waits_for_a_chat_that_subscribed_while_it_waited(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    # /delfeed read the feed's subscribers and waits for a send to one of them; meanwhile
    # another chat subscribes and a row of the feed goes out to it: /delfeed waits for that
    # send too (nothing of the feed reaches a subscriber after the reply) and counts it
    fake = fake_telegram
    admin, reader, late = fake.add_private_chat(), fake.add_private_chat(), fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [admin.id], rate=16)) as service:
        storage = service.storage
        assert storage is not None
        fid = await feed_id(service, 0)
        await storage.db.write(lambda conn: conn.execute(  # as if added with /addfeed
            "UPDATE feeds SET origin = 'admin' WHERE id = ?", (fid,)))
        await register(service, reader.id)
        await storage.subscriptions.add(reader.id, "feed", str(fid), "المصدر أ", fid)
        held = fake.hold_next("sendMessage", chat_id=reader.id)
        await store(service, "خبر للقارئ")
        await held.arrived.wait()
        before = len(fake.sent(admin.id))
        fake.inject_message(admin.id, f"/delfeed {fid}")
        await until(lambda: gate_waiting(service, reader.id))
        await register(service, late.id)
        await storage.subscriptions.add(late.id, "feed", str(fid), "المصدر أ", fid)
        late_held = fake.hold_next("sendMessage", chat_id=late.id)
        await store(service, "خبر للمتأخر")
        await late_held.arrived.wait()
        held.release()
        await asyncio.sleep(0.5)  # the reader's send is out: the late chat's is not
        assert len(fake.sent(admin.id)) == before
        late_held.release()
        said = (await fake.wait_for_messages(admin.id, before + 1))[before].plain_text or ""
        assert said.startswith(f"🗑 حُذف المصدر #{fid} «المصدر أ»، وأُلغي اشتراك المحادثات فيه (2)")
        assert [m.plain_text.split("\n")[0] for m in fake.sent(late.id)
                if m.plain_text] == ["خبر للمتأخر"]
    assert errors(caplog) == []


@pytest.mark.parametrize("answer", [200, 500])
async def test_pausefeed_while_the_feed_is_polled(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer,
        caplog: pytest.LogCaptureFixture, answer: int) -> None:
    fake = fake_telegram
    admin, reader = fake.add_private_chat(), fake.add_private_chat()
    config = admin_config(tmp_path, fake, [admin.id], feeds=[],
                          polling={"allow_private_addresses": True,
                                   "max_consecutive_failures": 1})
    async with running_service(config) as service:
        storage, poller = service.storage, service.services.poller
        assert storage is not None and poller is not None
        fid = await polled_feed(service, feed_server, news_items("خبر قديم"))
        await register(service, reader.id)
        await storage.subscriptions.add(reader.id, "feed", str(fid), "مصدر السباق", fid)
        before = await storage.feeds.get(fid)
        feed_server.add_feed("/feed.xml", rss(news_items("خبر قديم", "خبر جديد")),
                             status=answer)
        hold = feed_server.hold("/feed.xml")
        poll = asyncio.create_task(poller.poll_now(fid))
        await hold.arrived.wait()
        said = (await ask(fake, admin.id, f"/pausefeed {fid}")).plain_text or ""
        assert said.startswith(f"⏸ أُوقف جلب المصدر #{fid} «مصدر السباق» مؤقتًا")
        hold.release()
        [outcome] = (await poll).outcomes
        assert outcome.result == ("paused" if answer == 200 else "error")
        # the feed is as the pause left it: nothing of that poll stored or counted
        after = await storage.feeds.get(fid)
        assert after == dataclasses.replace(before, paused=True, next_poll_at=0.0)
        assert count(service, "SELECT COUNT(*) FROM articles") == 1
        feeds = (await ask(fake, admin.id, "/feeds")).plain_text or ""
        assert f"⏸ #{fid} مصدر السباق" in feeds
        feed_server.add_feed("/feed.xml", rss(news_items("خبر قديم", "خبر جديد")))
        said = (await ask(fake, admin.id, f"/resumefeed {fid}")).plain_text or ""
        assert said == f"▶️ استُؤنف جلب المصدر #{fid} «مصدر السباق»، وسيُجلب الآن."
        [news] = await fake.wait_for_messages(reader.id, 1)  # after the resume
        assert (news.plain_text or "").startswith("خبر جديد")
    assert [m.plain_text for m in fake.sent(admin.id) if "⛔" in (m.plain_text or "")] == []
    assert errors(caplog) == []


async def test_resumefeed_before_the_disabled_alert_goes_out(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer,
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # a 410 disables the feed; the admins are told ALERT_DELAY later, by then an admin
    # has resumed it and its new poll is under way
    monkeypatch.setattr(jobs.poll, "ALERT_DELAY", 1.0)  # 2 s in production
    fake = fake_telegram
    admin = fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [admin.id], feeds=[])) as service:
        storage, poller, app = service.storage, service.services.poller, service.app
        assert storage is not None and poller is not None and app is not None
        assert app.job_queue is not None
        fid = await polled_feed(service, feed_server, news_items("خبر قديم"))
        feed_server.add("/feed.xml", Route(status=410, body=b"gone"))
        await poller.poll_now(fid)
        disabled = await storage.feeds.get(fid)
        assert disabled is not None and disabled.disabled_reason
        assert app.job_queue.get_jobs_by_name("feeds-disabled")  # the alert is on its way
        feed_server.add_feed("/feed.xml", rss(news_items("خبر قديم", "خبر جديد")))
        hold = feed_server.hold("/feed.xml")
        said = (await ask(fake, admin.id, f"/resumefeed {fid}")).plain_text or ""
        assert said.startswith(f"▶️ استُؤنف جلب المصدر #{fid} «مصدر السباق» (كان معطَّلًا")
        assert app.job_queue.get_jobs_by_name("feeds-disabled")  # not gone out yet
        await hold.arrived.wait()  # polled again
        await until(lambda: not app.job_queue.get_jobs_by_name("feeds-disabled"))
        hold.release()
        await poller.wait_idle()
        feed = await storage.feeds.get(fid)
        assert feed is not None and feed.enabled and feed.consecutive_failures == 0
        assert count(service, "SELECT COUNT(*) FROM articles") == 2
    assert [m.plain_text for m in fake.sent(admin.id) if "⛔" in (m.plain_text or "")] == []
    assert [e for e in errors(caplog) if "disabled: the server says" not in e] == []


class WriteAfterRead:
    """Holds the first write transaction that runs a statement containing ``write``
    (on the service's writer thread, after its BEGIN IMMEDIATE: nothing of it is
    committed) until a read transaction that ran a statement containing ``read`` has
    finished (reached its COMMIT), so that read sees the state before the write.
    Installed on every connection opened inside ``with``, through the storage's
    connection hooks and SQLite's statement trace. ``arrived`` is set when the write
    is held."""

    def __init__(self, write: str, read: str) -> None:
        self.write, self.read = write, read
        self.arrived, self.done = threading.Event(), threading.Event()
        self.armed = False

    def hook(self, conn: sqlite3.Connection) -> None:
        reading = False

        def trace(sql: str) -> None:
            nonlocal reading
            if not self.armed:
                return
            if self.write in sql and not self.arrived.is_set():
                self.arrived.set()
                self.done.wait(10)
            elif self.arrived.is_set() and self.read in sql:
                reading = True
            elif reading and sql.strip().upper() == "COMMIT":
                reading = False
                self.done.set()

        conn.set_trace_callback(trace)

    def __enter__(self) -> WriteAfterRead:
        _db.CONNECTION_HOOKS.append(self.hook)
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        _db.CONNECTION_HOOKS.remove(self.hook)


async def test_resumefeed_as_a_poll_disables_the_feed(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer,
        caplog: pytest.LogCaptureFixture) -> None:
    # /resumefeed finds the feed enabled with one failure; before it resumes it, the poll
    # under way records a second failure and disables it: the reply says it was disabled
    fake = fake_telegram
    admin = fake.add_private_chat()
    config = admin_config(tmp_path, fake, [admin.id], feeds=[],
                          polling={"allow_private_addresses": True,
                                   "max_consecutive_failures": 2})
    interleave = WriteAfterRead(write="SELECT consecutive_failures, disabled_reason",
                                read="FROM feeds ORDER BY id")
    with interleave:
        async with running_service(config) as service:
            storage, poller = service.storage, service.services.poller
            assert storage is not None and poller is not None
            fid = await polled_feed(service, feed_server, news_items("خبر قديم"))
            feed_server.add("/feed.xml", Route(status=500, body=b"down"))
            await poller.poll_now(fid)
            failing = await storage.feeds.get(fid)
            assert failing is not None and failing.enabled and failing.consecutive_failures == 1
            fetching = feed_server.hold("/feed.xml")
            poll = asyncio.create_task(poller.poll_now(fid))
            await fetching.arrived.wait()
            interleave.armed = True
            fetching.release()
            await asyncio.to_thread(interleave.arrived.wait, 5)  # its failure, not written
            feed_server.add_feed("/feed.xml", rss(news_items("خبر قديم", "خبر جديد")))
            said = (await ask(fake, admin.id, f"/resumefeed {fid}")).plain_text or ""
            [outcome] = (await poll).outcomes
            assert (outcome.failures, outcome.disabled) == (2, True)
            assert said == (f"▶️ استُؤنف جلب المصدر #{fid} «مصدر السباق» (كان معطَّلًا،"
                            " وصُفّر عدّاد الإخفاقات)، وسيُجلب الآن.")
            # polled again at once: the resumed feed's news is stored
            await until(lambda: count(service, "SELECT COUNT(*) FROM articles") == 2)
            await poller.wait_idle()
            feed = await storage.feeds.get(fid)
            assert feed is not None and feed.enabled and feed.consecutive_failures == 0
    assert [m.plain_text for m in fake.sent(admin.id) if "⛔" in (m.plain_text or "")] == []
    assert [e for e in errors(caplog) if "disabled: 2 failed polls" not in e] == []


@pytest.mark.parametrize("state", ["paused", "failing"])
async def test_resumefeed_while_the_feed_is_polled(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer,
        caplog: pytest.LogCaptureFixture, state: str) -> None:
    # a poll under way when an admin resumes the feed (paused meanwhile, or failing) fails
    # after the resume: the resume wins, the failure is not counted, nor disables the feed
    fake = fake_telegram
    admin = fake.add_private_chat()
    limit = 1 if state == "paused" else 2
    config = admin_config(tmp_path, fake, [admin.id], feeds=[],
                          polling={"allow_private_addresses": True,
                                   "max_consecutive_failures": limit})
    async with running_service(config) as service:
        storage, poller, app = service.storage, service.services.poller, service.app
        assert storage is not None and poller is not None and app is not None
        assert app.job_queue is not None
        fid = await polled_feed(service, feed_server, news_items("خبر قديم"))
        feed_server.add("/feed.xml", Route(status=500, body=b"down"))
        if state == "failing":
            await poller.poll_now(fid)
        fetching = feed_server.hold("/feed.xml")
        poll = asyncio.create_task(poller.poll_now(fid))
        await fetching.arrived.wait()
        if state == "paused":
            said = (await ask(fake, admin.id, f"/pausefeed {fid}")).plain_text or ""
            assert said.startswith(f"⏸ أُوقف جلب المصدر #{fid}")
        said = (await ask(fake, admin.id, f"/resumefeed {fid}")).plain_text or ""
        assert said.startswith(f"▶️ استُؤنف جلب المصدر #{fid}")
        fetching.release()  # the poll started before the resume fails after it
        [outcome] = (await poll).outcomes
        assert (outcome.result, outcome.disabled) == ("error", False)
        feed = await storage.feeds.get(fid)
        assert feed is not None and feed.enabled and feed.consecutive_failures == 0
        assert not app.job_queue.get_jobs_by_name("feeds-disabled")
        said_failed = [r.getMessage() for r in caplog.records
                       if r.getMessage().startswith("poll: ") and " failed (" in r.getMessage()]
        assert "not counted: the feed was paused, resumed or removed" in said_failed[-1]
        assert "0 in a row" not in "\n".join(said_failed)
        # polled again (due since the resume): the resumed feed's news is stored
        feed_server.add_feed("/feed.xml", rss(news_items("خبر قديم", "خبر جديد")))
        await poller.poll_now(fid)
        await poller.wait_idle()
        assert count(service, "SELECT COUNT(*) FROM articles") == 2
    assert [m.plain_text for m in fake.sent(admin.id) if "⛔" in (m.plain_text or "")] == []
    assert errors(caplog) == []


# ------------------------------------------------------------------------- broadcasts

async def test_stop_a_broadcast_while_its_rows_wait_for_a_sender(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    # 4 senders (at 16 messages a second), all held by the broadcast's first 4 sends:
    # its next 4 rows are claimed and queued when ⏹ is pressed; "a send under way may
    # still arrive", those may not
    fake = fake_telegram
    admin = fake.add_private_chat()
    chats = [fake.add_private_chat() for _ in range(8)]
    config = admin_config(tmp_path, fake, [admin.id], rate=16, feeds=[])
    fake.disable_rate_limits()  # the 4 held sends are answered at once
    async with running_service(config) as service:
        delivery = service.services.delivery
        assert delivery is not None and delivery.concurrency == 4
        await register_chats(service, chats)
        holds = [fake.hold_next("sendMessage", chat_id=c.id) for c in chats[:4]]
        fake.inject_message(admin.id, "/broadcast رسالة إلى الجميع")
        _, footer = await fake.wait_for_messages(admin.id, 2)
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)["✅ تأكيد الإرسال"])
        for hold in holds:
            await hold.arrived.wait()
        await until(lambda: count(service, "SELECT COUNT(*) FROM outbox WHERE broadcast_id = 1"
                                           " AND status = 'sending'") == 8)
        progress = await fake.wait_for(lambda f: next(
            (e for e in f.edits(admin.id) if e.reply_markup), None))
        [[stop]] = progress.reply_markup["inline_keyboard"]
        query = fake.inject_callback(admin.id, footer.message_id, stop["callback_data"])
        await fake.wait_for(lambda f: any(a.callback_query_id == query
                                          for a in f.callback_answers))
        answer = next(a for a in fake.callback_answers if a.callback_query_id == query)
        assert answer.text == "أُوقف الإرسال؛ أُلغيت الرسائل التي لم تُرسل بعد (4)."
        for hold in holds:
            hold.release()
        await until(lambda: delivery.in_flight == 0)
        tracker, app = service.services.broadcasts, service.app
        assert tracker is not None and app is not None
        await tracker.refresh(app.bot, 1)  # what the progress job does every 3 s
        report = await fake.wait_for(lambda f: final_edit(f, admin.id, 1))
        text = report.plain_text or ""
        assert figure(text, "أُرسلت") == 4 and figure(text, "لم تُرسل (أُلغيت)") == 4
    assert [c.id for c in chats if fake.sent(c.id)] == [c.id for c in chats[:4]]
    assert errors(caplog) == []


async def test_latest_while_a_row_for_the_chat_waits_for_a_sender(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    # /latest lists the story whose row the worker has claimed and queued: the row counts
    # as delivered by the list, as a pending one does (README: "/latest and the outbox")
    fake = fake_telegram
    chat = fake.add_private_chat()
    async with running_service(fast_config(tmp_path, fake, messages_per_second=16)) as service:
        delivery = service.services.delivery
        assert delivery is not None
        release = await queued_behind_busy_senders(service, fake, chat.id)
        listed = (await ask(fake, chat.id, "/latest")).plain_text or ""
        assert "خبر للمحادثة" in listed
        await release()
        await until(lambda: delivery.in_flight == 0)  # the queued row's turn came
        assert statuses(service, chat.id) == ["sent"]
    pushed = [m for m in fake.sent(chat.id) if (m.plain_text or "").startswith("خبر للمحادثة")]
    assert pushed == []  # only in the /latest list
    assert errors(caplog) == []
