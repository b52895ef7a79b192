"""``newsbot preview URL``: a feed's newest items or one article page, as messages in a
terminal, with no database, token or Telegram."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.config import PollingConfig
from bot.errors import ExtractionError, ParseError
from bot.fetch import Fetcher
from bot.ingest.preview import preview
from tests.fakes.feed_server import FeedServer
from tests.fixtures.ingest.site import REAL_FEEDS, NewsSite, load_articles
from tests.service import run_cli
from tests.test_extract_article import stray_bytes_page

pytest_plugins = ["tests.fakes.feed_fixtures"]

SHARE = ("https://wa.me/?text=", "https://t.me/share/url?url=",
         "https://twitter.com/intent/tweet?url=", "https://www.facebook.com/sharer/sharer.php?u=")
DATES = re.compile(r" · \S+ \d+ [^—]+ \d{4} هـ — \d+ \S+ \d{4}")  # Hijri — Gregorian


def serve(server: FeedServer) -> tuple[str, str]:
    site = NewsSite(server)
    served = site.serve_articles(load_articles())
    feed = site.serve_feed("/cnn.xml", REAL_FEEDS["cnn-arabic"][0].read_bytes())
    article = next(url for url in served if "el-erian" in url)
    return feed, article


async def test_preview_of_a_feed_prints_the_newest_messages(feed_server: FeedServer) -> None:
    feed, _ = serve(feed_server)
    code, out = await run_cli("preview", feed, "-n", "2", "--allow-private")
    assert code == 0, out
    assert out.startswith("feed: سي إن إن بالعربية <")
    assert "2 of 100 item(s), newest first; article pages on; SSRF guard off" in out
    assert out.count("══ message") == 2 and out.count("<b>") >= 2
    for prefix in SHARE:
        assert out.count(prefix) == 2, prefix
    assert len(DATES.findall(out)) >= 2
    assert "الثلاثاء 4 جمادى الآخرة 1439 هـ — 20 فبراير 2018" in out
    assert "credit: CNN" in out and "from the article page" in out  # the teaser's page


async def test_preview_of_an_article_page(feed_server: FeedServer) -> None:
    _, article = serve(feed_server)
    code, out = await run_cli("preview", article, "--allow-private", "--tz", "UTC")
    assert code == 0, out
    assert out.startswith("article page: <")
    assert "<b>العريان: &quot;بيتكوين&quot; لن تصبح عملة عالمية" in out
    for prefix in SHARE:
        assert out.count(prefix) == 1, prefix
    assert "4 جمادى الآخرة 1439 هـ — 20 فبراير 2018" in out
    assert "أعلن معنا" not in out and "تكبير الخط" not in out
    assert "source: شبكة الأخبار" in out  # the page's og:site_name, not 127.0.0.1


async def test_preview_keeps_the_ssrf_guard_on_by_default(feed_server: FeedServer) -> None:
    feed, _ = serve(feed_server)
    code, out = await run_cli("preview", feed)
    assert code == 1
    assert "refused by the SSRF guard" in out and "Traceback" not in out


async def test_what_is_neither_a_feed_nor_an_article(feed_server: FeedServer) -> None:
    feed_server.add_html("/menu", "<!DOCTYPE html><html><body><nav><a href='/'>الرئيسية</a>"
                         "</nav></body></html>")
    feed_server.add_feed("/data.json", b'{"items": []}', content_type="application/json")
    async with Fetcher(PollingConfig(allow_private_addresses=True)) as fetcher:
        with pytest.raises(ExtractionError, match=r"^preview: .*not a feed .*no article text"):
            await preview(feed_server.url("/menu"), fetcher)
        with pytest.raises(ParseError, match=r"^parse: "):
            await preview(feed_server.url("/data.json"), fetcher)


async def test_preview_of_a_page_that_links_to_its_feed(feed_server: FeedServer) -> None:
    row = load_articles()[3]
    site = NewsSite(feed_server)
    url = site.serve_articles([row])
    page_url = next(iter(url))
    page = feed_server.routes[next(p for p in feed_server.routes if "bbc" in p)]
    page.body = page.body.replace(
        b"</head>", b'<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>')
    async with Fetcher(PollingConfig(allow_private_addresses=True)) as fetcher:
        result = await preview(page_url, fetcher, now=datetime(2018, 3, 1, tzinfo=UTC))
    assert result.kind == "article" and len(result.items) == 1
    assert result.items[0].article.title == row["title"]
    assert any("links to feeds" in note for note in result.notes)


async def test_preview_of_a_page_with_stray_bytes_shows_none(feed_server: FeedServer) -> None:
    """A page with stray bytes and no charset anywhere (header or page): its "\ufffd"
    reached the summary, and «الحديث مؤخرا» came out «الحديث\ufffdمؤخرا»."""
    feed_server.add_html("/jawhara", stray_bytes_page(declared=False),
                         content_type="text/html")
    code, out = await run_cli("preview", feed_server.url("/jawhara"), "--allow-private",
                              "--tz", "Pacific/Kiritimati")
    assert code == 0, out
    assert "\ufffd" not in out
    assert "&quot;الشيخ تحيفة&quot; يوضّح</b>" in out  # the headline
    assert "كثُر الحديث مؤخرا في مواقع التواصل" in out  # the summary
    assert "في تاريخ الدراما التونسية بعد عرض" in out
    assert "source: JawharaFM" in out
    # the page's day, also at UTC+14 (noon UTC was the 26th there)
    assert "JawharaFM · السبت 28 جمادى الأولى 1438 هـ — 25 فبراير 2017" in out
    assert "published: 2017-02-25 (a day, no time)" in out
