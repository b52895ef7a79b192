"""Polling into a real SQLite file from the fake feed server: ingest, re-poll, enqueue,
stories, conditional GET, backoff, atomicity, scheduling."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.config import PollingConfig
from bot.extract import guess_lang
from bot.ingest import IngestOptions, Workers
from bot.ingest.build import DeadlinePassed
from bot.ingest.work import Built
from bot.ingest.workers import WORKER_NICENESS
from bot.matching import keyword_key
from bot.storage import _polling
from tests.fakes.feed_server import FeedServer, Route, http_date
from tests.fixtures.ingest.site import (
    FEEDS,
    NOISE_MARKERS,
    REAL_FEEDS,
    NewsSite,
    item,
    load_articles,
    open_env,
    rss,
)

pytest_plugins = ["tests.fakes.feed_fixtures"]


def no_noise(text: str) -> bool:
    return not any(marker in text for marker in NOISE_MARKERS)


async def test_every_real_feed_is_ingested_once_with_clean_arabic_summaries(
        tmp_path: Path, feed_server: FeedServer) -> None:
    site = NewsSite(feed_server)
    rows = load_articles()
    served = site.serve_articles(rows)
    texts = {r["title"]: r["text"] for r in rows}
    async with open_env(tmp_path) as env:
        for key, (path, name) in REAL_FEEDS.items():
            etag = '"v1"' if key in ("alarabiya", "cnn-arabic") else None
            await env.add_feed(site.serve_feed(f"/{key}.xml", path.read_bytes(), etag=etag,
                                               gzip=key == "alarabiya"), name)
        urdu = site.serve_feed("/urdu.xml", (FEEDS / "bbc_urdu_rss2.utf8.xml").read_bytes())
        await env.add_feed(urdu, "بي بي سي اردو")

        report = await env.poller.poll_due()
        assert [o.result for o in report.outcomes] == ["ok"] * 6
        by_url = report.by_url()
        assert by_url[urdu].stored > 0
        # France 24 lists 10 articles twice (same link, two guids): stored once
        assert report.stored == 100 + 120 + 100 + 90 + 100 + by_url[urdu].stored
        # pages are used when longer than the feed's text (2 of these 15 are not)
        assert sum(o.from_pages for o in report.outcomes) == 13

        articles = await env.rows(
            "SELECT a.*, f.url AS feed_url FROM articles a JOIN feeds f ON f.id = a.feed_id")
        assert len(articles) == report.stored
        # two BBC teasers (no page served for them here) are their headline and <= 5 words
        empty = [a for a in articles if not a["summary"]]
        assert [a["text"].startswith(a["title"]) for a in empty] == [True, True]
        for a in articles:
            if a in empty:
                continue
            assert no_noise(a["summary"]) and no_noise(a["text"]), a["url"]
            assert not a["summary"].startswith(a["title"])  # never the headline again
            assert len(a["summary"]) <= 600 and a["story_id"] and a["fingerprint"] is not None
            if a["feed_url"] != urdu:
                assert guess_lang(a["summary"]) == "ar", a["summary"]
                assert a["source"] in {name for _, name in REAL_FEEDS.values()}
        from_pages = {a["url"]: a for a in articles if a["url"] in served}
        assert len(from_pages) == len(served)
        for url, a in from_pages.items():
            if len(texts[served[url]]) > 400:
                last = texts[served[url]].split("\n")[-1]
                assert last[-60:] in a["text"]  # the page's article text, not the teaser
                assert a["image_url"].startswith(feed_server.base_url)  # og:image
        cnn = [a for a in from_pages.values() if "cnn" in a["url"]]
        assert cnn and all(a["author"] == "CNN" for a in cnn)
        # the first poll of a feed stores without pushing
        assert await env.rows("SELECT * FROM outbox") == [] and env.wakeups == []
        feeds = await env.rows("SELECT * FROM feeds")
        assert all(f["initialized"] == 1 and f["last_success_at"] and f["body_hash"]
                   for f in feeds)

        assert "gzip" in feed_server.requests("/alarabiya.xml")[0].headers["accept-encoding"]
        pages_before = len([r for r in feed_server.requests() if r.path.count("/") > 2])
        again = await env.poller.poll_now()
        assert again.stored == 0
        results = {o.url: o.result for o in again.outcomes}
        assert results[site.server.url("/alarabiya.xml")] == "not_modified"
        assert results[site.server.url("/bbc-arabic.xml")] == "unchanged"
        assert len([r for r in feed_server.requests() if r.path.count("/") > 2]) == pages_before


async def test_new_items_after_the_first_poll_are_enqueued_once(
        tmp_path: Path, feed_server: FeedServer) -> None:
    first = item("الحكومة تعلن موازنة العام الجديد", "https://news.example/1", "1",
                 description="أعلنت الحكومة موازنة العام الجديد بزيادة في الإنفاق على التعليم.")
    second = item("افتتاح معرض الكتاب الدولي بمشاركة واسعة", "https://news.example/2", "2",
                  description="افتتح معرض الكتاب الدولي أبوابه اليوم بمشاركة أكثر من 500 دار نشر.")
    feed_server.add_feed("/f.xml", rss([first]))
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        feed_id = await env.add_feed(feed_server.url("/f.xml"), default=True)
        await env.storage.chats.register(42, "private")
        report = await env.poller.poll_due()
        assert (report.stored, report.queued, env.wakeups) == (1, 0, [])

        feed_server.add_feed("/f.xml", rss([second, first]))
        report = await env.poller.poll_now(feed_id)
        assert (report.stored, report.queued, env.wakeups) == (1, 1, [1])
        [row] = await env.rows("SELECT o.chat_id, a.title FROM outbox o"
                               " JOIN articles a ON a.id = o.article_id")
        assert row == {"chat_id": 42, "title": "افتتاح معرض الكتاب الدولي بمشاركة واسعة"}

        report = await env.poller.poll_now(feed_id)
        assert (report.stored, report.queued, env.wakeups) == (0, 0, [1])
        assert len(await env.rows("SELECT * FROM outbox")) == 1



async def test_old_items_new_to_the_bot_are_stored_but_not_pushed(
        tmp_path: Path, feed_server: FeedServer) -> None:
    # A feed that lists old items anew ("most read", a re-sorted archive, or items whose
    # rows retention deleted while the feed still carries them) must not push them as news.
    now = time.time()
    fresh = item("عاجل: زلزال بقوة 5 درجات يضرب المنطقة", "https://news.example/fresh", "f",
                 date=http_date(now - 3600))
    edge = item("افتتاح الطريق الدائري الجديد", "https://news.example/edge", "e",
                date=http_date(now - 71 * 3600))
    stale = item("نتائج انتخابات المجلس البلدي قبل عامين", "https://news.example/stale", "s",
                 date=http_date(now - 4 * 86400))
    undated = item("الطقس: أجواء معتدلة نهارًا", "https://news.example/undated", "u", date=None)
    feed_server.add_feed("/f.xml", rss([item("أول خبر", "https://news.example/0", "0")]))
    config = PollingConfig(allow_private_addresses=True, timeout_seconds=5)  # 72 h default
    async with open_env(tmp_path, config, options=IngestOptions(extract=False)) as env:
        feed_id = await env.add_feed(feed_server.url("/f.xml"), default=True)
        await env.storage.chats.register(42, "private")
        await env.poller.poll_due()
        feed_server.add_feed("/f.xml", rss([fresh, edge, stale, undated]))
        [outcome] = (await env.poller.poll_now(feed_id)).outcomes
        assert (outcome.stored, outcome.queued, outcome.stale) == (4, 3, 1)
        pushed = await env.rows("SELECT a.url FROM outbox o JOIN articles a"
                                " ON a.id = o.article_id ORDER BY a.url")
        assert [r["url"] for r in pushed] == [
            "https://news.example/edge", "https://news.example/fresh",
            "https://news.example/undated"]  # undated: the fetch time is its date
        assert len(await env.rows("SELECT 1 FROM articles WHERE url LIKE '%stale'")) == 1
        assert env.wakeups == [1]


async def test_retention_keeps_what_the_feed_still_lists_so_it_is_not_pushed_again(
        tmp_path: Path, feed_server: FeedServer) -> None:
    # A feed that changes rarely keeps an item longer than retention keeps articles. Were
    # its row pruned, the feed's next change would store it again as news, and an undated
    # item (its date is the fetch time) would be pushed to every subscriber a second time.
    kept = item("دليل الخدمات الإلكترونية للمواطنين", "https://news.example/guide", "g",
                date=None)
    first = item("أول خبر في المصدر", "https://news.example/0", "0")
    fresh = item("افتتاح مستشفى جديد في المدينة", "https://news.example/new", "n", date=None)
    feed_server.add_feed("/f.xml", rss([first]))
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        feed_id = await env.add_feed(feed_server.url("/f.xml"), default=True)
        await env.storage.chats.register(42, "private")
        await env.poller.poll_due()
        feed_server.add_feed("/f.xml", rss([kept, first]))
        assert (await env.poller.poll_now(feed_id)).queued == 1

        async def age_and_prune() -> tuple[int, int]:
            await env.storage.db.write(lambda c: (
                c.execute("UPDATE articles SET fetched_at = fetched_at - 200 * 86400"),
                c.execute("UPDATE outbox SET status = 'sent', sent_at = created_at")))
            result = await env.storage.maintenance.prune(articles_days=180, outbox_days=14,
                                                         checkpoint=False)
            return result.articles, result.listed

        assert await age_and_prune() == (0, 2)  # both still listed
        feed_server.add_feed("/f.xml", rss([fresh, kept]))
        report = await env.poller.poll_now(feed_id)
        assert (report.stored, report.queued) == (1, 1)
        assert await age_and_prune() == (1, 2)  # "first" is no longer listed: pruned
        urls = await env.rows("SELECT a.url FROM outbox o JOIN articles a"
                              " ON a.id = o.article_id ORDER BY o.id")
        assert [r["url"] for r in urls] == ["https://news.example/guide",
                                            "https://news.example/new"]
        feed_server.add_feed("/f.xml", rss([fresh]))  # the guide leaves the feed: now it goes
        await env.poller.poll_now(feed_id)
        assert await age_and_prune() == (1, 1)
        assert [r["url"] for r in await env.rows("SELECT url FROM articles")] == [
            "https://news.example/new"]


async def test_the_same_wire_story_on_two_sites_is_one_message(
        tmp_path: Path, feed_server: FeedServer) -> None:
    lead = ("قال المتحدث باسم الأمم المتحدة إن الأمين العام دعا جميع الأطراف إلى وقف فوري "
            "لإطلاق النار والسماح بدخول المساعدات الإنسانية إلى المناطق المتضررة.")
    old = [item(f"خبر قديم رقم {i} عن الطقس في المدينة", f"https://site{i}.example/old", "o")
           for i in range(2)]
    feed_server.add_feed("/a.xml", rss([old[0]]))
    feed_server.add_feed("/b.xml", rss([old[1]]))
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        a = await env.add_feed(feed_server.url("/a.xml"), "أ", default=True)
        b = await env.add_feed(feed_server.url("/b.xml"), "ب", default=True)
        await env.storage.chats.register(7, "private")
        await env.poller.poll_due()
        feed_server.add_feed("/a.xml", rss([item(
            "الأمم المتحدة تدعو إلى وقف فوري لإطلاق النار", "https://site0.example/un",
            "un-a", description=lead), old[0]]))
        feed_server.add_feed("/b.xml", rss([item(
            "عاجل: الأمم المتّحدة تدعو الى وقف فوري لإطلاق النار", "https://site1.example/un",
            "un-b", description=lead), old[1]]))
        await env.poller.poll_now(a)
        await env.poller.poll_now(b)
        stories = await env.rows("SELECT feed_id, story_id FROM articles WHERE guid LIKE 'un-%'")
        assert len(stories) == 2 and len({s["story_id"] for s in stories}) == 1
        outbox = await env.rows("SELECT * FROM outbox WHERE chat_id = 7")
        assert len(outbox) == 1  # one message per story per chat

    # a restart reloads the open stories from the database
    feed_server.add_feed("/a.xml", rss([item(
        "الأمم المتحدة تدعو إلى وقف فوري لإطلاق النار في المنطقة", "https://site0.example/un2",
        "un-c", description=lead)]))
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        await env.poller.poll_now(a)
        rows = await env.rows("SELECT story_id FROM articles WHERE guid LIKE 'un-%'")
        assert len(rows) == 3 and len({r["story_id"] for r in rows}) == 1


async def test_conditional_get_and_unchanged_bodies_are_not_reparsed(
        tmp_path: Path, feed_server: FeedServer) -> None:
    body = rss([item("خبر أول عن الاقتصاد المحلي", "https://n.example/1", "1")])
    other = rss([item("خبر ثان عن الرياضة", "https://n.example/2", "2")])
    feed_server.add_feed("/etag.xml", body, etag='"abc"', last_modified=http_date(1e9))
    feed_server.add_feed("/plain.xml", other.replace(b"<title>", b"<lastBuildDate>x"
                                                     b"</lastBuildDate><title>", 1))

    class Counting(Workers):
        calls = 0

        async def run(self, fn, *args):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return await super().run(fn, *args)

    async with open_env(tmp_path, workers=Counting("thread", 1),
                        options=IngestOptions(extract=False)) as env:
        await env.add_feed(feed_server.url("/etag.xml"))
        await env.add_feed(feed_server.url("/plain.xml"))
        await env.poller.poll_due()
        assert Counting.calls == 4  # parse and build, twice
        feed_server.add_feed("/plain.xml", other.replace(b"<title>", b"<lastBuildDate>y"
                                                         b"</lastBuildDate><title>", 1))
        report = await env.poller.poll_now()
        assert sorted(o.result for o in report.outcomes) == ["not_modified", "unchanged"]
        assert Counting.calls == 4  # nothing parsed again
        conditional = feed_server.requests("/etag.xml")[-1].headers
        assert conditional["if-none-match"] == '"abc"'
        assert conditional["if-modified-since"] == http_date(1e9)
        feeds = await env.rows("SELECT consecutive_failures, last_success_at FROM feeds")
        assert all(f["consecutive_failures"] == 0 and f["last_success_at"] for f in feeds)


async def test_failing_feed_backs_off_honours_retry_after_and_is_disabled(
        tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add("/down.xml", Route(status=503, retry_after="3600", body=b"busy"))
    config = PollingConfig(allow_private_addresses=True, max_consecutive_failures=3,
                           interval_seconds=300)
    async with open_env(tmp_path, config) as env:
        feed_id = await env.add_feed(feed_server.url("/down.xml"))
        outcomes = []
        for _ in range(3):
            before = time.time()
            [o] = (await env.poller.poll_now(feed_id)).outcomes
            outcomes.append(o)
            assert o.result == "error" and o.kind == "status"
            assert o.next_poll_at - before >= 3600 * 0.9  # Retry-After beats the backoff
        assert [o.failures for o in outcomes] == [1, 2, 3]
        assert [o.disabled for o in outcomes] == [False, False, True]
        [feed] = await env.rows("SELECT * FROM feeds")
        assert feed["disabled_reason"].startswith("3 failed polls in a row; last: fetch:")
        assert "HTTP 503" in feed["last_error"] and feed["last_error_kind"] == "status"
        assert feed["last_success_at"] is None
        assert (await env.poller.poll_now(feed_id)).outcomes == []  # disabled: skipped

        feed_server.add_feed("/down.xml", rss([item("عودة الخدمة", "https://n.example/x")]))
        assert await env.storage.polling.resume(feed_id)
        [o] = (await env.poller.poll_due()).outcomes
        assert o.result == "ok" and o.stored == 1
        [feed] = await env.rows("SELECT * FROM feeds")
        assert feed["consecutive_failures"] == 0 and feed["disabled_reason"] is None
        assert feed["last_error_kind"] == "status"  # kept for admins, with its time



async def test_a_feed_answering_410_gone_is_disabled_at_once(
        tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add("/gone.xml", Route(status=410, body=b"gone"))
    feed_server.add("/missing.xml", Route(status=404, body=b"not found"))  # may come back
    async with open_env(tmp_path) as env:
        gone = await env.add_feed(feed_server.url("/gone.xml"))
        missing = await env.add_feed(feed_server.url("/missing.xml"), "آخر")
        report = await env.poller.poll_due()
        by_id = {o.feed_id: o for o in report.outcomes}
        assert (by_id[gone].failures, by_id[gone].disabled) == (1, True)
        assert (by_id[missing].failures, by_id[missing].disabled) == (1, False)
        [feed] = await env.rows("SELECT * FROM feeds WHERE id = ?", gone)
        assert feed["disabled_reason"] == "the server says the feed is gone for good (HTTP 410)"
        assert "HTTP 410" in feed["last_error"]
        feed_server.add_feed("/gone.xml", rss([item("عاد الموقع", "https://n.example/g")]))
        assert await env.storage.polling.resume(gone)  # an admin's /resumefeed
        [o] = (await env.poller.poll_now(gone)).outcomes
        assert o.result == "ok" and o.stored == 1


async def test_a_feed_that_moved_permanently_gets_its_new_address(
        tmp_path: Path, feed_server: FeedServer) -> None:
    body = rss([item("خبر في العنوان الجديد", "https://n.example/m")])
    feed_server.add_feed("/new.xml", body)
    feed_server.add_feed("/other.xml", body)
    feed_server.redirect("/old.xml", feed_server.url("/new.xml"), status=301)
    feed_server.redirect("/config.xml", feed_server.url("/new.xml"), status=308)
    feed_server.redirect("/temporary.xml", feed_server.url("/other.xml"), status=302)
    feed_server.redirect("/taken.xml", feed_server.url("/other.xml"), status=301)
    async with open_env(tmp_path) as env:
        moved = await env.add_feed(feed_server.url("/old.xml"), "أ")
        config_feed, _ = await env.storage.feeds.add(feed_server.url("/config.xml"), "ب",
                                                     origin="config")
        temporary = await env.add_feed(feed_server.url("/temporary.xml"), "ج")
        other = await env.add_feed(feed_server.url("/other.xml"), "د")
        taken = await env.add_feed(feed_server.url("/taken.xml"), "هـ")
        report = await env.poller.poll_due()
        assert [o.result for o in report.outcomes] == ["ok"] * 5
        urls = {r["id"]: r["url"] for r in await env.rows("SELECT id, url FROM feeds")}
        assert urls == {
            moved: feed_server.url("/new.xml"),  # 301 from an admin-added feed: updated
            config_feed.id: feed_server.url("/config.xml"),  # the config file names it
            temporary: feed_server.url("/temporary.xml"),  # 302: not permanent
            other: feed_server.url("/other.xml"),
            taken: feed_server.url("/taken.xml"),  # /other.xml is another feed's already
        }
        requests = len(feed_server.requests("/old.xml"))
        feed_server.add_feed("/new.xml", rss([item("خبر ثان", "https://n.example/m2")]))
        [o] = (await env.poller.poll_now(moved)).outcomes
        assert o.result == "ok" and o.stored == 1
        assert len(feed_server.requests("/old.xml")) == requests  # the old address is done


async def test_backoff_doubles_without_retry_after(tmp_path: Path,
                                                   feed_server: FeedServer) -> None:
    feed_server.add("/500.xml", Route(status=500, body=b"oops"))
    config = PollingConfig(allow_private_addresses=True, interval_seconds=100)
    async with open_env(tmp_path, config) as env:
        feed_id = await env.add_feed(feed_server.url("/500.xml"))
        waits = []
        for _ in range(4):
            now = time.time()
            [o] = (await env.poller.poll_now(feed_id)).outcomes
            waits.append((o.next_poll_at - now) / 100)
        for got, want in zip(waits, [1, 2, 4, 8], strict=True):
            assert want * 0.89 <= got <= want * 1.11


async def test_a_failed_store_keeps_nothing_of_the_poll(
        tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    titles = ["ارتفاع أسعار النفط في الأسواق العالمية", "افتتاح معرض الكتاب في القاهرة",
              "المنتخب يفوز في مباراة ودية استعدادا للبطولة"]
    feed_server.add_feed("/f.xml", rss([
        item(title, f"https://n.example/{i}", str(i)) for i, title in enumerate(titles)]))
    real = _polling.ArticleWriter.add
    calls = []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(_polling.ArticleWriter, "add", flaky)
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        feed_id = await env.add_feed(feed_server.url("/f.xml"))
        [o] = (await env.poller.poll_due()).outcomes
        assert o.result == "error" and o.kind == "storage"
        assert await env.rows("SELECT * FROM articles") == []
        [feed] = await env.rows("SELECT * FROM feeds")
        assert (feed["body_hash"], feed["initialized"], feed["consecutive_failures"]) == \
            (None, 0, 1)
        assert len(env.poller.stories) == 0  # the founder added before the failure is gone
        monkeypatch.setattr(_polling.ArticleWriter, "add", real)
        [o] = (await env.poller.poll_now(feed_id)).outcomes
        assert (o.result, o.stored) == ("ok", 3) and len(env.poller.stories) == 3


async def test_feeds_added_at_runtime_are_polled_and_paused_ones_skipped(
        tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add_feed("/a.xml", rss([item("خبر المصدر الأول", "https://a.example/1")]))
    feed_server.add_feed("/b.xml", rss([item("خبر المصدر الثاني", "https://b.example/1")]))
    feed_server.add_feed("/c.xml", rss([item("خبر المصدر الثالث", "https://c.example/1")]))
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        await env.add_feed(feed_server.url("/a.xml"))
        assert len((await env.poller.poll_due()).outcomes) == 1
        assert (await env.poller.poll_due()).outcomes == []  # not due again yet
        b = await env.add_feed(feed_server.url("/b.xml"))  # e.g. /addfeed at runtime
        c = await env.add_feed(feed_server.url("/c.xml"))
        assert await env.storage.polling.set_paused(c, True)
        report = await env.poller.poll_due()
        assert [o.feed_id for o in report.outcomes] == [b]
        assert await env.storage.polling.set_paused(c, False)
        assert [o.feed_id for o in (await env.poller.poll_due()).outcomes] == [c]


async def test_a_feed_is_never_polled_twice_at_once(tmp_path: Path,
                                                    feed_server: FeedServer) -> None:
    feed_server.add_feed("/slow.xml", rss([item("خبر بطيء", "https://s.example/1")]),
                         delay=0.5)
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        await env.add_feed(feed_server.url("/slow.xml"))
        await env.poller.poll_due(wait=False)
        await asyncio.sleep(0.1)
        assert env.poller.in_flight == 1
        await env.poller.poll_due(wait=False)  # the next tick: still running, not relaunched
        await env.poller.wait_idle()
        assert len(feed_server.requests("/slow.xml")) == 1


async def test_broken_article_pages_fall_back_to_feed_text(tmp_path: Path,
                                                           feed_server: FeedServer) -> None:
    text = "أعلنت وزارة الصحة اليوم عن حملة تطعيم جديدة تشمل جميع المدارس في البلاد."
    feed_server.add_feed("/f.xml", rss([
        item(f"خبر عن حملة التطعيم رقم {i} في المدارس", feed_server.url(f"/p{i}"), str(i),
             description=text) for i in range(6)]))
    feed_server.add("/p0", Route(status=404, body=b"nope"))
    feed_server.add("/p1", Route(body=b"<html>x</html>", delay=10))  # slower than the budget
    feed_server.add("/p2", Route(fault="huge", size=50_000_000, content_type="text/html"))
    feed_server.add("/p3", Route(body=b"%PDF-1.4", content_type="application/pdf"))
    feed_server.redirect("/p4", "/p4")  # a loop
    # 2.6 MB of links around the article: trafilatura alone would take ~20 s of CPU
    links = '<a href="/x">رابط</a> ' * 100_000
    huge = f"<html><body>{links}<article><p>{text}</p></article></body></html>"
    feed_server.add("/p5", Route(body=huge.encode(), content_type="text/html"))
    config = PollingConfig(allow_private_addresses=True, timeout_seconds=5)
    async with open_env(tmp_path, config, options=IngestOptions(page_budget=1.0)) as env:
        await env.add_feed(feed_server.url("/f.xml"))
        started = time.monotonic()
        [o] = (await env.poller.poll_due()).outcomes
        assert time.monotonic() - started < 4
        assert (o.result, o.stored, o.from_pages) == ("ok", 6, 0)
        rows = await env.rows("SELECT text, summary FROM articles")
        assert all(r["text"] == text and r["summary"] == text for r in rows)


async def test_only_a_documents_newest_entries_are_read(tmp_path: Path,
                                                        feed_server: FeedServer) -> None:
    # an archive in one document: its newest max_entries are the feed, the rest ignored
    days = [12, 3, 27, 8, 19, 1, 22, 15]  # not in date order
    feed_server.add_feed("/archive.xml", rss([
        item(f"خبر الأرشيف عن يوم {d} من فبراير", f"https://a.example/{d}", str(d),
             description=f"نص خبر يوم {d} من شهر فبراير في الأرشيف الكامل للموقع.",
             date=f"Mon, {d:02d} Feb 2018 10:00:00 +0000") for d in days]))
    config = PollingConfig(allow_private_addresses=True)
    async with open_env(tmp_path, config, options=IngestOptions(max_entries=5)) as env:
        await env.add_feed(feed_server.url("/archive.xml"))
        [o] = (await env.poller.poll_due()).outcomes
        assert (o.result, o.entries, o.stored) == ("ok", 5, 5)
        rows = await env.rows("SELECT url FROM articles ORDER BY url")
        assert sorted(int(r["url"].rsplit("/", 1)[1]) for r in rows) == [12, 15, 19, 22, 27]
        feed_server.add_feed("/archive.xml", rss([
            item(f"خبر الأرشيف عن يوم {d} من فبراير", f"https://a.example/{d}", str(d),
                 description=f"نص خبر يوم {d} من شهر فبراير في الأرشيف الكامل للموقع.",
                 date=f"Mon, {d:02d} Feb 2018 10:00:00 +0000") for d in [*days, 28]]))
        await env.poller.storage.polling.mark_due(None)
        [o] = (await env.poller.poll_due()).outcomes
        assert (o.result, o.stored) == ("ok", 1)  # the new one; the old stay ignored


async def test_a_broken_archive_gives_its_newest_entries(tmp_path: Path,
                                                         feed_server: FeedServer) -> None:
    # 30 items, oldest first, the body cut off: feedparser reads it, after the middle is cut
    # out (bot/parse/trim.py); the newest complete items are still the ones read
    body = rss([
        item(f"خبر الأرشيف عن يوم {d} من يناير", f"https://a.example/{d}", str(d),
             description=f"نص خبر يوم {d} من شهر يناير في الأرشيف الكامل للموقع.",
             date=f"Mon, {d:02d} Jan 2018 10:00:00 +0000") for d in range(1, 31)])
    body = body[: body.rindex(b"</channel>") - 1]
    feed_server.add_feed("/archive.xml", body)
    config = PollingConfig(allow_private_addresses=True)
    async with open_env(tmp_path, config, options=IngestOptions(max_entries=5)) as env:
        await env.add_feed(feed_server.url("/archive.xml"))
        [o] = (await env.poller.poll_due()).outcomes
        assert (o.result, o.entries, o.stored) == ("ok", 5, 5)
        rows = await env.rows("SELECT url FROM articles")
        # day 30 is the cut-off item
        assert sorted(int(r["url"].rsplit("/", 1)[1]) for r in rows) == [25, 26, 27, 28, 29]


async def test_process_workers(tmp_path: Path, feed_server: FeedServer) -> None:
    site = NewsSite(feed_server)
    row = load_articles()[6]
    site.serve_articles([row])
    feed_server.add_feed("/f.xml", rss([item(row["title"], site.local(row["url"]), "g",
                                             description=row["text"][:100])]))
    workers = Workers("process", 1)
    async with open_env(tmp_path, workers=workers) as env:
        await env.add_feed(feed_server.url("/f.xml"))
        [o] = (await env.poller.poll_due()).outcomes
        assert (o.result, o.stored, o.from_pages) == ("ok", 1, 1)
        [a] = await env.rows("SELECT author, summary FROM articles")
        assert a["author"] == "CNN" and a["summary"]
        # the worker runs at a lower CPU priority than the event loop's process
        assert await workers.run(os.nice, 0) == min(19, os.nice(0) + WORKER_NICENESS)
        # and jobs run in its main thread: the page extractor's CPU limit applies there
        assert await workers.run(spin_limited, 0.1) == "limited"


def spin_limited(seconds: float) -> str:
    """In a worker: is a call of ``seconds`` of CPU cut short by within_cpu_seconds?"""
    from bot.deadline import CpuLimitExceeded, within_cpu_seconds

    def spin() -> str:
        end = time.process_time() + 30 * seconds
        while time.process_time() < end:
            pass
        return "ran to the end"

    try:
        return within_cpu_seconds(seconds, spin)
    except CpuLimitExceeded:
        return "limited"


class RecordingWorkers(Workers):
    """Thread workers that note every call, and may stand for a worker whose build met
    the poll's deadline."""

    def __init__(self, *, deadline_passes: bool = False) -> None:
        super().__init__("thread", 1)
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.results: list[tuple[str, object]] = []
        self.deadline_passes = deadline_passes
        self.after_build: list[Callable[[], Awaitable[object]]] = []  # run once each

    async def run(self, fn, *args):  # type: ignore[no-untyped-def]
        self.calls.append((fn.__name__, args))
        if self.deadline_passes and fn.__name__ == "build_in_worker":
            raise DeadlinePassed("ingest: the poll's deadline passed while building articles")
        result = await super().run(fn, *args)
        self.results.append((fn.__name__, result))
        if fn.__name__ == "build_in_worker":
            while self.after_build:
                await self.after_build.pop(0)()
        return result


async def test_the_worker_gets_the_polls_deadline_and_stops_there(
        tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add_feed("/f.xml", rss([item("أول خبر في المصدر", "https://news.example/0", "0")]))
    workers = RecordingWorkers()
    async with open_env(tmp_path, options=IngestOptions(extract=False),
                        workers=workers) as env:
        feed_id = await env.add_feed(feed_server.url("/f.xml"))
        started = time.time()
        await env.poller.poll_due()
        [(_, args)] = [c for c in workers.calls if c[0] == "build_in_worker"]
        deadline = args[-1]
        assert isinstance(deadline, float)
        budget = env.poller.poll_timeout
        assert started + budget <= deadline <= time.time() + budget

        workers.deadline_passes = True  # the build gave up at the deadline: a timed-out poll
        feed_server.add_feed("/f.xml", rss([item("خبر ثان", "https://news.example/1", "1")]))
        [outcome] = (await env.poller.poll_now(feed_id)).outcomes
        assert outcome.result == "error"
        [feed] = await env.rows("SELECT last_error_kind, consecutive_failures FROM feeds")
        assert feed == {"last_error_kind": "timeout", "consecutive_failures": 1}


async def test_keyword_words_are_built_only_when_a_chat_may_match_them(
        tmp_path: Path, feed_server: FeedServer) -> None:
    """The workers compute (and send back) an article's keyword-matching words only when
    it may be pushed (not on the feed's first poll) and an active chat has a keyword
    subscription. One subscribed between the build and the store still gets its rows:
    the writer computes them then."""
    news = [item(title, f"https://news.example/{n}", str(n), description=text)
            for n, (title, text) in enumerate([
                ("افتتاح معرض الكتاب الدولي", "افتتح معرض الكتاب أبوابه بمشاركة 500 دار نشر."),
                ("الحكومة تعلن موازنة العام الجديد", "أعلنت الحكومة موازنة تزيد الإنفاق."),
                ("منتخب الشباب يتأهل إلى النهائي", "قالت الحكومة إنها ستكرم اللاعبين.")])]
    feed_server.add_feed("/f.xml", rss(news[:1]))
    workers = RecordingWorkers()
    async with open_env(tmp_path, options=IngestOptions(extract=False),
                        workers=workers) as env:
        feed_id = await env.add_feed(feed_server.url("/f.xml"), default=True)
        for chat in (1, 2):
            await env.storage.chats.register(chat, "private")
        await env.storage.subscriptions.remove(2, "feed", str(feed_id))

        def built() -> list[Built]:
            [*_, (name, result)] = workers.results
            assert name == "build_in_worker" and isinstance(result, list)
            return result

        await env.poller.poll_due()  # first poll: never pushed
        assert [b.tokens for b in built()] == [None]

        feed_server.add_feed("/f.xml", rss(news[:2]))
        workers.after_build.append(lambda: env.storage.subscriptions.add(
            2, "keyword", keyword_key("الحكومة"), "الحكومة"))
        await env.poller.poll_now(feed_id)
        assert [b.tokens for b in built()] == [None]  # no keyword subscription when built

        feed_server.add_feed("/f.xml", rss(news))
        await env.poller.poll_now(feed_id)
        [fresh] = built()
        assert fresh.tokens is not None and "الحكومه" in fresh.tokens.split()

        rows = await env.rows("SELECT o.chat_id, a.guid FROM outbox o"
                              " JOIN articles a ON a.id = o.article_id ORDER BY o.id")
        assert [(r["chat_id"], r["guid"]) for r in rows] == [
            (1, "1"), (2, "1"), (1, "2"), (2, "2")]
