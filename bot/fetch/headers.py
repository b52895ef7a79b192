"""HTTP header helpers: Retry-After and Cache-Control."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["clean_header_text", "parse_max_age", "parse_retry_after", "validator"]

MAX_VALIDATOR = 256  # characters of an ETag / Last-Modified kept and sent back
_VALIDATOR = re.compile(rf"[\x20-\x7e]{{1,{MAX_VALIDATOR}}}")
_RETRY_AFTER_MAX = 10**9  # seconds; callers cap far lower, this only keeps the number sane

_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d{1,10})\"?", re.I)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date
    (relative to ``now``, default the current UTC time). None when absent or invalid;
    never negative."""
    if not value:
        return None
    value = value.strip()
    if value.isdecimal():  # 400 digits overflowed float(), 5,000 exceeded int()'s limit
        return float(min(int(value), _RETRY_AFTER_MAX)) if len(value) <= 12 else float(
            _RETRY_AFTER_MAX)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def parse_max_age(value: str | None) -> int | None:
    """``max-age`` seconds from a ``Cache-Control`` value; 0 for ``no-cache`` /
    ``no-store``; None when the header says nothing about freshness."""
    if not value:
        return None
    match = _MAX_AGE.search(value)
    if match:
        return int(match.group(1))
    lowered = value.lower()
    if "no-cache" in lowered or "no-store" in lowered:
        return 0
    return None


def validator(value: str | None) -> str | None:
    """An ``ETag`` or ``Last-Modified`` worth keeping to send back: printable ASCII of at
    most :data:`MAX_VALIDATOR` characters, else None (the next request goes without it).
    A control character in it made every later request fail in aiohttp ("forbidden
    control character"), a byte that is not UTF-8 failed the database write, and an 8 KB
    one was sent back at every poll."""
    if value is None:
        return None
    value = value.strip()
    return value if _VALIDATOR.fullmatch(value) else None


def clean_header_text(text: str) -> str:
    """Text from a response's status line or headers, made safe to store and log: aiohttp
    decodes them with surrogateescape, and a lone surrogate cannot be written to SQLite
    (a failure that went unrecorded: no backoff, the feed polled at every tick)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
