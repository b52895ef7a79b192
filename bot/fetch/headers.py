"""HTTP header helpers: Retry-After and Cache-Control."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_max_age", "parse_retry_after"]

_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d{1,10})\"?", re.I)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date
    (relative to ``now``, default the current UTC time). None when absent or invalid;
    never negative."""
    if not value:
        return None
    value = value.strip()
    if value.isdecimal():
        return float(int(value))
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
