"""Every bad input of the issue, in ONE poll cycle next to healthy feeds: each bad feed is
recorded with its error (or stored sanely) and the healthy feeds are ingested on time.

The SSRF guard is ON: every feed lives on its own host name (``*.test``) that a test
resolver maps to 127.0.0.2, which the test's address policy treats as public; 127.0.0.1
stays private, so the redirect to it must be refused.
"""

from __future__ import annotations

import ipaddress
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import PollingConfig
from bot.fetch import public_only
from bot.fetch.guard import IPAddress
from bot.ingest import IngestOptions
from bot.models import Article
from bot.render import render_article
from bot.storage._articles import from_row
from tests.fakes.feed_server import FeedServer, Route, ServerFactory
from tests.fixtures.ingest.site import FEEDS, REAL_FEEDS, cut_feed, item, open_env, rss

pytest_plugins = ["tests.fakes.feed_fixtures"]

PUBLIC = ipaddress.ip_address("127.0.0.2")
BBC_UTF8 = cut_feed((FEEDS / "bbc-arabic.xml").read_bytes(), 3)
LONG_TITLE = "عنوان " * 1700  # 10,200 characters


def policy(ip: IPAddress) -> bool:
    return ip == PUBLIC or public_only(ip)


async def resolver(host: str, port: int) -> list[str]:
    if host.endswith(".test"):
        return ["127.0.0.2"]
    raise OSError(f"{host}: unknown")


def bbc_variant(name: str, n: int) -> bytes:
    body = cut_feed((FEEDS / name).read_bytes(), 3)
    return body.replace(b"http://www.bbc.co.uk/arabic/", f"https://bbc{n}.test/".encode())


def feeds(server: FeedServer, internal: FeedServer) -> dict[str, tuple[str, Route]]:
    """name -> (path, route). Each is served at http://NAME.test:PORT/NAME/PATH."""
    def good(key: str) -> Route:
        return Route(body=cut_feed(REAL_FEEDS[key][0].read_bytes(), 5))

    now = datetime.now(UTC)
    future = (now + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    html_page = (b'<!DOCTYPE html><html><head><link rel="alternate" '
                 b'type="application/rss+xml" href="/rss.xml"></head><body>news</body></html>')
    return {
        "good-cnn": ("/rss.xml", good("cnn-arabic")),
        "good-sky": ("/rss.xml", good("skynews-arabia")),
        "malformed": ("/rss.xml", Route(body=b'<?xml version="1.0"?><rss version="2.0">'
                                              b"<channel><title>x</title><item><title>a<<</b")),
        "malformed-recoverable": ("/rss.xml", Route(body=(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
            "<title>خبر سليم قبل الخلل</title><link>https://m.example/1</link></item>"
            "<item><title>خلل &nbsp; <b></item></channel></rss>").encode())),
        "html": ("/", Route(body=html_page, content_type="text/html; charset=utf-8")),
        "empty-feed": ("/rss.xml", Route(body=rss([]))),
        "empty-body": ("/rss.xml", Route(body=b"")),
        "huge": ("/rss.xml", Route(fault="huge", size=50_000_000)),
        "huge-chunked": ("/rss.xml", Route(fault="huge", size=50_000_000, chunked=True)),
        "slowloris": ("/rss.xml", Route(fault="drip", drip_interval=0.2,
                                        body=BBC_UTF8)),
        "loop": ("/a", Route(status=302, location="/loop/b")),
        "loop-b": ("/b", Route(status=302, location="/loop/a")),
        "to-localhost": ("/rss.xml", Route(status=302,
                                           location=internal.url("/secret.xml"))),
        "cp1256-declared": ("/rss.xml", Route(body=bbc_variant(
            "bbc-arabic.windows-1256.xml", 1), content_type="application/rss+xml")),
        "cp1256-header": ("/rss.xml", Route(body=bbc_variant(
            "bbc-arabic.windows-1256-undeclared.xml", 2),
            content_type="application/rss+xml; charset=windows-1256")),
        "cp1256-bare": ("/rss.xml", Route(body=bbc_variant(
            "bbc-arabic.windows-1256-undeclared.xml", 3), content_type="application/rss+xml")),
        "titles": ("/rss.xml", Route(body=rss([
            item("&lt;script&gt;alert(1)&lt;/script&gt;عنوان فيه نص برمجي",
                 "https://t.example/1", "1", raw_title=True),
            item("الأمن &amp; السلامة في المدارس", "https://t.example/2", "2", raw_title=True),
            item("<![CDATA[<b>عنوان <i>بوسوم غير متوازنة</p>]]>", "https://t.example/3", "3",
                 raw_title=True),
            item(LONG_TITLE, "https://t.example/4", "4")]))),
        "no-link-no-guid": ("/rss.xml", Route(body=rss([
            item("خبر بلا رابط ولا معرف", description="نص الخبر الذي لا رابط له في الخلاصة."),
            item("خبر ثان بلا رابط", description="نص آخر مختلف تماما عن الخبر الأول.")]))),
        "dup-guid": ("/rss.xml", Route(body=rss([
            item("الخبر الأول بالمعرف المكرر", "https://d.example/1", "same"),
            item("الخبر الثاني بالمعرف نفسه", "https://d.example/2", "same")]))),
        "dates": ("/rss.xml", Route(body=rss([
            item("خبر من المستقبل", "https://f.example/1", "1", date=future),
            item("خبر بلا تاريخ", "https://f.example/2", "2", date=None),
            item("خبر بتاريخ تالف", "https://f.example/3", "3", date="yesterday-ish")]))),
    }


async def test_every_bad_input_in_one_cycle_leaves_the_others_working(
        tmp_path: Path, feed_server_factory: ServerFactory) -> None:
    server = await feed_server_factory("127.0.0.2")
    internal = await feed_server_factory("127.0.0.1")
    internal.add_feed("/secret.xml", rss([item("سر داخلي", "https://i.example/1")]))
    routes = feeds(server, internal)
    # every name is its own host: the per-host cap never couples two feeds
    for name, (path, route) in routes.items():
        server.add(f"/{name.removesuffix('-b')}{path}", route)
    config = PollingConfig(allow_private_addresses=False, timeout_seconds=2.0,
                           max_body_bytes=5_000_000)
    async with open_env(tmp_path, config, options=IngestOptions(extract=False),
                        policy=policy, resolver=resolver) as env:
        urls = {}
        for name, (path, _) in routes.items():
            if name == "loop-b":
                continue
            urls[name] = f"http://{name}.test:{server.port}/{name}{path}"
            await env.add_feed(urls[name], name)

        started = time.monotonic()
        report = await env.poller.poll_due()
        took = time.monotonic() - started
        out = {name: report.by_url()[url] for name, url in urls.items()}

    results = {name: (o.result, o.kind) for name, o in out.items()}
    assert results == {
        "good-cnn": ("ok", None),
        "good-sky": ("ok", None),
        "malformed": ("error", "parse"),
        "malformed-recoverable": ("ok", None),
        "html": ("error", "parse"),
        "empty-feed": ("ok", None),
        "empty-body": ("error", "parse"),
        "huge": ("error", "too_large"),
        "huge-chunked": ("error", "too_large"),
        "slowloris": ("error", "timeout"),
        "loop": ("error", "redirect"),
        "to-localhost": ("error", "blocked"),
        "cp1256-declared": ("ok", None),
        "cp1256-header": ("ok", None),
        "cp1256-bare": ("ok", None),
        "titles": ("ok", None),
        "no-link-no-guid": ("ok", None),
        "dup-guid": ("ok", None),
        "dates": ("ok", None),
    }
    assert not internal.requests()  # the guard refused before connecting
    # the slow feed held only its own slot: the healthy ones finished long before it
    assert out["good-cnn"].seconds < 1.5 and out["good-sky"].seconds < 1.5
    assert out["slowloris"].seconds >= 2.0 and took < 5.0
    assert (out["good-cnn"].stored, out["good-sky"].stored) == (5, 5)
    assert "HTML page" in out["html"].error and "html.test" in out["html"].error
    assert out["malformed-recoverable"].stored == 1
    assert out["empty-feed"].stored == 0

    async with open_env(tmp_path, config) as env:
        feeds_by_name = {f["name"]: f for f in await env.rows("SELECT * FROM feeds")}
        for name, (result, kind) in results.items():
            feed = feeds_by_name[name]
            if result == "ok":
                assert feed["initialized"] == 1 and feed["consecutive_failures"] == 0
            else:  # kept for admins, and backed off
                assert feed["last_error_kind"] == kind and feed["consecutive_failures"] == 1
                assert feed["last_error"].startswith(("fetch:", "parse:")), feed["last_error"]
                assert feed["next_poll_at"] > time.time() + 200
        rows = await env.rows("SELECT * FROM articles")
        names = {f["id"]: n for n, f in feeds_by_name.items()}
        by_feed: dict[str, list[dict]] = {}
        for a in rows:
            by_feed.setdefault(names[a["feed_id"]], []).append(a)
        articles = {a["title"]: a for a in by_feed["titles"]}

    # windows-1256, declared, by header, or not at all: the same Arabic titles as UTF-8
    from bot.parse import parse_feed

    expected = sorted(e.title for e in parse_feed(
        BBC_UTF8, url="https://x/", fetched_at=datetime.now(UTC)).entries)
    for name in ("cp1256-declared", "cp1256-header", "cp1256-bare"):
        assert sorted(a["title"] for a in by_feed[name]) == expected, name
        assert all(a["summary"] for a in by_feed[name])

    titles = sorted(a["title"] for a in by_feed["titles"])
    assert "<" not in "".join(titles) and "alert" not in "".join(titles)
    assert "الأمن & السلامة في المدارس" in titles
    assert "عنوان بوسوم غير متوازنة" in titles
    assert max(len(t) for t in titles) <= 300 and len(titles) == 4
    message = render_article(from_row_dict(articles["الأمن & السلامة في المدارس"]))
    assert "الأمن &amp; السلامة" in message.text  # escaped once, at rendering

    linkless = by_feed["no-link-no-guid"]
    assert len(linkless) == 2 and all(a["url"].startswith("newsbot:feed/") for a in linkless)
    assert render_article(from_row_dict(linkless[0])).buttons == ()  # nothing to share

    dup = sorted((a["url"], a["guid"]) for a in by_feed["dup-guid"])
    assert dup == [("https://d.example/1", None), ("https://d.example/2", None)]

    fetched = {a["title"]: a for a in by_feed["dates"]}
    for title in ("خبر من المستقبل", "خبر بلا تاريخ", "خبر بتاريخ تالف"):
        assert abs(fetched[title]["published_at"] - fetched[title]["fetched_at"]) < 60


def from_row_dict(row: dict) -> Article:
    return from_row(row)  # type: ignore[arg-type]  # a dict reads like a sqlite3.Row
