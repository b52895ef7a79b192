"""A fake feed / article server for tests and benchmarks (aiohttp, loopback only).

    async with FeedServer("127.0.0.1") as server:
        server.add("/feed.xml", Route(body=xml, etag='"v1"'))
        server.redirect("/old", "/feed.xml")
        url = server.url("/feed.xml")
        ...
        assert server.requests("/feed.xml")[1].headers["if-none-match"] == '"v1"'

Every request is logged (:class:`RequestRecord`: path, headers, start/end times on the
``time.monotonic`` clock, status, bytes sent), and the server tracks how many requests
were in flight at once, overall and per ``Host`` header, so tests can check concurrency
caps. Routes describe normal responses (ETag / Last-Modified -> 304, gzip) and faults:
a delay before the headers, error statuses with Retry-After, a truncated body, an
endless body, a huge body streamed lazily, a slow-loris drip, a gzip bomb, redirects
(chains, loops, to another address), and an abrupt disconnect. :meth:`FeedServer.hold`
keeps the next request for a path waiting until the test releases it.

Not pytest-specific: benchmarks start it in-process too (:func:`generated_feed` makes
deterministic feeds, :meth:`FeedServer.add_generated` serves thousands of them).
The pytest fixtures live in ``tests/fakes/feed_fixtures.py``.
"""

from __future__ import annotations

import asyncio
import gzip as gzip_module
import socket
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Literal
from xml.sax.saxutils import escape

from aiohttp import web

from tests.fakes.telegram_model import Hold

__all__ = [
    "FeedServer",
    "Hold",
    "RequestRecord",
    "Route",
    "ServerFactory",
    "generated_feed",
    "http_date",
]

Fault = Literal["truncate", "endless", "huge", "drip", "gzip_bomb", "disconnect"]

RSS_TYPE = "application/rss+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
_BLOCK = (b"<!-- filler -->" * 4096)[:65536]  # 64 KiB of valid-looking XML for big bodies


#: What the ``feed_server_factory`` fixture gives: ``await factory("127.0.0.2")``.
ServerFactory = Callable[[str], Awaitable["FeedServer"]]


def http_date(when: float | None = None) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) for ``when`` (default now)."""
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(time.time() if when is None else when, UTC)
    return format_datetime(moment, usegmt=True)


@dataclass
class Route:
    """What the server does for one path.

    ``etag`` / ``last_modified`` enable conditional GET (304). ``gzip`` compresses the
    body when the client accepts gzip. ``delay`` waits before sending headers.
    ``fault`` selects a misbehaviour; ``size`` is the body size for ``huge`` and
    ``gzip_bomb`` (and the cut point for ``truncate``, default half the body);
    ``chunked`` sends ``huge`` without a Content-Length; ``drip_interval`` is the pause
    between the bytes of a ``drip``. ``location`` with a 3xx ``status`` is a redirect.
    """

    body: bytes = b""
    status: int = 200
    content_type: str = RSS_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    delay: float = 0.0
    retry_after: str | None = None
    location: str | None = None
    fault: Fault | None = None
    size: int = 50_000_000
    chunked: bool = False
    drip_interval: float = 1.0
    _gzipped: bytes | None = field(default=None, repr=False)


@dataclass
class RequestRecord:
    """One request as the server saw it. Times are ``time.monotonic()`` seconds."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    host: str
    started: float
    finished: float | None = None
    status: int | None = None
    bytes_sent: int = 0


def generated_feed(n: int, items: int = 20, *, base: str = "https://news.example.com") -> bytes:
    """A deterministic RSS 2.0 feed number ``n`` with ``items`` Arabic items (~1 KB each)."""
    words = ("الحكومة", "تعلن", "خطة", "جديدة", "لدعم", "الاقتصاد", "في", "العاصمة", "بعد",
             "اجتماع", "مجلس", "الوزراء", "لمناقشة", "الأوضاع", "الإقليمية", "والدولية")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
        f"<title>مصدر {n}</title><link>{base}/{n}/</link><language>ar</language><ttl>15</ttl>",
    ]
    for i in range(items):
        title = " ".join(words[(n + i + k) % len(words)] for k in range(9))
        lead = " ".join(words[(n * 7 + i + k) % len(words)] for k in range(90))
        parts.append(
            f"<item><title>{escape(title)} {n}-{i}</title>"
            f"<link>{base}/{n}/article-{i}.html?utm_source=rss</link>"
            f'<guid isPermaLink="false">feed-{n}-item-{i}</guid>'
            f"<pubDate>{http_date(1_700_000_000 + n * 1000 + i * 60)}</pubDate>"
            f"<category>عام</category><description>&lt;p&gt;{escape(lead)}&lt;/p&gt;"
            "</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def _gzip_bomb(size: int) -> bytes:
    """gzip of ``size`` zero bytes, built without holding them in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    out = []
    left = size
    while left > 0:
        out.append(compressor.compress(block[: min(left, len(block))]))
        left -= len(block)
    out.append(compressor.flush())
    return b"".join(out)


class FeedServer:
    """The fake server. Bind on ``host`` (127.0.0.1, 127.0.0.2 ...) and a random port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.routes: dict[str, Route] = {}
        self.generators: list[tuple[str, Callable[[str], Route | None]]] = []
        self.log: list[RequestRecord] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.in_flight_by_host: dict[str, int] = {}
        self.max_in_flight_by_host: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._bombs: dict[int, bytes] = {}
        self._holds: dict[str, list[Hold]] = {}

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FeedServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FeedServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- configuration ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str, host: str | None = None) -> str:
        """The URL of ``path``; ``host`` replaces the address (a name a test resolver maps)."""
        return f"http://{host or self.host}:{self.port}{path}"

    def add(self, path: str, route: Route) -> Route:
        self.routes[path] = route
        return route

    def add_feed(self, path: str, body: bytes, **options: object) -> Route:
        """Serve ``body`` as an RSS feed (``options`` are :class:`Route` fields)."""
        return self.add(path, Route(body=body, **options))  # type: ignore[arg-type]

    def add_file(self, path: str, file: str | Path, **options: object) -> Route:
        """Serve a file's bytes (content type from ``options`` or RSS)."""
        return self.add_feed(path, Path(file).read_bytes(), **options)

    def add_html(self, path: str, body: bytes | str, **options: object) -> Route:
        data = body.encode("utf-8") if isinstance(body, str) else body
        options.setdefault("content_type", HTML_TYPE)
        return self.add_feed(path, data, **options)

    def hold(self, path: str) -> Hold:
        """The next request for ``path`` waits until ``hold.release()`` (``hold.arrived``
        is set when it is there), then gets the route as it is at that moment (a test
        can change the body meanwhile)."""
        hold = Hold()
        self._holds.setdefault(path, []).append(hold)
        return hold

    def redirect(self, path: str, location: str, status: int = 302) -> Route:
        """``path`` redirects to ``location`` (a path, or an absolute URL elsewhere)."""
        return self.add(path, Route(status=status, location=location, content_type="text/plain"))

    def redirect_chain(self, paths: Iterable[str], final: str, status: int = 302) -> None:
        """Each path redirects to the next; the last one to ``final``."""
        chain = list(paths)
        for here, there in zip(chain, [*chain[1:], final], strict=True):
            self.redirect(here, there, status)

    def add_generated(
        self, count: int, items: int = 20, prefix: str = "/gen/", etag: bool = True
    ) -> list[str]:
        """Serve ``count`` generated feeds at ``{prefix}{n}.xml`` (built on first request,
        with an ETag when ``etag``); return their paths."""

        def make(path: str) -> Route | None:
            name = path[len(prefix):]
            if not name.endswith(".xml") or not name[:-4].isdigit():
                return None
            n = int(name[:-4])
            if n >= count:
                return None
            return Route(body=generated_feed(n, items), etag=f'"gen-{n}"' if etag else None,
                         last_modified=http_date(1_700_000_000 + n))

        self.generators.append((prefix, make))
        return [f"{prefix}{n}.xml" for n in range(count)]

    # --- the log ---------------------------------------------------------------------------

    def requests(self, path: str | None = None) -> list[RequestRecord]:
        """Logged requests, optionally only those for ``path``."""
        return [r for r in self.log if path is None or r.path == path]

    def reset_log(self) -> None:
        self.log.clear()
        self.max_in_flight = 0
        self.max_in_flight_by_host.clear()

    # --- handling --------------------------------------------------------------------------

    def _route(self, path: str) -> Route | None:
        route = self.routes.get(path)
        if route is not None:
            return route
        for prefix, make in self.generators:
            if path.startswith(prefix):
                made = make(path)
                if made is not None:
                    self.routes[path] = made
                    return made
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query=request.query_string,
            headers={k.lower(): v for k, v in request.headers.items()},
            host=request.headers.get("Host", ""),
            started=time.monotonic(),
        )
        self.log.append(record)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        host = record.host
        self.in_flight_by_host[host] = self.in_flight_by_host.get(host, 0) + 1
        self.max_in_flight_by_host[host] = max(
            self.max_in_flight_by_host.get(host, 0), self.in_flight_by_host[host]
        )
        try:
            return await self._respond(request, record)
        except ConnectionError:
            # The client went away (a cap or deadline did its job) or a fault closed the
            # socket on purpose. Ending the handler like a cancelled one keeps aiohttp
            # from logging a 500 for what is the expected outcome here.
            raise asyncio.CancelledError from None
        finally:
            self.in_flight -= 1
            self.in_flight_by_host[host] -= 1
            record.finished = time.monotonic()

    async def _respond(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        holds = self._holds.get(request.path)
        if holds:
            hold = holds.pop(0)
            hold.arrived.set()
            await hold.released.wait()
        route = self._route(request.path)
        if route is None:
            record.status = 404
            return web.Response(status=404, text="not found")
        if route.delay:
            await asyncio.sleep(route.delay)
        headers = dict(route.headers)
        if route.retry_after is not None:
            headers["Retry-After"] = route.retry_after
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location is not None:
            headers["Location"] = route.location
            record.status = route.status
            return web.Response(status=route.status, headers=headers)
        if route.status == 200 and self._not_modified(request, route):
            record.status = 304
            return web.Response(status=304, headers=headers)
        if route.fault == "disconnect":
            record.status = 0
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("fault: disconnect")
        if route.fault is not None:
            return await self._fault(request, route, headers, record)
        body = route.body
        if route.gzip and "gzip" in request.headers.get("Accept-Encoding", ""):
            if route._gzipped is None:
                route._gzipped = gzip_module.compress(route.body)
            body = route._gzipped
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        record.status = route.status
        record.bytes_sent = len(body)
        return self._plain(route, body, headers)

    @staticmethod
    def _plain(route: Route, body: bytes, headers: dict[str, str]) -> web.Response:
        headers = {**headers, "Content-Type": route.content_type}
        return web.Response(status=route.status, body=body, headers=headers)

    @staticmethod
    def _not_modified(request: web.Request, route: Route) -> bool:
        inm = request.headers.get("If-None-Match")
        if inm is not None:
            if not route.etag:
                return False
            wanted = {tag.strip().removeprefix("W/") for tag in inm.split(",")}
            return "*" in wanted or route.etag.removeprefix("W/") in wanted
        ims = request.headers.get("If-Modified-Since")
        if ims and route.last_modified:
            try:
                return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    async def _fault(
        self, request: web.Request, route: Route, headers: dict[str, str], record: RequestRecord
    ) -> web.StreamResponse:
        headers = {**headers, "Content-Type": route.content_type}
        response = web.StreamResponse(status=route.status, headers=headers)
        record.status = route.status
        if route.fault == "truncate":
            body = route.body
            cut = route.size if route.size < len(body) else len(body) // 2
            response.content_length = len(body)
            await response.prepare(request)
            await response.write(body[:cut])
            record.bytes_sent = cut
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("fault: truncate")
        if route.fault == "gzip_bomb":
            bomb = self._bombs.get(route.size)
            if bomb is None:
                bomb = self._bombs[route.size] = _gzip_bomb(route.size)
            response.headers["Content-Encoding"] = "gzip"
            response.content_length = len(bomb)
            await response.prepare(request)
            await response.write(bomb)
            record.bytes_sent = len(bomb)
            await response.write_eof()
            return response
        if route.fault == "drip":
            await response.prepare(request)
            data = route.body or b"<" + b"x" * 10_000
            for i in range(len(data)):
                await response.write(data[i : i + 1])
                record.bytes_sent += 1
                await asyncio.sleep(route.drip_interval)
            await response.write_eof()
            return response
        # endless / huge
        limit = None if route.fault == "endless" else route.size
        if limit is not None and not route.chunked:
            response.content_length = limit
        await response.prepare(request)
        while limit is None or record.bytes_sent < limit:
            block = _BLOCK if limit is None else _BLOCK[: limit - record.bytes_sent]
            await response.write(block)
            record.bytes_sent += len(block)
        await response.write_eof()
        return response
