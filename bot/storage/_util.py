"""Small helpers shared by the storage modules."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    """Current time as Unix seconds (the storage time format)."""
    return time.time()


def to_ts(dt: datetime) -> float:
    """An aware datetime -> Unix seconds (naive values are taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def from_ts(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)
