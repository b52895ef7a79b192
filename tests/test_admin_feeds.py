"""/addfeed, /delfeed, /pausefeed, /resumefeed, /feeds and /stats end to end (the real
service, the fake Bot API and the fake feed server): a feed, an HTML page advertising a
feed, an HTML page without one, a 404, a private address with the SSRF guard on, bad
and duplicate input, config feeds, disabled feeds, long lists."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.app import Service
from bot.render.bidi import LRM, RLM
from bot.storage._feeds import add
from tests.admin_helpers import admin_config, register_chats
from tests.fakes.feed_server import FeedServer, Route
from tests.fakes.telegram import FakeTelegram
from tests.fixtures.ingest.site import item, rss
from tests.news import ask, eventually, store
from tests.service import running_service

pytest_plugins = ["tests.fakes.feed_fixtures"]

ITEMS = [item(f"خبر رقم {i} عن الاقتصاد والأسواق", f"https://site.example/{i}", str(i),
              description=f"تفاصيل الخبر رقم {i} كما نشرها الموقع اليوم، مع سياق كافٍ للقارئ.")
         for i in range(3)]
PAGE = ('<!DOCTYPE html><html><head><title>موقع</title>'
        '<link rel="alternate" type="application/rss+xml" title="الأخبار" href="/feed.xml">'
        '</head><body><p>الصفحة الرئيسية</p></body></html>')


async def text_of(fake: FakeTelegram, chat_id: int, command: str) -> str:
    return (await ask(fake, chat_id, command)).plain_text or ""


async def test_addfeed_checks_before_adding(tmp_path: Path, fake_telegram: FakeTelegram,
                                            feed_server: FeedServer) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    feed_server.add_feed("/feed.xml", rss(ITEMS, title="أخبار الموقع"))
    feed_server.add_html("/home", PAGE)
    feed_server.add_html("/plain", "<!DOCTYPE html><html><body><p>لا خلاصة هنا</p></body></html>")
    feed_server.add_feed("/data.json", b'{"items": []}', content_type="application/json")
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        storage = service.storage
        assert storage is not None
        usage = await text_of(fake, admin.id, "/addfeed")
        assert "/addfeed https://example.com/rss.xml" in usage
        bad = await text_of(fake, admin.id, "/addfeed ftp://x.example/feed")
        assert bad.startswith("⚠️ لم يُضف المصدر: الرابط غير صالح")

        said = await text_of(fake, admin.id, f"/addfeed {feed_server.url('/feed.xml')}")
        assert said.startswith("✅ أُضيف المصدر #3 «أخبار الموقع».")  # the feed's own title
        assert "عدد الأخبار في الخلاصة الآن: 3." in said
        feed = await storage.feeds.get(3)
        assert feed is not None and feed.origin == "admin" and not feed.is_default

        async def first_poll() -> bool:
            polled = await storage.feeds.get(3)
            return polled is not None and polled.initialized

        await eventually(first_poll, timeout=15)  # polled at once, stored, not pushed
        assert (await storage.stats())["articles"] == 3
        assert (await storage.stats())["outbox_pending"] == 0

        again = await text_of(fake, admin.id, f"/addfeed {feed_server.url('/feed.xml')} اسم")
        assert again == f"{RLM}ℹ️ هذا المصدر موجود من قبل: #3 «أخبار الموقع»."

        # an HTML page advertising its feed: the feed is found (here: already added)
        found = await text_of(fake, admin.id, f"/addfeed {feed_server.url('/home')}")
        assert found == f"{RLM}ℹ️ هذا المصدر موجود من قبل: #3 «أخبار الموقع»."
        feed_server.add_feed("/feed2.xml", rss(ITEMS[:1], title="ثانية"))
        feed_server.add_html("/home2", PAGE.replace("/feed.xml", "/feed2.xml"))
        found = await text_of(fake, admin.id, f"/addfeed {feed_server.url('/home2')} مدونة")
        assert found.startswith("✅ أُضيف المصدر #4 «مدونة».")
        assert f"وجدت رابط الخلاصة في الصفحة: {feed_server.url('/feed2.xml')}" in found
        assert "عدد الأخبار في الخلاصة الآن: 1." in found

        refusals = {
            "/plain": "⚠️ لم يُضف المصدر: هذه صفحة ويب وليست خلاصة أخبار، ولا تشير إلى أي خلاصة",
            "/missing": "⚠️ لم يُضف المصدر: الصفحة غير موجودة على الموقع (الرمز 404).",
            "/data.json": "⚠️ لم يُضف المصدر: هذا الرابط ليس خلاصة أخبار (RSS أو Atom)",
        }
        for path, expected in refusals.items():
            said = await text_of(fake, admin.id, f"/addfeed {feed_server.url(path)}")
            assert said.startswith(expected), path
        said = await text_of(fake, admin.id, "/addfeed https://nowhere.example/rss")
        assert said.startswith("⚠️ لم يُضف المصدر: لم يُعثر على الموقع")
        assert len(await storage.feeds.list()) == 4
    fake.assert_no_rate_limits()


async def test_addfeed_of_another_spelling_of_a_feed_says_it_exists(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    feed_server.add_feed("/Feed.xml", rss(ITEMS, title="أخبار الموقع"))
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        storage = service.storage
        assert storage is not None
        exists = f"{RLM}ℹ️ هذا المصدر موجود من قبل: #1 «المصدر أ»."  # from the config file
        for spelling in ("HTTPS://A.EXAMPLE/rss", "https://a.example:443/rss اسم آخر",
                         "https://a.example./rss#top"):
            assert await text_of(fake, admin.id, f"/addfeed {spelling}") == exists

        said = await text_of(fake, admin.id, f"/addfeed {feed_server.url('/Feed.xml')}")
        assert said.startswith("✅ أُضيف المصدر #3 «أخبار الموقع».")

        async def first_poll() -> bool:
            polled = await storage.feeds.get(3)
            return polled is not None and polled.initialized

        await eventually(first_poll, timeout=15)
        fetched = len(feed_server.requests("/Feed.xml"))
        variant = feed_server.url("/Feed.xml").replace("http://", "HTTP://") + "#x"
        said = await text_of(fake, admin.id, f"/addfeed {variant}")
        assert said == f"{RLM}ℹ️ هذا المصدر موجود من قبل: #3 «أخبار الموقع»."
        assert len(feed_server.requests("/Feed.xml")) == fetched  # answered without a fetch
        assert [f.id for f in await storage.feeds.list()] == [1, 2, 3]
    fake.assert_no_rate_limits()


async def test_addfeed_refuses_a_private_address_with_the_guard_on(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    feed_server.add_feed("/feed.xml", rss(ITEMS))
    config = admin_config(tmp_path, fake, [admin.id], feeds=[],
                          polling={"allow_private_addresses": False})
    async with running_service(config) as service:
        said = await text_of(fake, admin.id, f"/addfeed {feed_server.url('/feed.xml')}")
        assert said.startswith("⚠️ لم يُضف المصدر: العنوان يشير إلى شبكة داخلية أو خاصة")
        said = await text_of(fake, admin.id, "/addfeed http://localhost:9/feed.xml")
        assert "شبكة داخلية أو خاصة" in said
        assert service.storage is not None and await service.storage.feeds.list() == []
    assert not feed_server.requests("/feed.xml")


async def _failing(service: Service, feed_id: int, failures: int, disabled: bool) -> None:
    assert service.storage is not None
    await service.storage.db.write(lambda c: c.execute(
        "UPDATE feeds SET consecutive_failures = ?, last_error = ?, last_error_kind = 'status',"
        " last_error_at = ?, disabled_reason = ?, next_poll_at = ? WHERE id = ?",
        (failures, "fetch: https://x.example/rss: HTTP 503 <Service Unavailable>",
         time.time() - 120, "10 failed polls in a row" if disabled else None,
         time.time() + 3600, feed_id)))


async def add_feeds(service: Service, *feeds: tuple[str, str, str, bool]) -> list[int]:
    """Add (url, name, origin, default) feeds that the poller leaves alone (due in a day)."""
    assert service.storage is not None

    def run(conn: sqlite3.Connection) -> list[int]:
        ids = []
        for url, name, origin, default in feeds:
            feed, _ = add(conn, url, name, "", default, origin)
            conn.execute("UPDATE feeds SET next_poll_at = ? WHERE id = ?",
                         (time.time() + 86400, feed.id))
            ids.append(feed.id)
        return ids

    return await service.storage.db.write(run)


async def test_delete_pause_resume_and_list_feeds(tmp_path: Path,
                                                  fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    subscribers = [fake.add_private_chat() for _ in range(3)]
    async with running_service(admin_config(tmp_path, fake, [admin.id], feeds=[])) as service:
        storage = service.storage
        assert storage is not None
        first, second, extra, other = await add_feeds(
            service, ("https://a.example/rss", "المصدر أ", "config", True),
            ("https://b.example/rss", "المصدر ب", "config", False),
            ("https://c.example/rss", "الجزيرة نت", "admin", False),
            ("https://d.example/rss", "الجزيرة مباشر", "admin", False))
        await register_chats(service, [admin, *subscribers])  # subscribed to feed 1 (default)
        for chat in subscribers[:2]:
            await storage.subscriptions.add(chat.id, "feed", str(extra), "الجزيرة نت",
                                            feed_id=extra)
        for _ in range(14):
            await store(service, "خبر", wake=False)  # 14 articles of feed 1 this week
        # The admin is subscribed to feed 1 too: deliver its news now, or one may land in
        # the middle of the commands below and be read as a command's reply.
        news = await storage.db.read(lambda c: c.execute(
            "SELECT count(*) FROM outbox WHERE chat_id = ?", (admin.id,)).fetchone()[0])
        assert news and service.services.delivery is not None
        service.services.delivery.wake()
        await fake.wait_for_messages(admin.id, news, timeout=30)
        week_ago = time.time() - 8 * 86400  # feed 1 is older than a week: 14 / 7 a day
        await storage.db.write(lambda c: c.execute(
            "UPDATE feeds SET created_at = ? WHERE id = ?", (week_ago, first)))
        await _failing(service, second, 3, disabled=False)
        await _failing(service, other, 10, disabled=True)

        listing = await text_of(fake, admin.id, "/feeds")
        assert listing.startswith("المصادر (4)\n⚠️ 1 · 🕓 2 · ⛔ 1\n\n")
        blocks = listing.split("\n\n")
        assert blocks[1] == (f"{RLM}🕓 #1 المصدر أ\n"
                             "آخر نجاح: لم يحدث بعد · الأخبار يوميًا: 2 · المشتركون: 4")
        assert blocks[2].startswith(f"{RLM}⚠️ #2 المصدر ب") and "إخفاقات متتالية: 3" in blocks[2]
        assert ("آخر خطأ (قبل دقيقتين): خطأ في خادم الموقع (الرمز 503)، وغالبًا ما يكون"
                " مؤقتًا.") in blocks[2]
        assert "المشتركون: 2" in blocks[3]
        assert blocks[4].startswith(f"{RLM}⛔ #{other} الجزيرة مباشر")
        assert f"لإعادة تفعيله: {LRM}/resumefeed {other}" in blocks[4]

        # names: exact (normalized) only; a partial name gets suggestions
        said = await text_of(fake, admin.id, "/pausefeed الجزيره")
        assert said.startswith("لا يوجد مصدر بالرقم أو الاسم «الجزيره»")
        assert f"#{extra} «الجزيرة نت»" in said and f"#{other} «الجزيرة مباشر»" in said
        said = await text_of(fake, admin.id, "/pausefeed الجزيره نت")
        assert said == f"⏸ أُوقف جلب المصدر #{extra} «الجزيرة نت» مؤقتًا. للاستئناف:" \
                       f" {LRM}/resumefeed {extra}"
        assert (await storage.feeds.get(extra)).paused  # type: ignore[union-attr]
        said = await text_of(fake, admin.id, f"/pausefeed #{extra}")
        assert said.startswith(f"{RLM}ℹ️ المصدر") and "موقوف من قبل" in said
        listing = await text_of(fake, admin.id, "/feeds")
        assert f"{RLM}⏸ #{extra} الجزيرة نت" in listing

        said = await text_of(fake, admin.id, "/resumefeed ٣")  # Arabic-Indic digits
        assert said == f"▶️ استُؤنف جلب المصدر #{extra} «الجزيرة نت»، وسيُجلب الآن."
        said = await text_of(fake, admin.id, f"/resumefeed {other}")
        assert "(كان معطَّلًا، وصُفّر عدّاد الإخفاقات)" in said
        resumed = await storage.feeds.get(other)
        assert resumed is not None and resumed.enabled and resumed.disabled_reason is None
        assert resumed.consecutive_failures == 0 or resumed.last_polled_at
        said = await text_of(fake, admin.id, "/resumefeed 1")
        assert said == f"{RLM}ℹ️ المصدر #1 «المصدر أ» يعمل أصلًا."

        said = await text_of(fake, admin.id, "/delfeed 1")
        assert said.startswith("المصدر #1 «المصدر أ» معرَّف في ملف الإعدادات")
        said = await text_of(fake, admin.id, f"/delfeed {extra}")
        assert said == (f"🗑 حُذف المصدر #{extra} «الجزيرة نت»، وأُلغي اشتراك المحادثات فيه"
                        " (2)؛ أخباره المخزّنة باقية في الأرشيف.")
        assert await storage.feeds.get(extra) is None
        assert (await text_of(fake, admin.id, "/delfeed 999")).startswith(
            "لا يوجد مصدر بالرقم أو الاسم «999»")
        assert (await text_of(fake, admin.id, "/delfeed")).startswith("اكتب رقم المصدر أو اسمه")
    fake.assert_no_rate_limits()


async def test_feeds_list_splits_and_stats(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    subscribers = [fake.add_private_chat() for _ in range(5)]
    async with running_service(admin_config(tmp_path, fake, [admin.id], feeds=[])) as service:
        storage = service.storage
        assert storage is not None
        await add_feeds(service, *[(f"https://n{i}.example/rss", f"مصدر رقم {i} " + "س" * 30,
                                    "admin", i < 2) for i in range(62)])
        await register_chats(service, [admin, *subscribers])
        before = len(fake.sent(admin.id))
        fake.inject_message(admin.id, "/feeds")

        def listed(f: FakeTelegram) -> list[str] | None:
            parts = [m.plain_text or "" for m in f.sent(admin.id)[before:]]
            return parts if sum(p.count(" #") for p in parts) >= 62 else None

        parts = await fake.wait_for(listed, what="every feed listed")
        assert len(parts) >= 2 and all(len(p) <= 4096 for p in parts)
        assert sum(p.count(" #") for p in parts) == 62

        await storage.chat_settings.deactivate(subscribers[0].id, "blocked")
        await storage.chat_settings.stop(subscribers[1].id)
        await store(service, "خبر اليوم")
        stats = await text_of(fake, admin.id, "/stats")
        lines = stats.splitlines()
        assert lines[0] == "📊 إحصاءات البوت"
        assert "👥 المحادثات النشطة: 4 (خاصة 4)" in lines
        assert f"🚫 محظورة أو غير متاحة: 1 · أوقفت الأخبار ({LRM}/stop): 1" in lines
        assert "📰 أخبار جديدة: 1 (في الأرشيف: 1)" in lines
        assert any(line.startswith("📬 في طابور الإرسال: ") for line in lines)
        assert any(line.startswith("🔄 آخر جلب للمصادر: ") for line in lines)
        assert f"🗂 المصادر: 62 (تتعثر: 0 · موقوفة: 0 · معطّلة: 0) — التفاصيل: {LRM}/feeds" in lines
        assert "(منذ منتصف الليل بتوقيت Asia/Riyadh)" in stats
    fake.assert_no_rate_limits()


async def test_admins_are_told_when_polling_disables_a_feed(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer) -> None:
    fake = fake_telegram
    admin, other_admin = fake.add_private_chat(), fake.add_private_chat()
    fake.block(other_admin.id)  # an admin who blocked the bot: logged, nothing else
    feed_server.add("/gone.xml", Route(status=410, body=b"gone"))
    feed_server.add("/gone2.xml", Route(status=410, body=b"gone"))
    feeds = [{"url": feed_server.url("/gone.xml"), "name": "الخلاصة <المحذوفة>"},
             {"url": feed_server.url("/gone2.xml"), "name": "خلاصة ثانية"}]
    async with running_service(admin_config(tmp_path, fake, [admin.id, other_admin.id],
                                            feeds=feeds)) as service:
        storage = service.storage
        assert storage is not None
        [alert] = await fake.wait_for_messages(admin.id, 1)  # both feeds, one message
        feed, second = await storage.feeds.list()
        assert feed.disabled_reason == "the server says the feed is gone for good (HTTP 410)"
        why = ("معطَّل: أبلغ خادمه أن الخلاصة أُزيلت نهائيًا (الرمز 410)، ولن يُجلب حتى"
               " يُعاد تفعيله.\n")
        blocks = (alert.plain_text or "").split("\n\n")  # in the order they were disabled
        assert sorted(blocks) == sorted([
            f"⛔ توقف جلب المصدر #{feed.id} الخلاصة <المحذوفة>\n{why}"
            f"لإعادة تفعيله: {LRM}/resumefeed {feed.id}",
            f"⛔ توقف جلب المصدر #{second.id} خلاصة ثانية\n{why}"
            f"لإعادة تفعيله: {LRM}/resumefeed {second.id}"])
        listing = await text_of(fake, admin.id, "/feeds")
        assert "معطَّل: أبلغ خادمه أن الخلاصة أُزيلت نهائيًا (الرمز 410)؛ لإعادة تفعيله" \
            in listing
        assert len(fake.sent(admin.id)) == 2  # one alert, then the /feeds answer
