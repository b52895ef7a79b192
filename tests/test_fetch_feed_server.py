"""The fake feed server itself: generated feeds, the request log, addresses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.config import PollingConfig
from bot.fetch import Fetcher
from bot.parse import parse_feed
from tests.fakes.feed_server import FeedServer, Route, ServerFactory, generated_feed

pytest_plugins = ["tests.fakes.feed_fixtures"]


def test_generated_feed_is_deterministic_and_parses() -> None:
    body = generated_feed(7, items=20)
    assert body == generated_feed(7, items=20)
    assert body != generated_feed(8, items=20)
    feed = parse_feed(body, url="https://news.example.com/7.xml", fetched_at=datetime.now(UTC))
    assert len(feed.entries) == 20
    assert feed.entries[0].url == "https://news.example.com/7/article-0.html"  # utm stripped
    assert len(body) / 20 > 1000  # ~1 KB items, like the NOTES measurement


async def test_one_thousand_generated_feeds_then_all_304() -> None:
    async with FeedServer("127.0.0.1") as server:
        paths = server.add_generated(1000, items=5)
        async with Fetcher(PollingConfig(allow_private_addresses=True, concurrency=32,
                                         per_host_concurrency=32)) as fetcher:
            first = await asyncio.gather(*(fetcher.fetch(server.url(p)) for p in paths))
            second = await asyncio.gather(
                *(fetcher.fetch(server.url(p), etag=r.etag) for p, r in zip(paths, first,
                                                                            strict=True))
            )
    assert {r.status for r in first} == {200}
    assert {r.status for r in second} == {304}
    assert len(server.requests()) == 2000
    assert server.max_in_flight <= 32


async def test_request_log_and_404(feed_server: FeedServer) -> None:
    feed_server.add("/a", Route(body=b"<rss/>"))
    async with Fetcher(PollingConfig(allow_private_addresses=True)) as fetcher:
        await fetcher.fetch(feed_server.url("/a?x=1"), etag='"e"')
        result = await fetcher.fetch(feed_server.url("/nope"), raise_for_status=False)
    assert result.status == 404
    first, second = feed_server.requests()
    assert (first.method, first.path, first.query, first.status) == ("GET", "/a", "x=1", 200)
    assert first.headers["if-none-match"] == '"e"'
    assert first.host == f"127.0.0.1:{feed_server.port}"
    assert first.finished is not None and first.finished >= first.started
    assert second.status == 404
    feed_server.reset_log()
    assert feed_server.requests() == [] and feed_server.max_in_flight == 0


async def test_binds_on_another_loopback_address(feed_server_factory: ServerFactory) -> None:
    server = await feed_server_factory("127.0.0.2")
    server.add("/x", Route(body=b"hi", content_type="text/plain"))
    assert server.base_url.startswith("http://127.0.0.2:")
    async with Fetcher(PollingConfig(allow_private_addresses=True)) as fetcher:
        assert (await fetcher.fetch(server.url("/x"))).body == b"hi"
