"""Canonical article URLs: one spelling per link, so the same story URL dedups.

Decisions (each is a trade-off, written down so nobody re-litigates it by accident):

* Only ``http`` and ``https`` are accepted; anything else (``javascript:``, ``mailto:``,
  ``ftp:``, relative URLs without a base) gives ``None``.
* Scheme and host are lower-cased, the host is IDNA-encoded (``مثال.مصر`` ->
  ``xn--...``) and loses a trailing dot; default ports (80/443) and user-info are dropped.
* The scheme is *not* upgraded (``http`` stays ``http``): the canonical URL is also the
  link we send to readers, and it must keep working.
* Percent-encoding is normalized the same way everywhere: unreserved characters are
  decoded (``%7E`` -> ``~``), everything else outside the safe set is encoded with
  upper-case hex. So a path written with raw Arabic letters and the same path written
  as ``%d8%a7...`` (any hex case) give the same string (``%D8%A7...``). Path case is kept.
* Dot segments (``/a/./b/../c``) are removed; an empty path becomes ``/``.
* Tracking parameters are removed (names compared case-insensitively): every ``utm_*``
  and the names in :data:`TRACKING_PARAMS`. Empty parameters and an empty query go too.
* Remaining query parameters keep their order. Sorting them would merge a few more
  spellings, but some sites (and signed URLs) depend on the order, and feed links from
  one publisher are generated in a stable order anyway.
* The fragment is dropped (including ``#!`` routes: no news site in our feeds uses them).

Feed URLs get a narrower normalization, :func:`canonical_feed_url` (see there).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

__all__ = ["TRACKING_PARAMS", "canonical_feed_url", "canonicalize"]

#: Query parameter names (lower-case) that only carry click or campaign tracking.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url",
        "xtor", "at_medium", "at_campaign", "ocid",
    }
)

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/!$&'()*+,;=:@"
_QUERY_SAFE = "/?!$'()*+,;=:@"  # '&' separates parameters, so it stays encoded
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Unreserved characters all escape to %2D-%7E; other escapes only need upper-casing.
_MAYBE_FIX = re.compile(r"%(?:[0-9A-Fa-f][a-f]|[a-f][0-9A-Fa-f]|[2-7][0-9A-Fa-f])")
# Components made only of unreserved and safe characters need no work at all.
_PLAIN = {
    safe: re.compile("[A-Za-z0-9\\-._~" + re.escape(safe) + "]*").fullmatch
    for safe in (_PATH_SAFE, _QUERY_SAFE)
}
_STRIP_CHARS = re.compile(r"[\t\n\r]")
_ABSOLUTE = re.compile(r"https?://[^/]", re.IGNORECASE)
_HOST_OK = re.compile(r"^[a-z0-9.\-_]+$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _requote(part: str, safe: str) -> str:
    """Normalize the percent-encoding of one URL component (see the module docstring)."""
    if _PLAIN[safe](part):
        return part  # the common case: nothing to encode, no escapes to normalize
    part = _LONE_PERCENT.sub("%25", part)
    part = quote(part, safe=safe + "%", encoding="utf-8", errors="surrogatepass")
    if _MAYBE_FIX.search(part):  # lower-case hex, or an escape that may be unreserved
        part = _ESCAPE.sub(_fix_escape, part)
    return part


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else match.group(0).upper()


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    if "." not in path:
        return path
    segments = path.split("/")
    out: list[str] = []
    for seg in segments[1:] if path.startswith("/") else segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if segments[-1] in (".", ".."):
        out.append("")
    result = "/".join(out)
    return "/" + result if path.startswith("/") else result


def _host(raw: str) -> str | None:
    if ":" in raw:  # IPv6 literal (urlsplit removed the brackets); no zone ID ("%25eth0":
        # only meaningful on the sender's machine), nothing percent-encoded
        try:
            return f"[{ipaddress.IPv6Address(raw).compressed}]" if "%" not in raw else None
        except ValueError:
            return None
    host = unquote(raw).strip().rstrip(".").lower()
    if not host:
        return None
    if ":" in host:  # "%3a" decoded: not a host name
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            try:
                import idna  # the uts46 codec handles names the stdlib one refuses

                host = idna.encode(host, uts46=True).decode("ascii")
            except Exception:
                return None
    return host if _HOST_OK.match(host) else None


def _is_tracking(param: str) -> bool:
    name = unquote(param.split("=", 1)[0]).strip().lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def _http_parts(url: str) -> tuple[SplitResult, str, str] | None:
    """``url`` split, when it is an absolute http(s) URL with a host: (its parts, the
    scheme lower-cased, ":PORT" or "" for none or the scheme's default port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts, scheme, "" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}"


def canonicalize(url: str, base: str | None = None) -> str | None:
    """The canonical form of ``url`` (resolved against ``base`` when given), or ``None``
    when it is not an absolute http(s) URL with a host."""
    if not url:
        return None
    url = _STRIP_CHARS.sub("", url.strip())
    if base and not _ABSOLUTE.match(url):
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    split = _http_parts(url)
    if split is None:
        return None
    parts, scheme, port = split
    host = _host(parts.hostname or "")
    if host is None:
        return None
    netloc = host + port
    path = _remove_dot_segments(_requote(parts.path, _PATH_SAFE)) or "/"
    params = [
        _requote(p, _QUERY_SAFE)
        for p in parts.query.split("&")
        if p and p != "=" and not _is_tracking(p)
    ]
    query = "&".join(params)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def canonical_feed_url(url: str) -> str:
    """The one spelling under which a feed URL is stored and compared, on every path that
    names a feed: the config file, ``newsbot feeds add``, OPML import, ``/addfeed`` and a
    feed's permanent redirect (so ``https://A.EXAMPLE/rss`` is not a second feed beside
    ``https://a.example/rss``).

    Only what cannot change the resource is normalized: the scheme and host are
    lower-cased, the host loses a trailing dot and is IDNA-encoded (as in
    :func:`canonicalize`), the default port (``:443``/``:80``) is dropped, an empty path
    becomes ``/``, and the fragment and an empty query (a bare ``?``) go (neither reaches
    the server; the config file's duplicate check ignored them already). The path, the
    query and any user-info are kept exactly as written: unlike an article link, a feed
    URL's query often selects the feed or carries a token, so nothing is removed, decoded
    or reordered, and letter case there is significant.

    Total: what is not an absolute http(s) URL with a host (validation is
    :func:`bot.ops.feeds.feed_url_problem`'s job) is returned stripped, so every stored
    row has a key, whatever older code let in.
    """
    url = url.strip()
    split = _http_parts(url)
    if split is None:
        return url
    parts, scheme, port = split
    hostname = parts.hostname or ""
    host = _host(hostname)
    if host is None:  # not a name canonicalize accepts: at least the case and the dot
        host = hostname.rstrip(".")
        host = f"[{host}]" if ":" in host else host
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + host + port
    return f"{scheme}://{netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
