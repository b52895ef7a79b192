"""End to end: the real service polls a feed from the fake feed server, stores its items
(first poll: not pushed), and a later item gets an outbox row for a subscribed chat, unless
it was published longer ago than ``polling.push_max_age_hours``. Sending is delivery's job
and is not tested here."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram import FakeTelegram
from tests.fixtures.ingest.site import item, rss
from tests.service import running_service, write_config

pytest_plugins = ["tests.fakes.feed_fixtures"]

FIRST = item("البنك المركزي يبقي أسعار الفائدة دون تغيير", "https://bank.example/1", "1",
             description="أبقى البنك المركزي أسعار الفائدة دون تغيير للمرة الثالثة على التوالي، "
                         "مشيرا إلى تراجع معدلات التضخم خلال الأشهر الماضية.")
SECOND = item("انطلاق بطولة كأس آسيا بمشاركة 24 منتخبا", "https://sport.example/2", "2",
              description="انطلقت اليوم منافسات بطولة كأس آسيا لكرة القدم بمشاركة 24 منتخبا، "
                          "وسط حضور جماهيري كبير في حفل الافتتاح.",
              date=format_datetime(datetime.now(UTC) - timedelta(hours=2)))
# new to the bot, but published four days ago (a feed listing an old item anew): stored and
# searchable, never pushed (push_max_age_hours defaults to 72)
OLD = item("وزارة الصحة تطلق حملة تطعيم وطنية", "https://health.example/3", "3",
           description="أطلقت وزارة الصحة حملة تطعيم وطنية تستهدف الأطفال في جميع المحافظات.",
           date=format_datetime(datetime.now(UTC) - timedelta(days=4)))


async def test_service_polls_stores_and_enqueues_for_a_subscribed_chat(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer) -> None:
    feed_server.add_feed("/rss.xml", rss([FIRST]), etag='"v1"')
    chat = fake_telegram.add_private_chat(first_name="ليلى")
    config = write_config(tmp_path, fake_telegram, feeds=[{
        "url": feed_server.url("/rss.xml"), "name": "أخبار محلية", "category": "عام",
        "default": True}])
    async with running_service(config) as service:
        services = service.services
        assert services.poller is not None
        woke: list[int] = []
        services.on_new_articles.append(lambda: woke.append(1))

        for _ in range(200):  # the first tick (after 1 s) polls the new feed
            if (await service.storage.feeds.list())[0].initialized:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the feed was not polled within 20 s")
        articles = await service.storage.db.read(
            lambda c: [dict(r) for r in c.execute("SELECT * FROM articles")])
        assert [a["title"] for a in articles] == ["البنك المركزي يبقي أسعار الفائدة دون تغيير"]
        assert articles[0]["summary"].startswith("أبقى البنك المركزي")
        assert articles[0]["source"] == "أخبار محلية"
        assert (await service.storage.stats())["outbox_pending"] == 0  # first poll: not pushed

        fake_telegram.inject_message(chat.id, "/start")
        await fake_telegram.wait_for_messages(chat.id, 1)
        feed_server.add_feed("/rss.xml", rss([SECOND, OLD, FIRST]), etag='"v2"')
        report = await services.poller.poll_now()
        assert (report.stored, report.queued) == (2, 1) and woke == [1]
        assert report.outcomes[0].stale == 1
        outbox = await service.storage.db.read(lambda c: [dict(r) for r in c.execute(
            "SELECT o.chat_id, o.status, a.title FROM outbox o JOIN articles a"
            " ON a.id = o.article_id")])
        assert outbox == [{"chat_id": chat.id, "status": "pending",
                           "title": "انطلاق بطولة كأس آسيا بمشاركة 24 منتخبا"}]
        requests = feed_server.requests("/rss.xml")
        assert requests[-1].headers.get("if-none-match") == '"v1"'
