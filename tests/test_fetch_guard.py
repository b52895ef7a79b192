"""The SSRF guard: address policy, IP literals, names, redirects, DNS rebinding.

On loopback, 127.0.0.2 plays a public address (an injected policy) while 127.0.0.1 and
everything else follow the production rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest

from bot.config import PollingConfig
from bot.errors import BlockedAddressError, FetchError
from bot.fetch import Fetcher, allow_all, blocked_reason, public_only, system_resolver
from bot.fetch.guard import IPAddress
from tests.fakes.feed_server import FeedServer, Route, ServerFactory, generated_feed

pytest_plugins = ["tests.fakes.feed_fixtures"]

FEED = generated_feed(2, items=3)
GUARDED = PollingConfig(allow_private_addresses=False, timeout_seconds=5.0)


def loopback_2_is_public(ip: IPAddress) -> bool:
    return str(ip) == "127.0.0.2" or public_only(ip)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.255.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250",
        "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
        "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
        "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
        "2001:db8::1",  # documentation
    ],
)
def test_public_only_refuses(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert not public_only(ip)
    assert blocked_reason(ip)
    assert allow_all(ip)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "185.199.108.153",
                                     "2001:4860:4860::8888", "2a00:1450:4001::200e",
                                     "::ffff:8.8.8.8"])
def test_public_only_allows(address: str) -> None:
    assert public_only(ipaddress.ip_address(address))


async def test_system_resolver_resolves_localhost() -> None:
    assert "127.0.0.1" in await system_resolver("localhost", 80) or \
        "::1" in await system_resolver("localhost", 80)


async def test_guard_on_refuses_loopback_literal(feed_server: FeedServer) -> None:
    feed_server.add("/feed.xml", Route(body=FEED))
    async with Fetcher(GUARDED) as fetcher:
        with pytest.raises(BlockedAddressError) as info:
            await fetcher.fetch(feed_server.url("/feed.xml"))
    assert info.value.kind == "blocked"
    assert str(info.value).startswith(f"fetch: {feed_server.url('/feed.xml')}: 127.0.0.1 is")
    assert feed_server.requests() == []


@pytest.mark.parametrize("host", ["localhost", "[::ffff:127.0.0.1]", "[::1]", "0.0.0.0"])
async def test_guard_on_refuses_loopback_spellings(host: str) -> None:
    async with Fetcher(GUARDED) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(f"http://{host}:9/feed")
    assert info.value.kind == "blocked"


async def test_guard_off_allows_loopback(feed_server: FeedServer) -> None:
    feed_server.add("/feed.xml", Route(body=FEED))
    async with Fetcher(PollingConfig(allow_private_addresses=True)) as fetcher:
        assert (await fetcher.fetch(feed_server.url("/feed.xml"))).body == FEED


async def test_redirect_to_127_0_0_1_with_the_guard_on(
    feed_server_factory: ServerFactory,
) -> None:
    public = await feed_server_factory("127.0.0.2")
    private = await feed_server_factory("127.0.0.1")
    private.add("/secret", Route(body=b"internal admin page"))
    public.add("/ok.xml", Route(body=FEED))
    public.redirect("/feed.xml", private.url("/secret"))
    async with Fetcher(GUARDED, address_policy=loopback_2_is_public) as fetcher:
        assert (await fetcher.fetch(public.url("/ok.xml"))).body == FEED  # 127.0.0.2 is fine
        with pytest.raises(BlockedAddressError) as info:
            await fetcher.fetch(public.url("/feed.xml"))
    message = str(info.value)
    assert message.startswith(f"fetch: {public.url('/feed.xml')}: redirect to ")
    assert "127.0.0.1 is loopback" in message
    assert private.requests() == []  # never contacted
    assert [r.path for r in public.requests()] == ["/ok.xml", "/feed.xml"]


async def test_redirect_to_a_name_that_resolves_private(
    feed_server_factory: ServerFactory,
) -> None:
    public = await feed_server_factory("127.0.0.2")
    private = await feed_server_factory("127.0.0.1")
    private.add("/secret", Route(body=b"internal"))
    names = {"news.test": ["127.0.0.2"], "intranet.test": ["127.0.0.1"]}

    async def resolve(host: str, port: int) -> list[str]:
        return names[host]

    public.redirect("/feed.xml", private.url("/secret", host="intranet.test"))
    async with Fetcher(GUARDED, address_policy=loopback_2_is_public, resolver=resolve) as f:
        with pytest.raises(BlockedAddressError) as info:
            await f.fetch(public.url("/feed.xml", host="news.test"))
    assert "intranet.test resolves only to refused addresses: 127.0.0.1 (loopback)" in str(
        info.value
    )
    assert str(info.value).startswith("fetch: http://news.test:")
    assert private.requests() == []


def _rebinding_resolver(answers: list[list[str]]) -> tuple[Callable, list[str]]:
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[min(len(calls), len(answers)) - 1]

    return resolve, calls


async def test_dns_rebinding_connects_only_to_the_checked_address(
    feed_server_factory: ServerFactory,
) -> None:
    """First answer public, later answers private: each connection uses the address its
    own check passed, and the private server never sees a request."""
    public = await feed_server_factory("127.0.0.2")
    private = await feed_server_factory("127.0.0.1")
    public.add("/feed.xml", Route(body=FEED))
    resolve, calls = _rebinding_resolver([["127.0.0.2"], ["127.0.0.1"]])
    async with Fetcher(GUARDED, address_policy=loopback_2_is_public, resolver=resolve,
                       dns_cache_seconds=0) as fetcher:
        first = await fetcher.fetch(public.url("/feed.xml", host="rebind.test"))
        assert first.body == FEED
        # Keep-alive would reuse the checked connection; force a new one.
        await fetcher.close()
    async with Fetcher(GUARDED, address_policy=loopback_2_is_public, resolver=resolve,
                       dns_cache_seconds=0) as fetcher:
        with pytest.raises(BlockedAddressError):
            await fetcher.fetch(public.url("/feed.xml", host="rebind.test"))
    assert calls == ["rebind.test", "rebind.test"]  # one resolution per connection
    assert private.requests() == []


async def test_mixed_answers_use_only_the_allowed_address(
    feed_server_factory: ServerFactory,
) -> None:
    public = await feed_server_factory("127.0.0.2")
    public.add("/feed.xml", Route(body=FEED))

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1", "10.0.0.1", "127.0.0.2"]

    async with Fetcher(GUARDED, address_policy=loopback_2_is_public, resolver=resolve) as f:
        for _ in range(3):
            assert (await f.fetch(public.url("/feed.xml", host="mixed.test"))).body == FEED
    assert len(public.requests()) == 3


async def test_resolver_returning_garbage_is_blocked() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["not-an-ip"]

    async with Fetcher(GUARDED, resolver=resolve) as f:
        with pytest.raises(BlockedAddressError):
            await f.fetch("http://weird.test/feed")
