"""When a feed is polled next: intervals, hints, backoff and jitter. Pure arithmetic.

Nothing here reads a clock or draws a random number: callers pass ``now`` and ``u``, a
uniform random number in [0, 1), so every rule is tested exactly.

Rules (all times in seconds):

* The base interval is the feed's own ``interval_seconds``, else ``polling.interval_seconds``.
* After a success (200 or 304) the next poll is one interval away, stretched to honour
  what the server asked for: RSS ``<ttl>`` (minutes), ``Cache-Control: max-age`` and
  ``Retry-After``. Hints never make us poll *more* often than the interval, and never
  stretch the wait beyond :data:`HINT_CAP` (a news feed announcing a one-day TTL is
  usually misconfigured; two hours is as polite as a news bot can afford).
* After the n-th failure in a row the wait is ``interval * 2**(n-1)`` capped at
  :data:`MAX_BACKOFF`; a ``Retry-After`` (429/503) waits at least that long, up to
  :data:`MAX_RETRY_AFTER`.
* Every delay is jittered by +-:data:`JITTER` (10%), so feeds added or failing together
  drift apart instead of firing together forever.
* A feed is disabled after ``polling.max_consecutive_failures`` failures in a row.
"""

from __future__ import annotations

__all__ = [
    "HINT_CAP",
    "JITTER",
    "MAX_BACKOFF",
    "MAX_RETRY_AFTER",
    "MIN_DELAY",
    "base_interval",
    "failure_delay",
    "jittered",
    "next_poll_at",
    "should_disable",
    "success_delay",
]

JITTER = 0.1
HINT_CAP = 2 * 3600.0
MAX_BACKOFF = 6 * 3600.0
MAX_RETRY_AFTER = 6 * 3600.0
MIN_DELAY = 10.0  # the smallest interval the config accepts


def base_interval(feed_interval: int | None, default: int) -> float:
    """The feed's own interval when set (and positive), else the configured default."""
    chosen = feed_interval if feed_interval and feed_interval > 0 else default
    return max(MIN_DELAY, float(chosen))


def success_delay(
    interval: float,
    *,
    ttl_minutes: int | None = None,
    max_age: int | None = None,
    retry_after: float | None = None,
) -> float:
    """The wait after a successful poll: ``interval``, or longer when the server's hints
    ask for it (bounded by ``max(interval, HINT_CAP)``)."""
    hint = max(
        (ttl_minutes or 0) * 60.0,
        float(max_age or 0),
        float(retry_after or 0),
    )
    if hint <= interval:
        return interval
    return min(hint, max(interval, HINT_CAP))


def failure_delay(interval: float, failures: int, *, retry_after: float | None = None) -> float:
    """The wait after the ``failures``-th failure in a row (1 for the first)."""
    exponent = min(max(failures, 1) - 1, 32)
    delay = min(interval * (2.0**exponent), max(interval, MAX_BACKOFF))
    if retry_after:
        delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
    return delay


def jittered(delay: float, u: float, fraction: float = JITTER) -> float:
    """``delay`` scaled by a factor in [1 - fraction, 1 + fraction) picked by ``u``."""
    u = min(max(u, 0.0), 1.0)
    return max(MIN_DELAY * (1 - fraction), delay * (1.0 + fraction * (2.0 * u - 1.0)))


def next_poll_at(now: float, delay: float, u: float) -> float:
    """The Unix time of the next poll: ``now`` plus the jittered ``delay``."""
    return now + jittered(delay, u)


def should_disable(failures: int, limit: int) -> bool:
    """True once a feed has failed ``limit`` times in a row."""
    return limit > 0 and failures >= limit
