"""Admins read why a feed or a URL failed in Arabic, never the stored English error.

The real service polls feeds that fail for real (the fake feed server: 404, 503, 410,
a redirect loop, an HTML page, broken XML, a closed port, a reserved domain); then an
admin lists them (/feeds), gets the alert for the feed that is gone, tries to add
failing URLs (/addfeed) and to broadcast a message that cannot be copied. Everything
the fake Bot API received is checked with the copy rules of tests/test_chat_copy.py,
``latin-sentence`` included (three Latin words in a row: an untranslated message).
"""

from __future__ import annotations

from pathlib import Path

from tests.admin_helpers import admin_config
from tests.fakes.feed_server import FeedServer, Route
from tests.fakes.telegram import FakeTelegram
from tests.news import ask, eventually
from tests.service import running_service
from tests.test_chat_copy import _summary, received_texts, sent_report

pytest_plugins = ["tests.fakes.feed_fixtures"]


async def test_feed_and_fetch_errors_reach_admins_in_arabic(
        tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat(first_name="المشرف")
    feed_server.add("/missing.xml", Route(status=404, body=b"not found"))
    feed_server.add("/down.xml", Route(status=503, body=b"down", retry_after="120"))
    feed_server.add("/gone.xml", Route(status=410, body=b"gone"))
    feed_server.redirect_chain(["/loop.xml", "/loop2.xml"], "/loop.xml")
    feed_server.add_html("/page.html", "<!DOCTYPE html><html><body><p>صفحة</p></body></html>")
    feed_server.add_feed("/broken.xml", b"<?xml version='1.0'?><rss><channel><item><title>")
    feed_server.add("/private.xml", Route(status=403, body=b"forbidden"))
    urls = [feed_server.url(p) for p in ("/missing.xml", "/down.xml", "/gone.xml",
                                         "/loop.xml", "/broken.xml")]
    urls += ["http://127.0.0.1:1/rss", "https://nowhere.example/rss"]
    feeds = [{"url": url, "name": f"مصدر {i}"} for i, url in enumerate(urls, 1)]
    async with running_service(admin_config(tmp_path, fake, [admin.id],
                                            feeds=feeds)) as service:
        storage = service.storage
        assert storage is not None

        async def all_failed() -> bool:
            return all(f.last_error_at for f in await storage.feeds.list())

        await eventually(all_failed, timeout=20)
        [alert] = await fake.wait_for_messages(admin.id, 1)  # /gone.xml: disabled at once
        assert "أبلغ خادمه أن الخلاصة أُزيلت نهائيًا (الرمز 410)" in (alert.plain_text or "")
        listing = await ask(fake, admin.id, "/feeds")
        shown = listing.plain_text or ""
        for explained in ("الصفحة غير موجودة على الموقع (الرمز 404).",
                          "أزال الموقع الصفحة نهائيًا (الرمز 410).",
                          "خطأ في خادم الموقع (الرمز 503)، وغالبًا ما يكون مؤقتًا.",
                          "حلقة تحويل: يعيد الموقع توجيه الطلب إلى عنوان سبق زيارته.",
                          "الخلاصة ليست XML سليمًا (ملف تالف أو مقطوع).",
                          "رفض الخادم الاتصال",
                          "لم يُعثر على الموقع (اسم النطاق غير موجود أو لا يُحلّ)."):
            assert explained in shown, explained
        for path in ("/none.xml", "/loop2.xml", "/page.html", "/private.xml"):  # new URLs
            said = await ask(fake, admin.id, f"/addfeed {feed_server.url(path)}")
            assert (said.plain_text or "").startswith("⚠️ لم يُضف المصدر: "), path
        original = fake.inject_message(admin.id, "رسالة للنسخ")
        fake.chat(admin.id).messages[original["message_id"]].pop("text")  # not copyable
        said = await ask(fake, admin.id, "/broadcast", reply_to=original["message_id"])
        assert said.plain_text == ("⚠️ لا يمكن نسخ هذه الرسالة، فأُلغي البث:"
                                   " هذا النوع من الرسائل لا يمكن نسخه.")
        failing = [f for f in await storage.feeds.list() if f.last_error]
        assert len(failing) == len(urls)
        assert all(f.last_error.startswith(("fetch:", "parse:")) for f in failing), \
            "the stored error stays English (logs, CLI)"
    report = sent_report(received_texts(fake))
    assert not report, _summary(report)
