"""Feed bytes -> :class:`ParsedFeed` with plain-text, canonical-URL :class:`Entry` items.

feedparser does the XML work. It is given the raw bytes (so it can honour the XML
declaration) and lower-case header keys (it ignores ``Content-Type`` spelled otherwise),
with ``sanitize_html=False, resolve_relative_uris=False``: we strip all HTML ourselves,
so sanitizing and rewriting URIs inside HTML is wasted work (bench/parse.py measures it).
Item links are still resolved against ``xml:base`` (by feedparser) and the feed URL (by
:func:`bot.dedup.canonicalize`), then canonicalized.

Decisions:

* Encodings: the XML declaration and the HTTP charset are used as feedparser sees fit
  (RFC 3023). When feedparser had to fall back to windows-1252 / iso-8859-x (nothing
  declared, or a declaration that does not decode), the body's encoding is detected with
  charset_normalizer and the body reparsed with that charset: undeclared windows-1256
  Arabic comes out right that way. A feed *declared* Latin-1/windows-1252 whose bytes
  are detected as an Arabic code page is reparsed as that code page too.
* Items without a link but with a permalink ``<guid>`` use the guid as their URL.
  Items without link *and* guid are kept, with a stable synthetic guid
  (``newsbot:sha1:...`` of their normalized title and text) and ``url=None``: such feeds
  exist, and a headline with a summary is still news. Items with neither a title nor any
  text are skipped (``ParsedFeed.skipped`` counts them).
* Items are not deduplicated here: two items with one guid and different links are both
  returned. Which one wins is the storage layer's policy.
* Dates are aware UTC. A missing or unparsable date becomes ``fetched_at`` (to the
  second, as feed dates are); so does a date more than ``FUTURE_SKEW`` after
  ``fetched_at`` (a feed's clock or time zone is off).
* A truncated body (XML error, no closing root tag) keeps the complete items feedparser
  recovered and drops the last one, which may be cut off mid-text.
* Given ``max_entries``, a document feedparser reads loses the entries between its first
  and last ``max_entries`` before it does (:mod:`bot.parse.trim`; ``ParsedFeed.omitted``).
* feedparser gets :data:`FEED_CPU_SECONDS` of CPU per document; past that the document is
  an error (:mod:`bot.deadline`), as broken markup that no real feed is made of.
* Errors (:class:`ParseError`, message ``parse: URL: ...``): an empty body, an HTML page,
  a document that is no RSS/Atom/RDF, malformed XML that yields no entry at all, a
  document feedparser cannot read within its CPU time. A valid
  feed without items is not an error: it has ``entries == []``.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import re
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
from charset_normalizer import from_bytes

from bot.arabic.normalize import normalize
from bot.deadline import CpuLimitExceeded, within_cpu_seconds
from bot.dedup.urls import canonicalize
from bot.errors import ParseError
from bot.extract.encoding import mostly_utf8
from bot.models import Entry, day_only
from bot.parse.discover import find_feed_links, looks_like_html
from bot.parse.fast import parse_fast
from bot.parse.text import TEXT_MAX, TITLE_MAX, cut_words, strip_html, to_title
from bot.parse.trim import trim

__all__ = ["FEED_CPU_SECONDS", "FUTURE_SKEW", "ParsedFeed", "parse_feed"]

#: CPU seconds feedparser may take on one document (:mod:`bot.deadline`; in a process's
#: main thread): its loose parser spends 40-50 s on 5 MB of unclosed tags, while
#: legitimate 5 MB feeds, even malformed ones, take it at most ~3 s.
FEED_CPU_SECONDS = 15.0

#: How far in the future (relative to ``fetched_at``) an item's date may be and be kept.
FUTURE_SKEW = timedelta(minutes=15)

# Codec names as codecs.lookup() spells them.
_FALLBACKS = frozenset({"cp1252", "iso8859-2", "iso8859-1", "ascii"})
_LATIN = frozenset({"cp1252", "iso8859-1"})
_ARABIC = frozenset({"cp1256", "iso8859-6", "cp864", "cp720", "mac-arabic"})
_DETECT_SAMPLE = 64 * 1024
# A date with no time of day: W3C-DTF's "2024-03-11", or RFC 822's "Mon, 11 Mar 2024".
_DAY_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}|(?:[A-Za-z]{3},?\s*)?\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4}")
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.I)
_IMG_TAG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I)
_CLOSED_ROOT = re.compile(rb"</(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>\s*$")
_SAX_ERRORS: tuple[type[BaseException], ...]
try:
    from xml.sax import SAXException

    _SAX_ERRORS = (SAXException,)
except ImportError:  # pragma: no cover
    _SAX_ERRORS = ()

_MAX_AUTHOR = 200
_MAX_CATEGORY = 100
_MAX_CATEGORIES = 20
_MAX_GUID = 1000


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed. ``ttl`` is in minutes (RSS ``<ttl>``); ``version`` is feedparser's
    format name (``rss20``, ``rss10``, ``atom10`` ...); ``encoding`` the one used;
    ``warning`` says what feedparser tolerated (malformed XML, encoding override), if
    anything; ``skipped`` counts items dropped as empty or truncated; ``omitted`` the
    entries not read at all (see ``max_entries`` in :func:`parse_feed`)."""

    title: str
    link: str | None
    language: str | None
    ttl: int | None
    entries: list[Entry] = field(default_factory=list)
    version: str = ""
    encoding: str = ""
    warning: str | None = None
    skipped: int = 0
    omitted: int = 0


# A numeric character reference; feedparser's loose parser (for documents lxml refused)
# turns it into chr(n): past U+10FFFF or huge it raises, a surrogate fails later.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));")


def _charref(m: re.Match[bytes]) -> bytes:
    """A reference to no character (a surrogate, past U+10FFFF) as U+FFFD, like HTML."""
    digits = m.group(1) or m.group(2)
    if len(digits.lstrip(b"0")) > 8:
        return b"&#xFFFD;"
    code = int(digits, 16 if m.group(1) else 10)
    return b"&#xFFFD;" if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF else m.group()


def _fail(url: str, message: str) -> ParseError:
    return ParseError(f"parse: {url}: {message}")


def _run_feedparser(body: bytes, headers: dict[str, str]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return feedparser.parse(
            body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )


def _feedparser_result(body: bytes, headers: dict[str, str]) -> Any:
    """feedparser's result, reparsed with the detected charset when it fell back to a
    Latin one (see the module docstring)."""
    result = _run_feedparser(body, headers)
    if _fell_back(result):
        # UTF-8 but for a stray byte or two: repaired, not read as Latin-2 mojibake
        repaired = mostly_utf8(body)
        if repaired is not None:
            return _run_feedparser(repaired.encode("utf-8"),
                                   {**headers, "content-type": "application/xml; charset=utf-8"})
    detected = _detect_and_pick(result, body)
    if detected:
        retry_headers = dict(headers)
        retry_headers["content-type"] = f"application/xml; charset={detected}"
        result = _run_feedparser(body, retry_headers)
    return result


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _fell_back(result: Any) -> bool:
    """feedparser could not decode the body as declared (or as UTF-8) and took a
    last-resort codec."""
    return _codec(result.get("encoding") or "") in _FALLBACKS and isinstance(
        result.get("bozo_exception"),
        (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown))


def _detect_and_pick(result: Any, body: bytes) -> str | None:
    """The charset to reparse ``body`` with, or None to keep feedparser's result.

    Two cases: feedparser fell back to a last-resort codec (nothing usable declared), or
    the feed is declared Latin-1/windows-1252 but is really Arabic (old Arabic sites do
    that); in the second case only an Arabic code page is accepted from detection."""
    used = _codec(result.get("encoding") or "")
    fell_back = _fell_back(result)
    if not fell_back and (used not in _LATIN or body.isascii()):
        return None
    match = from_bytes(body[:_DETECT_SAMPLE]).best()
    if match is None:
        return None
    detected = _codec(match.encoding)
    if detected == used or (not fell_back and detected not in _ARABIC):
        return None
    return detected


def _headers(headers: Mapping[str, str] | None, body: bytes, url: str) -> dict[str, str]:
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    out: dict[str, str] = {
        k: lowered[k] for k in ("content-type", "content-language") if k in lowered
    }
    # Without a Content-Type feedparser flags every feed (NonXMLContentType); the XML
    # default (charset from the XML declaration, else UTF-8) is what no header means.
    out.setdefault("content-type", "application/xml")
    # Given a base URL (Content-Location) feedparser runs urljoin on every element, ~25%
    # of its time. Without one, relative links stay relative and canonicalize() resolves
    # them against the feed URL afterwards - except under a relative xml:base, which
    # feedparser can only stack onto an absolute base: then the base is given.
    if b"xml:base" in body:
        out["content-location"] = url
    return out


def _datetime(value: time.struct_time | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _is_image(mime: str | None, medium: str | None, url: str) -> bool:
    if medium:
        return medium.lower() == "image"
    if mime:
        return mime.lower().startswith("image/")
    return bool(_IMAGE_EXT.search(url))


def _image_url(e: Any, base: str, raw_html: str) -> str | None:
    candidates: list[str] = []
    for media in e.get("media_content") or ():
        href = media.get("url") or ""
        if href and _is_image(media.get("type"), media.get("medium"), href):
            candidates.append(href)
    for enclosure in e.get("enclosures") or ():
        href = enclosure.get("href") or enclosure.get("url") or ""
        if href and _is_image(enclosure.get("type"), None, href):
            candidates.append(href)
    for thumb in e.get("media_thumbnail") or ():
        if thumb.get("url"):
            candidates.append(thumb["url"])
    if not candidates and "<img" in raw_html:
        match = _IMG_TAG.search(raw_html)
        if match:
            candidates.append(strip_html(match.group(1)))
    for href in candidates:
        url = canonicalize(href, base)
        if url:
            return url
    return None


def _author(e: Any) -> str | None:
    detail = e.get("author_detail") or {}
    name = detail.get("name") or e.get("author") or ""
    name = cut_words(strip_html(name, single_line=True), _MAX_AUTHOR)
    return name or None


def _categories(e: Any) -> tuple[str, ...]:
    out: list[str] = []
    for tag in e.get("tags") or ():
        term = tag.get("label") or tag.get("term") or ""
        term = cut_words(strip_html(term, single_line=True), _MAX_CATEGORY)
        if term and term not in out:
            out.append(term)
        if len(out) >= _MAX_CATEGORIES:
            break
    return tuple(out)


def _text(e: Any) -> tuple[str, str]:
    """(plain text, raw HTML it came from): the longer of content and summary."""
    best, best_raw = "", ""
    sources = [c.get("value") or "" for c in e.get("content") or ()]
    sources.append(e.get("summary") or "")
    for raw in sources:
        if len(raw) <= len(best):
            continue  # stripping can only shorten it
        text = strip_html(raw)
        if len(text) > len(best):
            best, best_raw = text, raw
    return cut_words(best, TEXT_MAX), best_raw


def _guid(e: Any) -> str | None:
    guid = (e.get("id") or "").strip()
    if not guid:
        return None
    if len(guid) > _MAX_GUID:
        return "newsbot:sha1:" + hashlib.sha1(guid.encode("utf-8", "replace")).hexdigest()
    return guid


def _synthetic_guid(title: str, text: str) -> str:
    key = normalize(title) + "\n" + normalize(text)
    return "newsbot:sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def _published(e: Any, fetched_at: datetime) -> datetime:
    """The entry's publication time: its first date of published / updated / created; a
    date with no time of day ("2024-03-11", dc:date's short form) is that day in every
    time zone (:func:`bot.models.day_only`: as midnight UTC it was the day before west of
    UTC); the fetch time when there is none, or it is in the future."""
    for key in ("published", "updated", "created"):
        # dict.get: FeedParserDict.get("updated_parsed") has a deprecated fallback that warns
        parsed = dict.get(e, key + "_parsed")
        if parsed:
            break
    else:
        return fetched_at
    published = _datetime(parsed)
    if published is None:
        return fetched_at
    raw = dict.get(e, key)
    if isinstance(raw, str) and _DAY_ONLY.fullmatch(raw.strip()):
        # (today, or already tomorrow where the site is, is the fetch time marked as a day)
        return day_only(published.date(), fetched_at) or fetched_at
    return fetched_at if published > fetched_at + FUTURE_SKEW else published


def _keys(e: Any, base: str) -> tuple[str | None, str | None]:
    """(canonical URL, GUID) of a raw entry, before any synthetic GUID."""
    guid = _guid(e)
    url = canonicalize(e.get("link") or "", base)
    if url is None and guid and e.get("guidislink", True):
        url = canonicalize(guid)  # a permalink guid (feedparser sets link from it too)
    return url, guid


def _entry(e: Any, base: str, fetched_at: datetime) -> Entry | None:
    text, raw_html = _text(e)
    title = to_title(e.get("title") or "")
    if not title:
        if not text:
            return None
        title = cut_words(text.split("\n", 1)[0], min(TITLE_MAX, 150))
    url, guid = _keys(e, base)
    if url is None and guid is None:
        guid = _synthetic_guid(title, text)
    published = _published(e, fetched_at)
    return Entry(
        title=title,
        url=url,
        guid=guid,
        text=text,
        published=published,
        author=_author(e),
        categories=_categories(e),
        image_url=_image_url(e, base, raw_html),
    )


def _known_entry(e: Any, base: str, fetched_at: datetime,
                 known: Callable[[str, str | None], bool]) -> Entry | None:
    """The entry with only what telling it apart needs (title, URL, GUID, date; no text,
    author, categories nor image), when ``known(url or "", guid)`` says its caller has it
    already; None when it does not, or when those would depend on the text (no title, or
    neither a URL nor a GUID): :func:`_entry` then. Each field it has is :func:`_entry`'s.
    """
    url, guid = _keys(e, base)
    if (url is None and guid is None) or not known(url or "", guid):
        return None
    title = to_title(e.get("title") or "")
    if not title:
        return None
    return Entry(title=title, url=url, guid=guid, published=_published(e, fetched_at))


def _ttl(value: Any) -> int | None:
    try:
        ttl = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return ttl if ttl > 0 else None


# Any element a feed is made of. A body that starts as an HTML document and has none of
# them cannot give feedparser a feed, and its loose parser takes ~8 s a MB of broken
# markup: such a body is refused without it (a site's home page added as a feed).
_FEED_ELEMENT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|rdf|channel|item|entry)[\s/>]", re.I)


def _html_page(body: bytes, url: str) -> ParseError:
    links = find_feed_links(body, url)
    listed = ", ".join(link.url for link in links[:3])
    hint = f" (it links to feeds: {listed})" if links else ""
    return _fail(url, f"an HTML page, not a feed{hint}")


def _warning(result: Any) -> str | None:
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc is not None else "bozo"


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    fetched_at: datetime,
    max_entries: int | None = None,
    known: Callable[[str, str | None], bool] | None = None,
) -> ParsedFeed:
    """Parse an RSS 0.9x/1.0/2.0 or Atom body fetched from ``url`` (the final URL after
    redirects: relative links resolve against it). ``headers`` are the HTTP response
    headers, any key case. Raises :class:`ParseError` when the body is not a usable feed.

    ``max_entries``: the caller uses at most this many (the newest). A document that
    feedparser has to read and that holds more than ~2.2 times as many entries has those
    between its first and last ``max_entries`` (+10 %) cut out first
    (:mod:`bot.parse.trim`), counted in ``omitted``: feedparser's time grows with every
    entry. The fast path reads all entries (~7x cheaper per entry than feedparser on a
    broken document, and exact).

    ``known(url, guid)``: True for an item the caller has already (``url`` "" when it has
    none). Such an item may come back without its text, author, categories and image
    (their HTML is never stripped: about half the cost of an entry), with its title, URL,
    GUID and date as always: a poll then reads only what is new in a changed feed.
    """
    return _parse_feed(body, url=url, headers=headers, fetched_at=fetched_at,
                       max_entries=max_entries, known=known)


def _parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None,
    fetched_at: datetime,
    fast: bool = True,
    max_entries: int | None = None,
    cpu_seconds: float = FEED_CPU_SECONDS,
    known: Callable[[str, str | None], bool] | None = None,
) -> ParsedFeed:
    """parse_feed(); ``fast=False`` skips the lxml fast path (tests compare both)."""
    # to the second, like feed dates: a sub-second part marks a day (bot.models.day_only)
    fetched_at = _as_utc(fetched_at).replace(microsecond=0)
    if not body or not body.strip():
        raise _fail(url, "empty body")
    response_headers = _headers(headers, body, url)
    quick = parse_fast(body, response_headers) if fast else None
    if quick is None and looks_like_html(body) and not _FEED_ELEMENT.search(body):
        raise _html_page(body, url)
    omitted = 0
    if quick is not None:
        raw_entries: list[Any] = quick.entries
        version, feed, encoding = quick.version, quick.feed, quick.encoding
        warning, malformed, exc = None, False, None
    else:
        document = body
        if max_entries is not None:
            # a little more than max_entries from each end: the last item of a cut-off
            # body is dropped (below), and a document may repeat items
            document, omitted = trim(body, max_entries + max_entries // 10 + 1)
        document = _CHARREF.sub(_charref, document)
        try:
            result = within_cpu_seconds(
                cpu_seconds, lambda: _feedparser_result(document, response_headers))
        except CpuLimitExceeded:
            raise _fail(url, f"feedparser gave up after {cpu_seconds:g} s of CPU "
                             "(broken markup?)") from None
        except Exception as error:  # its loose parser on broken markup: KeyError, UTF-7 ...
            raise _fail(url, f"feedparser failed on broken markup ({type(error).__name__}: "
                             f"{error})") from error
        raw_entries = list(result.get("entries") or ())
        version = result.get("version") or ""
        feed = result.get("feed") or {}
        encoding = result.get("encoding") or ""
        warning = _warning(result)
        exc = result.get("bozo_exception")
        malformed = bool(result.get("bozo")) and isinstance(exc, _SAX_ERRORS)

    if not version and not raw_entries:
        if looks_like_html(body):
            raise _html_page(body, url)
        if malformed:
            raise _fail(url, f"malformed XML, no feed found ({exc})")
        raise _fail(url, "not an RSS, RDF or Atom feed")
    if malformed and not raw_entries:
        raise _fail(url, f"malformed XML with no recoverable entries ({exc})")

    skipped = 0
    if malformed and raw_entries and not _CLOSED_ROOT.search(body[-1024:]):
        raw_entries.pop()  # truncated body: the last item may be cut off
        skipped += 1
        if not raw_entries:
            raise _fail(url, f"truncated XML with no complete entry ({exc})")

    base = url
    entries: list[Entry] = []
    for raw in raw_entries:
        entry = _known_entry(raw, base, fetched_at, known) if known is not None else None
        if entry is None:
            entry = _entry(raw, base, fetched_at)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)

    language = (feed.get("language") or (feed.get("title_detail") or {}).get("language") or "")
    link = feed.get("link") or ""
    return ParsedFeed(
        title=to_title(feed.get("title") or ""),
        link=canonicalize(link, base) if link else None,
        language=language.strip().lower() or None,
        ttl=_ttl(feed.get("ttl")),
        entries=entries,
        version=version,
        encoding=encoding,
        warning=warning,
        skipped=skipped,
        omitted=omitted,
    )

