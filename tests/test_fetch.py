"""Fetcher through the fake feed server: conditional GET, compression, caps, timeouts,
concurrency, redirects, status errors. The SSRF guard has its own module."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import PollingConfig
from bot.errors import FetchError, ParseError
from bot.fetch import Fetcher, FetchStatusError
from bot.parse import parse_feed
from tests.fakes.feed_server import FeedServer, Route, generated_feed, http_date

pytest_plugins = ["tests.fakes.feed_fixtures"]

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
FEED = generated_feed(1, items=5)


def config(**overrides: object) -> PollingConfig:
    values: dict[str, object] = {
        "allow_private_addresses": True,
        "timeout_seconds": 5.0,
        "max_body_bytes": 1_000_000,
        "concurrency": 16,
        "per_host_concurrency": 4,
    }
    values.update(overrides)
    return PollingConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(config()) as f:
        yield f


async def test_plain_fetch(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/feed.xml", Route(body=FEED, etag='"v1"', last_modified=http_date(1e9),
                                       headers={"Cache-Control": "public, max-age=300"}))
    result = await fetcher.fetch(feed_server.url("/feed.xml"))
    assert result.status == 200
    assert result.url == feed_server.url("/feed.xml")
    assert result.body == FEED
    assert result.etag == '"v1"'
    assert result.last_modified == "Sun, 09 Sep 2001 01:46:40 GMT"
    assert result.max_age == 300
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert all(key == key.lower() for key in result.headers)
    assert 0 < result.elapsed < 5
    assert result.redirects == ()
    sent = feed_server.requests("/feed.xml")[0].headers
    assert sent["user-agent"].startswith("newsbot/")
    assert "application/rss+xml" in sent["accept"]
    assert "if-none-match" not in sent and "if-modified-since" not in sent


async def test_304_round_trip_with_etag(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/feed.xml", Route(body=FEED, etag='"abc"'))
    first = await fetcher.fetch(feed_server.url("/feed.xml"))
    second = await fetcher.fetch(feed_server.url("/feed.xml"), etag=first.etag,
                                 last_modified=first.last_modified)
    assert second.status == 304 and second.not_modified
    assert second.body is None
    assert second.etag == '"abc"'
    log = feed_server.requests("/feed.xml")
    assert log[1].headers["if-none-match"] == '"abc"'
    assert log[1].status == 304


async def test_304_round_trip_with_last_modified(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    stamp = http_date(1_500_000_000)
    feed_server.add("/feed.xml", Route(body=FEED, last_modified=stamp))
    first = await fetcher.fetch(feed_server.url("/feed.xml"))
    assert first.etag is None and first.last_modified == stamp
    second = await fetcher.fetch(feed_server.url("/feed.xml"), last_modified=first.last_modified)
    assert second.status == 304 and second.body is None
    assert second.last_modified == stamp
    assert feed_server.requests("/feed.xml")[1].headers["if-modified-since"] == stamp
    # A newer resource is served in full again.
    feed_server.routes["/feed.xml"].last_modified = http_date(1_600_000_000)
    third = await fetcher.fetch(feed_server.url("/feed.xml"), last_modified=stamp)
    assert third.status == 200 and third.body == FEED


async def test_304_without_validators_keeps_the_sent_ones(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add("/feed.xml", Route(status=304))
    result = await fetcher.fetch(feed_server.url("/feed.xml"), etag='"x"', last_modified="then")
    assert result.not_modified
    assert (result.etag, result.last_modified) == ('"x"', "then")


async def test_gzip(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/feed.xml", Route(body=FEED, gzip=True))
    result = await fetcher.fetch(feed_server.url("/feed.xml"))
    assert result.headers["content-encoding"] == "gzip"
    assert result.body == FEED
    assert "gzip" in feed_server.requests()[0].headers["accept-encoding"]
    assert feed_server.requests()[0].bytes_sent < len(FEED)


@pytest.mark.parametrize("wrap", ["zlib", "raw", "gzip-members"])
async def test_deflate_variants(feed_server: FeedServer, fetcher: Fetcher, wrap: str) -> None:
    if wrap == "zlib":
        body, coding = zlib.compress(FEED), "deflate"
    elif wrap == "raw":
        obj = zlib.compressobj(wbits=-15)
        body, coding = obj.compress(FEED) + obj.flush(), "deflate"
    else:
        half = len(FEED) // 2
        body, coding = gzip.compress(FEED[:half]) + gzip.compress(FEED[half:]), "gzip"
    feed_server.add("/f", Route(body=body, headers={"Content-Encoding": coding}))
    assert (await fetcher.fetch(feed_server.url("/f"))).body == FEED


async def test_unknown_or_broken_encoding_is_a_protocol_error(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add("/br", Route(body=b"xx", headers={"Content-Encoding": "br"}))
    feed_server.add("/bad", Route(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    for path in ("/br", "/bad"):
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(feed_server.url(path))
        assert info.value.kind == "protocol"


# --- size caps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [
        Route(fault="huge"),  # 50 MB with Content-Length
        Route(fault="huge", chunked=True),  # 50 MB chunked
        Route(fault="endless"),
        Route(fault="gzip_bomb"),  # ~50 KB on the wire, 50 MB inflated
    ],
    ids=["declared-50MB", "chunked-50MB", "endless", "gzip-bomb"],
)
async def test_body_cap_aborts_early(feed_server: FeedServer, route: Route) -> None:
    feed_server.add("/big", route)
    async with Fetcher(config(max_body_bytes=5_000_000)) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(feed_server.url("/big"))
        took = time.monotonic() - started
    assert info.value.kind == "too_large"
    assert str(info.value).startswith(f"fetch: {feed_server.url('/big')}: ")
    assert took < 3
    await asyncio.sleep(0.05)  # let the server notice the disconnect
    assert feed_server.requests("/big")[0].bytes_sent < 20_000_000


async def test_declared_length_over_cap_reads_nothing(feed_server: FeedServer) -> None:
    feed_server.add("/big", Route(fault="huge"))
    async with Fetcher(config(max_body_bytes=5_000_000)) as fetcher:
        with pytest.raises(FetchError, match="50000000 bytes declared"):
            await fetcher.fetch(feed_server.url("/big"))


async def test_body_at_the_cap_is_fine(feed_server: FeedServer) -> None:
    body = b"x" * 10_000
    feed_server.add("/exact", Route(body=body))
    feed_server.add("/over", Route(body=body + b"x"))
    feed_server.add("/over-gz", Route(body=body + b"x", gzip=True))
    async with Fetcher(config(max_body_bytes=10_000)) as fetcher:
        assert (await fetcher.fetch(feed_server.url("/exact"))).body == body
        for path in ("/over", "/over-gz"):
            with pytest.raises(FetchError) as info:
                await fetcher.fetch(feed_server.url(path))
            assert info.value.kind == "too_large"


# --- timeouts ----------------------------------------------------------------------------


async def test_slow_loris_is_stopped_by_the_total_deadline(feed_server: FeedServer) -> None:
    feed_server.add("/drip", Route(fault="drip", drip_interval=0.1))
    async with Fetcher(config(timeout_seconds=1.0)) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(feed_server.url("/drip"))
        took = time.monotonic() - started
    assert info.value.kind == "timeout"
    assert "total deadline" in str(info.value)
    assert 0.9 < took < 2.0
    assert feed_server.requests("/drip")[0].bytes_sent >= 5  # it was dripping, not silent


async def test_read_timeout(feed_server: FeedServer) -> None:
    feed_server.add("/slow", Route(body=FEED, delay=2.0))
    async with Fetcher(config(timeout_seconds=5.0), read_timeout=0.3) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(feed_server.url("/slow"))
    assert info.value.kind == "timeout"
    assert "read timeout" in str(info.value)
    assert time.monotonic() - started < 1.5


async def test_total_deadline_covers_slow_headers(feed_server: FeedServer) -> None:
    feed_server.add("/slow", Route(body=FEED, delay=3.0))
    async with Fetcher(config(timeout_seconds=0.5)) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(feed_server.url("/slow"))
    assert info.value.kind == "timeout"


async def test_connection_refused(fetcher: Fetcher) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert info.value.kind == "connect"
    assert str(info.value).startswith(f"fetch: http://127.0.0.1:{port}/feed: ")


# --- concurrency -------------------------------------------------------------------------


async def test_per_host_cap(feed_server: FeedServer) -> None:
    feed_server.add("/slow", Route(body=FEED, delay=0.2))
    async with Fetcher(config(concurrency=10, per_host_concurrency=2)) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(feed_server.url("/slow")) for _ in range(6))
        )
    assert all(r.status == 200 for r in results)
    assert feed_server.max_in_flight == 2
    starts = sorted(r.started for r in feed_server.requests("/slow"))
    assert starts[-1] - starts[0] >= 0.35  # three waves of two


async def test_global_cap_across_hosts(feed_server: FeedServer) -> None:
    feed_server.add("/slow", Route(body=FEED, delay=0.2))
    hosts = [f"h{i}.test" for i in range(8)]

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    async with Fetcher(config(concurrency=3, per_host_concurrency=2), resolver=resolve) as f:
        results = await asyncio.gather(*(f.fetch(feed_server.url("/slow", host=h)) for h in hosts))
    assert len(results) == 8
    assert feed_server.max_in_flight == 3
    seen_hosts = {r.host.split(":")[0] for r in feed_server.requests("/slow")}
    assert seen_hosts == set(hosts)
    assert all(n == 1 for n in feed_server.max_in_flight_by_host.values())


# --- status codes ------------------------------------------------------------------------


async def test_503_with_retry_after_seconds(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/busy", Route(status=503, retry_after="120", body=b"busy"))
    with pytest.raises(FetchStatusError) as info:
        await fetcher.fetch(feed_server.url("/busy"))
    error = info.value
    assert (error.kind, error.status, error.retry_after) == ("status", 503, 120.0)
    assert str(error).startswith(f"fetch: {feed_server.url('/busy')}: HTTP 503")
    assert isinstance(error, FetchError)


async def test_429_with_retry_after_http_date(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/slow-down", Route(status=429, retry_after=http_date(time.time() + 90)))
    with pytest.raises(FetchStatusError) as info:
        await fetcher.fetch(feed_server.url("/slow-down"))
    assert info.value.retry_after is not None
    assert 80 <= info.value.retry_after <= 91


async def test_500_and_404(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/boom", Route(status=500))
    for path, status in (("/boom", 500), ("/missing", 404)):
        with pytest.raises(FetchStatusError) as info:
            await fetcher.fetch(feed_server.url(path))
        assert info.value.status == status
        assert info.value.retry_after is None


async def test_error_status_without_raising(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/busy", Route(status=503, retry_after="5", body=b"come back later"))
    result = await fetcher.fetch(feed_server.url("/busy"), raise_for_status=False)
    assert (result.status, result.body, result.retry_after) == (503, b"come back later", 5.0)


# --- broken responses --------------------------------------------------------------------


async def test_truncated_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/cut", Route(body=FEED, fault="truncate"))
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(feed_server.url("/cut"))
    assert info.value.kind == "protocol"


async def test_disconnect_before_response(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/gone", Route(fault="disconnect"))
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(feed_server.url("/gone"))
    assert info.value.kind == "protocol"


async def test_html_instead_of_a_feed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add_html("/feed", "<!DOCTYPE html><html><body><p>صفحة</p></body></html>")
    result = await fetcher.fetch(feed_server.url("/feed"))
    assert result.content_type.startswith("text/html")
    with pytest.raises(ParseError, match="HTML page"):
        parse_feed(result.body or b"", url=result.url, headers=result.headers,
                   fetched_at=datetime.now(UTC))


@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/xml; charset=windows-1256",
                                          "text/xml"])
async def test_fetch_and_parse_undeclared_windows_1256(
    feed_server: FeedServer, fetcher: Fetcher, content_type: str
) -> None:
    feed_server.add_file("/cp1256.xml", FIXTURES / "bbc-arabic.windows-1256-undeclared.xml",
                         content_type=content_type, gzip=True)
    result = await fetcher.fetch(feed_server.url("/cp1256.xml"))
    feed = parse_feed(result.body or b"", url=result.url, headers=result.headers,
                      fetched_at=datetime.now(UTC))
    assert feed.entries[0].title.startswith("الفيدرالية العربية لحقوق الإنسان")


# --- redirects ---------------------------------------------------------------------------


async def test_redirect_chain(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/final.xml", Route(body=FEED, etag='"e"'))
    feed_server.redirect_chain(["/a", "/b", "/c"], "/final.xml", status=301)
    result = await fetcher.fetch(feed_server.url("/a"), etag='"old"')
    assert result.url == feed_server.url("/final.xml")
    assert result.body == FEED
    assert result.redirects == tuple((301, feed_server.url(p)) for p in ("/a", "/b", "/c"))
    assert result.permanent_url == feed_server.url("/final.xml")
    # validators go along on every hop
    assert all(r.headers.get("if-none-match") == '"old"' for r in feed_server.requests())


async def test_temporary_redirect_is_not_permanent(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add("/final.xml", Route(body=FEED))
    feed_server.redirect("/a", "/b", 301)
    feed_server.redirect("/b", feed_server.url("/final.xml"), 302)
    result = await fetcher.fetch(feed_server.url("/a"))
    assert result.permanent_url is None
    assert result.url == feed_server.url("/final.xml")


async def test_redirect_loop(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.redirect("/loop1", "/loop2")
    feed_server.redirect("/loop2", "/loop1")
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(feed_server.url("/loop1"))
    assert info.value.kind == "redirect"
    assert "loop" in str(info.value)
    assert len(feed_server.requests()) == 2


async def test_self_redirect_is_a_loop(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.redirect("/self", "/self#again")
    with pytest.raises(FetchError, match="loop"):
        await fetcher.fetch(feed_server.url("/self"))


async def test_too_many_redirects(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/final.xml", Route(body=FEED))
    feed_server.redirect_chain([f"/r{i}" for i in range(6)], "/final.xml")
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(feed_server.url("/r0"))
    assert info.value.kind == "redirect"
    assert "more than 5 redirects" in str(info.value)
    # five redirects are fine
    assert (await fetcher.fetch(feed_server.url("/r1"))).body == FEED


@pytest.mark.parametrize("location", ["ftp://example.com/feed", "file:///etc/passwd",
                                      "javascript:alert(1)"])
async def test_redirect_to_another_scheme(
    feed_server: FeedServer, fetcher: Fetcher, location: str
) -> None:
    feed_server.redirect("/r", location)
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(feed_server.url("/r"))
    assert info.value.kind == "redirect"


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "feed.xml",
                                 "http:///nohost"])
async def test_bad_urls(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(url)
    assert info.value.kind == "protocol"
    assert str(info.value).startswith(f"fetch: {url}: ")


async def test_dns_failure() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        raise OSError(f"no such host {host}")

    async with Fetcher(config(), resolver=resolve) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch("http://nowhere.test/feed")
    assert info.value.kind == "dns"
    assert str(info.value).startswith("fetch: http://nowhere.test/feed: DNS")


async def test_fetch_after_close_fails(feed_server: FeedServer) -> None:
    fetcher = Fetcher(config())
    await fetcher.close()
    with pytest.raises(RuntimeError):
        await fetcher.fetch(feed_server.url("/x"))
