"""The HTTP client for feeds and article pages, with the SSRF guard built in.

Library: aiohttp. Its ``AbstractResolver`` hook is the one documented place where every
connection's addresses come from, and the connector connects to exactly the addresses
the resolver returned (TLS still verifies the URL's host name). Putting the SSRF check in
the resolver therefore pins each connection to the address that was checked: no
DNS-rebinding window between check and connect. IP-literal hosts skip the resolver, so
they are checked here, on every redirect hop. Redirects are followed by hand (each hop
re-checked, loops detected); bodies are read raw and inflated by our own bounded
decoders, so the size cap counts decompressed bytes too (gzip bombs).
httpx (already present through python-telegram-bot) would need a custom httpcore network
backend plus a hand-written transport around httpcore's pool to do the same.

Limits: a global concurrency cap (``polling.concurrency``) and a per-host cap
(``polling.per_host_concurrency``), both held per hop; a connect timeout, a read timeout
(longest silence between two reads) and a total deadline (``polling.timeout_seconds``,
from the moment the first hop gets its slots) that also stops a server dripping one byte
a second; ``polling.max_body_bytes`` on the declared length, the raw stream and the
decoded stream.

Every failure is a :class:`FetchError` whose message starts ``fetch: URL:`` and whose
``kind`` is one of dns, connect, timeout, status, too_large, redirect, blocked, tls,
protocol. HTTP error statuses raise :class:`FetchStatusError` (kind ``status``), which
also carries ``retry_after``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot import __version__
from bot.config import PollingConfig
from bot.errors import BlockedAddressError, FetchError
from bot.fetch.decode import ACCEPT_ENCODING, UnsupportedEncoding, make_decoder
from bot.fetch.guard import (
    AddressPolicy,
    Resolver,
    allow_all,
    blocked_reason,
    public_only,
    system_resolver,
)
from bot.fetch.headers import clean_header_text, parse_max_age, parse_retry_after, validator

__all__ = [
    "DEFAULT_USER_AGENT",
    "FEED_ACCEPT",
    "HTML_ACCEPT",
    "FetchResult",
    "FetchStatusError",
    "Fetcher",
]

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = f"newsbot/{__version__} (+https://github.com/newsbot; feed reader)"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One completed fetch.

    ``url`` is the final URL after redirects and ``redirects`` the (status, URL) hops
    before it. ``body`` is the decoded body, or None on 304 Not Modified. ``etag`` and
    ``last_modified`` are the validators to send next time: on a 304 without them, the
    ones that were sent. ``retry_after`` is in seconds; ``max_age`` comes from
    Cache-Control; ``elapsed`` is seconds from the first hop's connection slot to the end.
    """

    url: str
    status: int
    headers: dict[str, str]
    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None
    max_age: int | None = None
    elapsed: float = 0.0
    redirects: tuple[tuple[int, str], ...] = field(default=())

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def permanent_url(self) -> str | None:
        """The new URL when every redirect was permanent (301/308): worth storing."""
        if self.redirects and all(status in (301, 308) for status, _ in self.redirects):
            return self.url
        return None


class FetchStatusError(FetchError):
    """The server answered with an HTTP error status (kind ``status``)."""

    def __init__(self, message: str, result: FetchResult) -> None:
        super().__init__(message, kind="status", status=result.status)
        self.result = result
        self.retry_after = result.retry_after


class _GuardedResolver(AbstractResolver):
    """aiohttp resolver: resolve, then keep only the addresses the policy allows."""

    def __init__(self, resolve: Resolver, policy: AddressPolicy) -> None:
        self._resolve = resolve
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self._resolve(host, port)
        if not addresses:
            raise OSError(f"{host} has no addresses")
        allowed: list[ResolveResult] = []
        refused: list[str] = []
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.split("%", 1)[0])
            except ValueError:
                refused.append(f"{address} (not an IP address)")
                continue
            if not self._policy(ip):
                refused.append(f"{address} ({blocked_reason(ip) or 'refused by policy'})")
                continue
            allowed.append(
                {
                    "hostname": host,
                    "host": str(ip),
                    "port": port,
                    "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                }
            )
        if not allowed:
            raise BlockedAddressError(f"{host} resolves only to refused addresses: "
                                      + ", ".join(refused))
        return allowed

    async def close(self) -> None:
        return None


class _HostSlots:
    """Per-host semaphores, created on demand and dropped when idle."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        sem, users = self._slots.get(host) or (asyncio.Semaphore(self._limit), 0)
        self._slots[host] = (sem, users + 1)
        try:
            async with sem:
                yield
        finally:
            sem, users = self._slots[host]
            if users <= 1:
                del self._slots[host]
            else:
                self._slots[host] = (sem, users - 1)


class _Redirect(Exception):
    def __init__(self, status: int, location: str) -> None:
        self.status = status
        self.location = location


class Fetcher:
    """An async HTTP client for feeds and article pages. One per process; ``close()`` it.

    ``address_policy`` and ``resolver`` are injectable for tests; by default the policy
    is :func:`public_only` unless ``config.allow_private_addresses`` (then everything is
    allowed), and names resolve with getaddrinfo. ``dns_cache_seconds`` is how long a
    checked resolution is reused (0 disables the cache).
    """

    def __init__(
        self,
        config: PollingConfig,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        address_policy: AddressPolicy | None = None,
        resolver: Resolver | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_redirects: int = 5,
        dns_cache_seconds: float = 60.0,
    ) -> None:
        self.config = config
        self.user_agent = user_agent
        if address_policy is None:
            address_policy = allow_all if config.allow_private_addresses else public_only
        self._policy = address_policy
        self._resolver = resolver or system_resolver
        self._total = float(config.timeout_seconds)
        self._connect_timeout = connect_timeout or min(10.0, self._total)
        self._read_timeout = read_timeout or min(10.0, self._total)
        self._max_redirects = max_redirects
        self._max_body = config.max_body_bytes
        self._dns_cache_seconds = dns_cache_seconds
        self._global = asyncio.Semaphore(config.concurrency)
        self._hosts = _HostSlots(config.per_host_concurrency)
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool. The fetcher cannot be used afterwards."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("Fetcher is closed")
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=_GuardedResolver(self._resolver, self._policy),
                use_dns_cache=self._dns_cache_seconds > 0,
                ttl_dns_cache=int(self._dns_cache_seconds) or None,
                limit=0,  # our own semaphores do the limiting
                limit_per_host=0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,  # never send feed requests through an environment proxy
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self._connect_timeout, sock_read=self._read_timeout
                ),
                headers={"User-Agent": self.user_agent},
            )
        return self._session

    # --- the request loop ---------------------------------------------------------------

    def _target(self, original: str, raw: str, hop: int) -> URL:
        """Parse and check one hop's URL: scheme, host, and an IP-literal host's address."""
        kind = "redirect" if hop else "protocol"
        try:
            url = URL(raw)
        except (ValueError, TypeError) as exc:
            raise FetchError(f"fetch: {original}: invalid URL {raw!r} ({exc})", kind) from None
        if url.scheme not in ("http", "https"):
            what = "redirect to" if hop else "unsupported URL"
            raise FetchError(f"fetch: {original}: {what} {raw!r}: only http and https", kind)
        try:
            host = url.host  # decoded from IDNA lazily: "xn--zz--.com" raises here
        except (UnicodeError, ValueError) as exc:
            raise FetchError(f"fetch: {original}: invalid host in {raw!r} ({exc})",
                             kind) from None
        if not host:
            raise FetchError(f"fetch: {original}: no host in {raw!r}", kind)
        try:
            ip = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        except ValueError:
            return url
        if not self._policy(ip):
            reason = blocked_reason(ip) or "refused by policy"
            where = f"redirect to {raw}: " if hop else ""
            raise BlockedAddressError(
                f"fetch: {original}: {where}{ip} is {reason} (refused by the SSRF guard)"
            )
        return url

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        raise_for_status: bool = True,
    ) -> FetchResult:
        """GET ``url``, following up to ``max_redirects`` redirects.

        Sends ``If-None-Match`` / ``If-Modified-Since`` when validators are given; a 304
        gives a result with ``body=None``. With ``raise_for_status`` (the default) a
        status other than 2xx/304 raises :class:`FetchStatusError`; without it, such a
        response is returned with its (capped) body.
        """
        loop = asyncio.get_running_loop()
        headers = {"Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
        etag, last_modified = validator(etag), validator(last_modified)  # rows stored before
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        seen = {str(self._target(url, url, 0))}
        history: list[tuple[int, str]] = []
        state: dict[str, float] = {}
        while True:
            target = self._target(url, current, len(history))
            try:
                return await self._hop(url, target, headers, history, state, loop,
                                       etag, last_modified, raise_for_status)
            except _Redirect as redirect:
                try:
                    nxt = target.join(URL(redirect.location))
                except (ValueError, TypeError):
                    raise FetchError(
                        f"fetch: {url}: bad redirect Location {redirect.location!r}", "redirect"
                    ) from None
                history.append((redirect.status, str(target)))
                if len(history) > self._max_redirects:
                    raise FetchError(
                        f"fetch: {url}: more than {self._max_redirects} redirects", "redirect"
                    ) from None
                key = str(nxt.with_fragment(None))
                if key in seen:
                    raise FetchError(f"fetch: {url}: redirect loop at {key}", "redirect") from None
                seen.add(key)
                current = str(nxt.with_fragment(None))

    async def _hop(
        self,
        original: str,
        target: URL,
        headers: Mapping[str, str],
        history: list[tuple[int, str]],
        state: dict[str, float],
        loop: asyncio.AbstractEventLoop,
        etag: str | None,
        last_modified: str | None,
        raise_for_status: bool,
    ) -> FetchResult:
        session = self._get_session()
        host = (target.host or "").lower()
        try:
            async with contextlib.AsyncExitStack() as stack:
                if "deadline" in state:
                    await stack.enter_async_context(asyncio.timeout_at(state["deadline"]))
                await stack.enter_async_context(self._hosts.hold(host))
                await stack.enter_async_context(self._global)
                if "deadline" not in state:
                    state["started"] = loop.time()
                    state["deadline"] = state["started"] + self._total
                    await stack.enter_async_context(asyncio.timeout_at(state["deadline"]))
                response = await stack.enter_async_context(
                    session.get(target, headers=headers, allow_redirects=False)
                )
                return await self._finish(original, response, history, state, loop,
                                          etag, last_modified, raise_for_status)
        except BlockedAddressError as exc:
            if str(exc).startswith("fetch:"):
                raise
            raise BlockedAddressError(f"fetch: {original}: {exc}") from None
        except (_Redirect, FetchError):
            raise
        except aiohttp.ServerTimeoutError as exc:
            phase = "connect" if isinstance(exc, aiohttp.ConnectionTimeoutError) else "read"
            limit = self._connect_timeout if phase == "connect" else self._read_timeout
            raise FetchError(f"fetch: {original}: {phase} timeout ({limit:g}s) at {target}",
                             "timeout") from None
        except TimeoutError:
            raise FetchError(
                f"fetch: {original}: total deadline ({self._total:g}s) exceeded at {target}",
                "timeout",
            ) from None
        except aiohttp.ClientConnectorDNSError as exc:
            raise FetchError(f"fetch: {original}: DNS lookup of {host} failed: "
                             f"{exc.os_error}", "dns") from None
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as exc:
            raise FetchError(f"fetch: {original}: TLS error at {target}: {exc}", "tls") from None
        except aiohttp.ClientConnectorError as exc:
            raise FetchError(f"fetch: {original}: cannot connect to {target.host}:"
                             f"{target.port}: {exc.os_error}", "connect") from None
        except aiohttp.ClientPayloadError as exc:
            raise FetchError(f"fetch: {original}: incomplete body from {target}: {exc}",
                             "protocol") from None
        except aiohttp.ClientResponseError as exc:
            raise FetchError(f"fetch: {original}: bad HTTP response from {target}: "
                             f"{exc.message}", "protocol") from None
        except aiohttp.ServerDisconnectedError:
            raise FetchError(f"fetch: {original}: server at {target} closed the connection",
                             "protocol") from None
        except aiohttp.InvalidURL as exc:
            raise FetchError(f"fetch: {original}: invalid URL {exc}", "protocol") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise FetchError(f"fetch: {original}: {type(exc).__name__} at {target}: {exc}",
                             "connect" if isinstance(exc, OSError) else "protocol") from None

    async def _finish(
        self,
        original: str,
        response: aiohttp.ClientResponse,
        history: list[tuple[int, str]],
        state: dict[str, float],
        loop: asyncio.AbstractEventLoop,
        etag: str | None,
        last_modified: str | None,
        raise_for_status: bool,
    ) -> FetchResult:
        status = response.status
        if status in _REDIRECTS and "Location" in response.headers:
            raise _Redirect(status, response.headers["Location"])
        headers: dict[str, str] = {}
        for key, value in response.headers.items():
            name = key.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        is_error = not (200 <= status < 300 or status == 304)
        body: bytes | None = None
        if status != 304 and not (is_error and raise_for_status):
            body = await self._read_body(original, response)
        result = FetchResult(
            url=str(response.url),
            status=status,
            headers=headers,
            body=body,
            etag=validator(headers.get("etag")) or (etag if status == 304 else None),
            last_modified=validator(headers.get("last-modified"))
            or (last_modified if status == 304 else None),
            retry_after=parse_retry_after(headers.get("retry-after")),
            max_age=parse_max_age(headers.get("cache-control")),
            elapsed=loop.time() - state["started"],
            redirects=tuple(history),
        )
        if is_error and raise_for_status:
            wait = ""
            if result.retry_after is not None:
                wait = f", retry after {result.retry_after:g}s"
            raise FetchStatusError(
                f"fetch: {original}: HTTP {status} "
                f"{clean_header_text(response.reason or '')}".rstrip() + wait,
                result,
            )
        return result

    async def _read_body(self, original: str, response: aiohttp.ClientResponse) -> bytes:
        cap = self._max_body
        declared = response.content_length
        if declared is not None and declared > cap:
            raise FetchError(f"fetch: {original}: body of {declared} bytes declared, over the "
                             f"{cap}-byte cap", "too_large")
        try:
            # every Content-Encoding header: two of them ("gzip" twice) are two codings
            decoder = make_decoder(", ".join(response.headers.getall("Content-Encoding", [])))
        except UnsupportedEncoding as exc:
            raise FetchError(f"fetch: {original}: unsupported Content-Encoding {exc}",
                             "protocol") from None
        out = bytearray()
        raw = 0
        try:
            async for chunk in response.content.iter_chunked(_CHUNK):
                raw += len(chunk)
                if raw > cap:
                    raise FetchError(f"fetch: {original}: body over the {cap}-byte cap",
                                     "too_large")
                out += decoder.feed(chunk, cap - len(out))
                if len(out) > cap:
                    raise FetchError(f"fetch: {original}: decoded body over the {cap}-byte "
                                     "cap (compression bomb?)", "too_large")
            out += decoder.finish(cap - len(out))
        except zlib.error as exc:
            raise FetchError(f"fetch: {original}: bad compressed body: {exc}",
                             "protocol") from None
        if len(out) > cap:
            raise FetchError(f"fetch: {original}: decoded body over the {cap}-byte cap",
                             "too_large")
        return bytes(out)
