"""Servers that speak broken HTTP on purpose (raw sockets on 127.0.0.1, found by fuzzing
the fetcher): bytes that are not UTF-8 in the status line, validators with control
characters or of 8 KB, a Retry-After of 400 digits, a redirect to invalid punycode, a cut
gzip stream. Each is a failure of the right kind, recorded, or a value dropped; none an
exception that leaves the feed stuck."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.config import PollingConfig
from bot.errors import FetchError
from bot.fetch import Fetcher, FetchStatusError, parse_retry_after
from bot.fetch.headers import MAX_VALIDATOR, validator
from bot.ingest import IngestOptions
from tests.fixtures.ingest.site import item, open_env, rss

FEED = rss([item("خبر أول", "https://x.example/1")])
CONFIG = PollingConfig(allow_private_addresses=True, timeout_seconds=3, push_max_age_hours=0)

Reply = Callable[[int], bytes]  # the n-th request's (0-based) raw response


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[Reply], asyncio.Future]]:
    """``url = await raw_server(reply)``: a server that answers request n with
    ``reply(n)`` and closes; it records the raw requests in ``url.requests``."""
    servers: list[asyncio.AbstractServer] = []

    async def start(reply: Reply) -> str:
        requests: list[bytes] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                requests.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(reply(len(requests) - 1))
                await writer.drain()
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        url = _Url(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed")
        url.requests = requests
        return url

    yield start  # type: ignore[misc]
    for server in servers:
        server.close()
        await server.wait_closed()


class _Url(str):
    requests: list[bytes]


async def fetch_error(url: str) -> FetchError:
    async with Fetcher(CONFIG) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url)
    return info.value


def ok(headers: bytes = b"", body: bytes = FEED) -> bytes:
    return (b"HTTP/1.1 200 OK\r\n" + headers + b"Content-Length: %d\r\nConnection: close\r\n\r\n"
            % len(body) + body)


async def test_a_status_line_that_is_not_utf8_is_recorded_as_a_failure(
        tmp_path: Path, raw_server: Callable[[Reply], asyncio.Future]) -> None:
    """aiohttp decodes the reason phrase with surrogateescape; the error text could not be
    written to SQLite, so the failure went unrecorded: no backoff, the feed polled again
    at every tick, never disabled."""
    url = await raw_server(lambda n: b"HTTP/1.1 503 Busy \xff\r\nContent-Length: 0\r\n"
                                     b"Connection: close\r\n\r\n")
    async with open_env(tmp_path, CONFIG, options=IngestOptions(extract=False)) as env:
        feed = await env.add_feed(url)
        await env.poller.poll_due()
        [row] = await env.rows("SELECT consecutive_failures, last_error_kind, last_error,"
                               " next_poll_at FROM feeds WHERE id = ?", feed)
        assert (row["consecutive_failures"], row["last_error_kind"]) == (1, "status")
        assert row["last_error"].endswith("HTTP 503 Busy \ufffd") and row["next_poll_at"] > 0


@pytest.mark.parametrize("header", [b'ETag: "a\x01b"\r\n', b'ETag: "\xff"\r\n',
                                    b"Last-Modified: \xffday\r\n",
                                    b'ETag: "' + b"a" * 8100 + b'"\r\n'])
async def test_a_validator_not_worth_sending_back_is_dropped(
        tmp_path: Path, raw_server: Callable[[Reply], asyncio.Future], header: bytes) -> None:
    """A control character in the stored ETag made every later request fail in aiohttp
    (an 'internal' error, forever, the server never asked again); a byte that is not
    UTF-8 failed the database write at every poll (nothing stored); an 8 KB ETag was sent
    back at every poll."""
    url = await raw_server(lambda n: ok(header))
    async with open_env(tmp_path, CONFIG, options=IngestOptions(extract=False)) as env:
        feed = await env.add_feed(url)
        for _ in range(2):
            await env.poller.poll_due()
            await env.storage.polling.mark_due(feed)
        [row] = await env.rows("SELECT consecutive_failures, etag, last_modified FROM feeds"
                               " WHERE id = ?", feed)
        assert row == {"consecutive_failures": 0, "etag": None, "last_modified": None}
        assert len(await env.rows("SELECT id FROM articles")) == 1
    assert len(url.requests) == 2
    assert all(b"If-None-Match" not in r and b"If-Modified-Since" not in r
               for r in url.requests)


def test_validators_kept_and_refused() -> None:
    assert validator(' "abc-123" ') == '"abc-123"'
    assert validator("Wed, 21 Oct 2015 07:28:00 GMT") == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert validator("W/" + "a" * (MAX_VALIDATOR - 2)) is not None
    for bad in ("", '"a\x01b"', '"a\x7fb"', "\udcff", "خبر", "a" * (MAX_VALIDATOR + 1)):
        assert validator(bad) is None
    assert validator(None) is None


async def test_a_stored_validator_with_a_control_character_is_not_sent(
        raw_server: Callable[[Reply], asyncio.Future]) -> None:
    """Rows stored before validators were checked: the request goes without it."""
    url = await raw_server(lambda n: ok())
    async with Fetcher(CONFIG) as fetcher:
        result = await fetcher.fetch(url, etag='"a\x01b"', last_modified="x" * 8000)
    assert result.status == 200 and b"If-" not in url.requests[0]


def test_a_retry_after_of_hundreds_of_digits_is_capped() -> None:
    """float(int("9" * 400)) raised OverflowError, int("9" * 5000) ValueError: an
    'internal' error with a traceback, whatever the status."""
    assert parse_retry_after("9" * 400) == 1e9
    assert parse_retry_after("9" * 5000) == 1e9
    assert parse_retry_after("120") == 120.0


async def test_a_retry_after_of_hundreds_of_digits_is_no_fetch_error(
        raw_server: Callable[[Reply], asyncio.Future]) -> None:
    url = await raw_server(lambda n: ok(b"Retry-After: " + b"9" * 400 + b"\r\n"))
    async with Fetcher(CONFIG) as fetcher:
        assert (await fetcher.fetch(url)).status == 200


async def test_a_redirect_to_invalid_punycode_is_a_redirect_error(
        raw_server: Callable[[Reply], asyncio.Future]) -> None:
    """yarl decodes IDNA lazily, outside the fetcher's checks: a bare UnicodeError."""
    url = await raw_server(lambda n: b"HTTP/1.1 302 Found\r\nLocation: http://xn--zz--.com/f"
                                     b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    error = await fetch_error(url)
    assert error.kind == "redirect" and "invalid host" in str(error)


async def test_a_cut_gzip_stream_is_a_protocol_error(
        raw_server: Callable[[Reply], asyncio.Future]) -> None:
    """A gzip body without its end was taken as a whole 200: a feed cut at 60 % stored
    7 of its 20 items as if that was all; a cut plain body is already an error."""
    body = b"<rss>" + b"<item>news</item>" * 5000 + b"</rss>"
    cut = gzip.compress(body)[:-40]
    url = await raw_server(lambda n: ok(b"Content-Encoding: gzip\r\n", cut))
    error = await fetch_error(url)
    assert error.kind == "protocol" and "cut off" in str(error)
    whole = await raw_server(lambda n: ok(b"Content-Encoding: gzip\r\n", gzip.compress(body)))
    async with Fetcher(CONFIG) as fetcher:
        assert (await fetcher.fetch(whole)).body == body


async def test_status_error_text_is_storable(
        raw_server: Callable[[Reply], asyncio.Future]) -> None:
    url = await raw_server(lambda n: b"HTTP/1.1 500 \xe9chec\r\nContent-Length: 0\r\n"
                                     b"Connection: close\r\n\r\n")
    error = await fetch_error(url)
    assert isinstance(error, FetchStatusError)
    str(error).encode("utf-8")  # no lone surrogate left


async def test_two_content_encoding_headers_are_two_codings(
        raw_server: Callable[[Reply], asyncio.Future]) -> None:
    """Only the first header was read: a body gzipped twice was decoded once and the poll
    ended as a parse error; as one header ("gzip, gzip") it is a protocol error."""
    twice = gzip.compress(gzip.compress(FEED))
    url = await raw_server(lambda n: ok(b"Content-Encoding: gzip\r\nContent-Encoding: gzip\r\n",
                                        twice))
    error = await fetch_error(url)
    assert error.kind == "protocol" and "unsupported Content-Encoding gzip, gzip" in str(error)
