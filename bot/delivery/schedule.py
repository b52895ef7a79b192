"""Quiet hours and digest windows (pure functions of the clock and the chat's settings).

Times of day are ``HH:MM`` strings in the chat's time zone (IANA name, default
Asia/Riyadh). Users may type Arabic-Indic digits (٠-٩, ۰-۹); parsing returns the
canonical ``HH:MM``. Quiet hours ``start-end`` may wrap midnight (22:00-07:00); start is
inside, end is not. Digests: ``hourly`` goes out at the top of every local hour,
``daily`` once a day at its ``HH:MM``; a digest is due when the latest such moment is
later than the last digest (the window starts when the mode is set).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.render.dates import zone as named_zone

DEFAULT_TZ = "Asia/Riyadh"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_HHMM = re.compile(r"^(\d{1,2})[:：٫.](\d{2})$")
_RANGE = re.compile(r"^\s*(\S+?)\s*(?:-|–|—|إلى|الى)\s*(\S+?)\s*$")
_TZ_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$")


def parse_hhmm(text: str) -> str | None:
    """``"8:05"``, ``"08:05"``, ``"٨:٠٥"`` -> ``"08:05"``; None when not a time of day."""
    m = _HHMM.match(text.strip().translate(_DIGITS))
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_range(text: str) -> tuple[str, str] | None:
    """``"22:00-07:00"`` -> ("22:00", "07:00"); None when malformed or empty (start == end)."""
    m = _RANGE.match(text.translate(_DIGITS))
    if not m:
        return None
    start, end = parse_hhmm(m.group(1)), parse_hhmm(m.group(2))
    if start is None or end is None or start == end:
        return None
    return start, end


def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for ``name``, or the default zone when it is unknown or hostile."""
    if name and valid_timezone(name):
        return ZoneInfo(name)
    return ZoneInfo(DEFAULT_TZ)


def valid_timezone(name: str) -> bool:
    """True for a name :func:`bot.render.dates.zone` accepts (see ``zone_names`` there:
    IANA zones, exact spelling, no ``localtime``, ``Factory``, ``posix/``, ``right/``)."""
    if len(name) > 64 or not _TZ_NAME.match(name):
        return False
    try:
        named_zone(name)
    except ValueError:
        return False
    return True


def _minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def is_quiet(now: datetime, tz: str | None, start: str | None, end: str | None) -> bool:
    """True when ``now`` (aware) falls in the chat's quiet hours."""
    if not start or not end or start == end:
        return False
    local = now.astimezone(zone(tz))
    t, s, e = local.hour * 60 + local.minute, _minutes(start), _minutes(end)
    return s <= t < e if s < e else (t >= s or t < e)


def last_digest_moment(mode: str, at: str | None, tz: str | None,
                       now: datetime) -> datetime | None:
    """The latest scheduled digest moment at or before ``now`` (aware, UTC), or None."""
    local = now.astimezone(zone(tz))
    if mode == "hourly":
        moment = local.replace(minute=0, second=0, microsecond=0)
    elif mode == "daily" and at:
        hour, minute = divmod(_minutes(at), 60)
        # Compared as instants (datetimes sharing a tzinfo compare as wall clocks), and the
        # first of a repeated hour (fold=0): across a DST change, 02:30 on the day it does
        # not exist came out "after now" for the half hour after the jump (a digest at
        # every run), and 01:30 on the day it happens twice was due twice.
        moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0, fold=0)
        if moment.astimezone(UTC) > now:
            moment = datetime.combine(local.date() - timedelta(days=1), time(hour, minute),
                                      tzinfo=local.tzinfo)
    else:
        return None
    return moment.astimezone(UTC)


# Remembered: a digest run and a /metrics scrape ask for every digest chat with the same
# ``now``, and chats share a few settings (2,000 chats: about 1 ms a scrape, warm).
@functools.lru_cache(maxsize=1024)
def _moment(mode: str, at: str | None, tz: str | None, now: datetime) -> float | None:
    moment = last_digest_moment(mode, at, tz, now)
    return None if moment is None else moment.timestamp()


def digest_due(mode: str, at: str | None, tz: str | None, last: float | None,
               now: datetime) -> bool:
    """True when a digest should go out now (``last``: Unix time of the previous one)."""
    moment = _moment(mode, at, tz, now)
    if moment is None:
        return False
    return last is None or last < moment


def digest_due_since(mode: str, at: str | None, tz: str | None, last: float | None,
                     oldest: float, now: datetime) -> float | None:
    """When a digest chat's headlines waiting since ``oldest`` (Unix time) became due:
    the digest moment that has passed without a digest (or ``oldest``, when they came
    after it); None while they wait for the chat's next window, as they should."""
    moment = _moment(mode, at, tz, now)
    if moment is None or (last is not None and last >= moment):
        return None
    return max(oldest, moment)
