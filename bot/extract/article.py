"""Main-text extraction from an article page, and cleaning of feed-provided text.

``extract_article`` runs trafilatura (comments off) on the decoded page, then filters its
output line by line (:mod:`bot.extract.noise`): page noise is dropped, the headline line
is dropped, and the agency attribution ("(رويترز)", "دمشق (CNN) --", "المصدر: وكالات") is
returned apart from the text. ``clean_text`` applies the same line filter to text that came
in a feed (after stripping HTML remnants and hashtag marks).

A stray invalid byte in the page (U+FFFD once decoded) never comes out: the text, title,
byline and site name trafilatura gives go through the rule feed text goes through
(:func:`bot.parse.text.drop_replacement_chars`).
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

import trafilatura
from trafilatura.settings import Document, use_config

from bot.arabic.normalize import normalize
from bot.arabic.tokens import tokenize_normalized
from bot.deadline import CpuLimitExceeded, within_cpu_seconds
from bot.errors import ExtractionError
from bot.extract import page_dates
from bot.extract.encoding import decode_html
from bot.extract.noise import (
    attribution_of,
    more_tokens_than,
    noise_kind,
    normalized,
    normalized_tokens,
    split_dateline,
    split_trailing_attribution,
)
from bot.parse.text import drop_replacement_chars

# Lines at least this long are printed once (pull quotes and captions repeated by pages).
_DEDUP_MIN_TOKENS = 8
# Below this many letters the "article" is a stub, an error page or a cookie wall.
MIN_LETTERS = 80
# Pages with more markup than this are not extracted: trafilatura's time grows faster than
# the page (on this machine ~1 s at 10,000 elements, 4-5 s at 25,000, 8-10 s at 50,000),
# so one huge or broken page could hold a worker for minutes. Counted as "<" characters:
# real article pages have 556-4,672 (the 20 shared pages; 2,504 elements at most).
MAX_MARKUP = 40_000
# CPU seconds one page may take to extract (see bot.deadline: some shapes are
# quadratic well below MAX_MARKUP; real pages take 20-430 ms).
PAGE_CPU_SECONDS = 5.0

# trafilatura falls back to a "baseline" that flattens the whole <article> element into one
# line (headline, share widget, font controls, tags and all) when its main extraction
# gives under MIN_EXTRACTED_SIZE characters (default 250). Short news items (a two-line
# bulletin of 150-250 characters) are common: with 100 their paragraphs are kept as
# paragraphs, so the line-level noise filter below can work on them.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "100")
# htmldate's fallback date parser: our languages only (bot.extract.page_dates)
page_dates.install()


@dataclass(frozen=True, slots=True)
class Extracted:
    """What an article page gave.

    ``text`` is the article body, one paragraph a line, without the headline, page noise
    or the agency attribution, which is in ``attribution`` ("رويترز", "CNN", "وكالات").
    ``published`` is the publication day when the page shows one (day precision: pages
    rarely give a reliable time zone). ``image_url`` is absolute (og:image / twitter:image).
    ``lang`` is a language code ("ar") guessed from the text's script, else from the page.
    ``encoding`` is the codec the bytes were decoded with (None for ``str`` input).
    ``site_name`` is the name the page gives its site (og:site_name and the like: "اليوم
    السابع", "LBCI Lebanon"), None when it gives none or only an address.
    """

    text: str
    title: str = ""
    attribution: str | None = None
    image_url: str | None = None
    published: date | None = None
    lang: str | None = None
    author: str | None = None
    encoding: str | None = None
    site_name: str | None = None


@dataclass(frozen=True, slots=True)
class _Cleaned:
    lines: list[str]
    attributions: list[str]
    bylines: list[str]
    stamps: list[str]  # timestamp lines met in the first lines


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_ODD_SPACE = re.compile(r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]")  # _SPACES but " "
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—:]{1,2}\s+|\s*\|\s*")


def _near_same(a: str, b: str) -> bool:
    """Same words, give or take punctuation and a couple of tokens."""
    # normalized_tokens is cached: the headline meets each of the first lines
    ta, tb = normalized_tokens(a), normalized_tokens(b)
    if not ta or not tb:
        return False
    if "".join(ta) == "".join(tb):  # also when only spacing differs: لـ"الخطاب" / لـالخطاب
        return True
    sa, sb = set(ta), set(tb)
    return len(sa & sb) / len(sa | sb) >= 0.8


def _is_caption(line: str) -> bool:
    return len(tokenize_normalized(normalize(line))) <= 12 and line[-1:] not in '.!?؟…»"'


def _clean_lines(raw_lines: list[str], title: str = "") -> _Cleaned:
    title_parts = [p for p in _TITLE_SEPARATORS.split(title) if p.strip()] if title else []
    title_forms = [title, *title_parts] if title else []
    lines: list[str] = []
    attributions: list[str] = []
    bylines: list[str] = []
    stamps: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_lines):
        # (the substitution rebuilds every line: only lines with other spaces than single
        # " " change)
        line = (_SPACES.sub(" ", raw) if "  " in raw or _ODD_SPACE.search(raw) else raw).strip()
        if not line:
            continue
        if not lines and index < 4 and any(_near_same(line, t) for t in title_forms):
            continue  # the headline, repeated at the top of the body
        agency = attribution_of(line)
        if agency:
            attributions.append(agency)
            continue
        kind = noise_kind(line)
        if kind is not None:
            if kind == "byline":
                bylines.append(line)
            elif kind == "timestamp" and not lines:
                stamps.append(line)
            continue
        key = normalized(line)
        if key in seen:
            continue  # a pull quote or caption printed twice
        if more_tokens_than(line, _DEDUP_MIN_TOKENS - 1):  # counts the tokens of key
            seen.add(key)  # short lines may repeat for real ("الساعة الثالثة :" in a schedule)
        lines.append(line)
    for k, line in enumerate(lines[:3]):
        rest, agency = split_dateline(line)
        if agency:
            # The dateline opens the story: short lines above it are captions or kickers.
            kept = [ln for ln in lines[:k] if not _is_caption(ln)]
            lines = [*kept, rest, *lines[k + 1 :]]
            attributions.insert(0, agency)
            break
    if lines:
        last, agency = split_trailing_attribution(lines[-1])
        if agency:
            attributions.append(agency)
            lines[-1] = last
    lines = [ln for ln in lines if ln]
    return _Cleaned(lines, attributions, bylines, stamps)


def _join_attributions(found: list[str]) -> str | None:
    unique: list[str] = []
    keys: set[str] = set()
    for a in found:
        key = normalize(a)
        if key not in keys:
            keys.add(key)
            unique.append(a)
    return "، ".join(unique) if unique else None


_STAMP_DATE = re.compile(r"(?<!\d)(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?!\d)")
_STAMP_DATE_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)")


_FIRST_GREGORIAN_YEAR = 1800  # a smaller year is a Hijri one (1445 هـ) or no date


def _date_of_stamp(stamp: str) -> date | None:
    """The first Gregorian date of a page's date line. A Hijri date may come first
    ("1445/9/1 هـ الموافق 2024/3/11 م"): it was read as the year 1445."""
    text = normalize(stamp)
    for pattern, order in ((_STAMP_DATE, (0, 1, 2)), (_STAMP_DATE_DMY, (2, 1, 0))):
        for m in pattern.finditer(text):
            parts = [int(g) for g in m.groups()]
            if parts[order[0]] < _FIRST_GREGORIAN_YEAR:
                continue
            try:
                return date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                continue
    return None


def _parse_iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _absolute_url(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if base:
        value = urljoin(base, value)
    elif value.startswith("//"):
        value = "https:" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return value


_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_URDU = frozenset("ٹڈڑںےۓھہ")
_PERSIAN = frozenset("پچژگکی")


def guess_lang(text: str) -> str | None:
    """ "ar", "fa" or "ur" when ``text`` is mostly Arabic script, else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    arabic = [ch for ch in letters if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f"]
    if len(arabic) < 0.6 * len(letters):
        return None
    urdu = sum(ch in _URDU for ch in arabic)
    persian = sum(ch in _PERSIAN for ch in arabic)
    if urdu > 0.01 * len(arabic):
        return "ur"
    if persian > 0.01 * len(arabic):
        return "fa"
    return "ar"


def _clean_title(title: str, sitename: str | None, body: list[str]) -> str:
    """Drop the site name from a page title: keep the part the body repeats, or the part
    that is not the site name ("وزير الرى يشهد ... - اليوم السابع")."""
    title = _SPACES.sub(" ", title).strip()
    for line in body[:4]:
        if _near_same(title, line):
            return _SPACES.sub(" ", line).strip()  # the page's own spelling of the headline
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    for part in parts:
        for line in body[:4]:
            if len(part) > 10 and _near_same(part, line):
                return _SPACES.sub(" ", line).strip()
    if sitename:
        kept = [p for p in parts if not _near_same(p, sitename)]
        if kept and len(kept) < len(parts):
            return " - ".join(kept)
    return title


def extract_article(
    html: bytes | str,
    url: str | None = None,
    *,
    encoding: str | None = None,
    favor_precision: bool = False,
    cpu_seconds: float = PAGE_CPU_SECONDS,
) -> Extracted:
    """Extract the article of a page.

    ``encoding`` is the charset from the HTTP header, if any (bytes input only). Raises
    :class:`ExtractionError` when the page has no usable main text, more markup than
    :data:`MAX_MARKUP`, or when trafilatura needs more than ``cpu_seconds`` of CPU (in a
    process's main thread: :mod:`bot.deadline`).
    """
    markup = html.count(b"<") if isinstance(html, bytes) else html.count("<")
    if markup > MAX_MARKUP:
        raise ExtractionError(f"extract: too much markup to extract ({markup:,} '<' "
                              f"characters; at most {MAX_MARKUP:,})")
    codec: str | None = None
    if isinstance(html, bytes):
        page, codec = decode_html(html, encoding)
    else:
        page = html
    if not page.strip():
        raise ExtractionError("extract: empty page")
    try:
        doc = within_cpu_seconds(cpu_seconds, lambda: trafilatura.bare_extraction(
            page,
            url=url,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            favor_precision=favor_precision,
            with_metadata=True,
            config=_CONFIG,
        ))
    except CpuLimitExceeded as exc:
        raise ExtractionError(f"extract: page too slow to extract ({exc})") from None
    except Exception as exc:  # lxml and trafilatura raise a zoo of errors on junk
        raise ExtractionError(f"extract: page could not be parsed: {exc!r}") from exc
    if not isinstance(doc, Document) or not doc.text:
        raise ExtractionError("extract: no main text found")

    raw_title = drop_replacement_chars(doc.title or "").strip()
    raw_lines = drop_replacement_chars(doc.text).split("\n")
    cleaned = _clean_lines(raw_lines, raw_title)
    top_lines = [ln.strip() for ln in raw_lines[:6] if ln.strip()]
    text = "\n".join(cleaned.lines)
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        raise ExtractionError("extract: no usable text after removing page noise")

    published = None
    for stamp in cleaned.stamps:  # the date printed beside the headline beats a page guess
        published = _date_of_stamp(stamp)
        if published:
            break
    if published is None:
        published = _parse_iso_date(doc.date)

    lang = guess_lang(text)
    if lang is None:
        m = _HTML_LANG.search(page[:5000])
        lang = m.group(1).lower() if m else (doc.language or None)

    author = drop_replacement_chars(doc.author or "").strip() or None
    if author and ("http" in author.lower() or "www." in author.lower()):
        author = None  # trafilatura sometimes reads a logo URL as the author
    if author is None and cleaned.bylines:
        author = re.split(r"[:\-–—]", cleaned.bylines[0], maxsplit=1)[-1].strip() or None

    return Extracted(
        text=text,
        title=_clean_title(raw_title, drop_replacement_chars(doc.sitename or ""), top_lines),
        attribution=_join_attributions(cleaned.attributions),
        image_url=_absolute_url(doc.image, url),
        published=published,
        lang=lang,
        author=author,
        encoding=codec,
        site_name=_site_name(drop_replacement_chars(doc.sitename or "")),
    )


SITE_NAME_MAX = 40


def _site_name(raw: str | None) -> str | None:
    """The page's site name when it is a name: one line, 2-40 characters, not an address
    ("https://akhbarelyom.com/" is one; "beirutobserver.com" is kept, it names the site)."""
    name = " ".join((raw or "").split())
    if not 2 <= len(name) <= SITE_NAME_MAX or "://" in name or name.lower().startswith("www."):
        return None
    if "/" in name or "<" in name:
        return None
    return name


_BLOCK_TAGS = re.compile(
    r"<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|h[1-6]|/tr|tr|/blockquote|blockquote)\b[^>]*>",
    re.IGNORECASE,
)
_DROP_ELEMENTS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)
_HASHTAG = re.compile(r"#(\w+)")
_TRUNCATION = re.compile(r"\s*(?:\[\s*(?:\.\.\.|…)\s*\]|\(\s*(?:\.\.\.|…)\s*\))\s*$")


def _strip_html(text: str) -> str:
    for _ in range(2):  # feeds double-escape now and then: "&lt;p&gt;"
        if "&" not in text:
            break
        text = html_lib.unescape(text)
    if "<" in text:
        text = _DROP_ELEMENTS.sub(" ", text)
        text = _BLOCK_TAGS.sub("\n", text)
        text = _TAG.sub("", text)
    return text


def clean_text_and_attribution(text: str, title: str = "") -> tuple[str, str | None]:
    """:func:`clean_text`, also returning the attribution it took out."""
    text = _strip_html(text)
    text = _HASHTAG.sub(lambda m: m.group(1).replace("_", " ").strip(), text)
    # (the "[...]" pattern is tried at every space: only lines ending in "]" or ")" need it)
    lines = [
        _TRUNCATION.sub("", ln) if ln.rstrip().endswith(("]", ")")) else ln
        for ln in text.splitlines()
    ]
    cleaned = _clean_lines(lines, title)
    return "\n".join(cleaned.lines), _join_attributions(cleaned.attributions)


def clean_text(text: str, title: str = "") -> str:
    """Clean feed-provided text: HTML remnants and entities, hashtag marks ("#قطاع_غزة" ->
    "قطاع غزة"), "[...]" tails, page-noise lines, a repeated headline and the agency
    attribution go; paragraphs stay one a line."""
    return clean_text_and_attribution(text, title)[0]


__all__ = [
    "MAX_MARKUP",
    "MIN_LETTERS",
    "PAGE_CPU_SECONDS",
    "Extracted",
    "clean_text",
    "clean_text_and_attribution",
    "extract_article",
    "guess_lang",
]
