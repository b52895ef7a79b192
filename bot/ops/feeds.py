"""Feed-list operations shared by ``newsbot feeds`` and OPML import: URL checks, an
all-or-nothing batch add, and a one-line status of a feed for people."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bot.storage import _feeds
from bot.storage._feeds import Feed

MAX_URL_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class NewFeed:
    url: str
    name: str
    category: str = ""
    is_default: bool = False
    interval_seconds: int | None = None


def feed_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a feed URL (None when it can): http(s), a host, no spaces."""
    if not url:
        return "empty URL"
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    if not url.isprintable() or any(c.isspace() for c in url):  # controls, bidi marks
        return f"URL contains whitespace or control characters: {url!r}"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        return f"not a valid URL ({exc}): {url!r}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"only http(s) feed URLs are allowed, got {url!r}"
    if not parts.hostname:
        return f"URL has no host: {url!r}"
    return None


def default_name(url: str) -> str:
    return urlsplit(url).hostname or url


def add_all(conn: sqlite3.Connection, feeds: list[NewFeed],
            origin: str) -> tuple[list[Feed], list[Feed]]:
    """Add every feed not yet present in the caller's transaction; "present" compares
    canonical URLs (:func:`bot.dedup.urls.canonical_feed_url`), so a feed stored under
    another spelling of its URL is present. Returns (added, already present)."""
    added: list[Feed] = []
    present: list[Feed] = []
    for f in feeds:
        feed, created = _feeds.add(conn, f.url, f.name, f.category, f.is_default, origin,
                                   f.interval_seconds)
        (added if created else present).append(feed)
    return added, present


def _when(ts: float, now: float) -> str:
    stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")
    ago = max(0, int(now - ts))
    if ago < 120:
        rel = f"{ago}s ago"
    elif ago < 7200:
        rel = f"{ago // 60}m ago"
    elif ago < 172800:
        rel = f"{ago // 3600}h ago"
    else:
        rel = f"{ago // 86400}d ago"
    return f"{stamp} ({rel})"


def status_line(feed: Feed, now: float | None = None) -> str:
    """e.g. ``ok, last success 2025-01-02 10:00 UTC (5m ago)`` or
    ``failing (3 in a row), last error timeout at ... : message``."""
    now = time.time() if now is None else now
    if feed.paused:
        state = "paused"
    elif feed.disabled_reason:
        state = f"disabled ({feed.disabled_reason})"
    elif feed.consecutive_failures:
        state = f"failing ({feed.consecutive_failures} in a row)"
    elif feed.last_success_at is not None:
        state = "ok"
    else:
        state = "never polled"
    parts = [state]
    if feed.last_success_at is not None:
        parts.append(f"last success {_when(feed.last_success_at, now)}")
    if feed.last_error_at is not None and (feed.last_success_at is None
                                           or feed.last_error_at > feed.last_success_at):
        kind = f"{feed.last_error_kind} " if feed.last_error_kind else ""
        error = (feed.last_error or "").replace("\n", " ")[:200]
        parts.append(f"last error {kind}{_when(feed.last_error_at, now)}: {error}")
    return ", ".join(parts)
