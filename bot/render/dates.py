"""Article dates in Arabic: weekday, Umm al-Qura Hijri date and Gregorian date.

    الأحد 2 جمادى الآخرة 1439 هـ — 18 فبراير 2018

Digits are Western (0-9), not Arabic-Indic (٠-٩): the big Arabic news sites (Al Arabiya,
Sky News Arabia, BBC Arabic, CNN Arabic) print dates with Western digits, the rest of the
message (headlines, summaries, URLs) already carries Western digits, and mixing the two
systems in one line reads badly. Search normalizes both to ASCII anyway.

The calendar day is the day in the reader's time zone, not in UTC: an article published
at 23:30 UTC is dated the next day in Riyadh (UTC+3). Naive datetimes are taken as UTC
(the core's convention, see ``bot/models.py``). A time that stands for a day with no time
of day (:func:`bot.models.day_only`: a page that shows only its date) is that day in
every zone.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from hijridate import Gregorian

from bot.models import day_of

WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
"""Arabic weekday names, Monday first (``date.weekday()`` order)."""

HIJRI_MONTHS = (
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الآخر",
    "جمادى الأولى",
    "جمادى الآخرة",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
)

GREGORIAN_MONTHS = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)

HIJRI_SUFFIX = "هـ"
SEPARATOR = "—"  # em dash between the Hijri and the Gregorian date


#: Keys of the zone database that name no place: ``localtime`` (a link to the host's own
#: zone, whatever the server is set to), ``Factory`` (the "-00" placeholder of an
#: unconfigured system), ``posixrules`` (a template for POSIX TZ strings), and the
#: ``posix/`` and ``right/`` trees (a second copy of every zone, and one counting leap
#: seconds, which no reader's clock does).
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
NOT_PLACE_TREES = ("posix/", "right/")


@functools.cache
def zone_names() -> frozenset[str]:
    """The time zone names accepted anywhere (``/timezone``, stored chat settings, ``newsbot
    preview --tz``): the IANA zones ``zoneinfo.available_timezones()`` lists (``UTC``,
    ``Etc/GMT+3`` and the old ``US/Eastern`` style links included), spelled exactly, minus
    :data:`NOT_PLACES` and :data:`NOT_PLACE_TREES`.

    ``ZoneInfo`` alone opened any file of the database: ``localtime`` was accepted as a
    chat's zone (and meant the server's zone), so was ``Factory``, ``posix/Asia/Riyadh``
    or ``right/...``. Listing the zones opens every file of the database (~60 ms), so it
    is done once per process.
    """
    return frozenset(name for name in available_timezones()
                     if name not in NOT_PLACES and not name.startswith(NOT_PLACE_TREES))


def zone(tz: str) -> ZoneInfo:
    """The time zone named ``tz`` (one of :func:`zone_names`); ValueError for any other."""
    if tz not in zone_names():
        raise ValueError(f"render: unknown time zone {tz!r}")
    try:
        return ZoneInfo(tz)
    # a listed zone whose file went away or is unreadable (the database was updated
    # under the running process): unknown too
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"render: unknown time zone {tz!r}") from exc


def local_date(dt: datetime, tz: str = "Asia/Riyadh") -> date:
    """The calendar date of ``dt`` in zone ``tz`` (naive ``dt`` is UTC); the day itself
    for a time that stands for a day (:func:`bot.models.day_of`).

    At the very ends of ``datetime``'s range, where shifting the zone would overflow, the
    UTC date is returned instead of raising.
    """
    where = zone(tz)
    day = day_of(dt)
    if day is not None:
        return day
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(where).date()
    except (OverflowError, ValueError):
        try:
            return dt.astimezone(UTC).date()
        except (OverflowError, ValueError):
            return dt.date()


def hijri_date(day: date) -> str | None:
    """``"2 جمادى الآخرة 1439 هـ"`` for a Gregorian ``day``, or None outside the range
    hijridate's Umm al-Qura tables cover (1924-08-01 .. 2077-11-16)."""
    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return None
    return f"{hijri.day} {HIJRI_MONTHS[hijri.month - 1]} {hijri.year} {HIJRI_SUFFIX}"


def gregorian_date(day: date) -> str:
    """``"18 فبراير 2018"``."""
    return f"{day.day} {GREGORIAN_MONTHS[day.month - 1]} {day.year}"


def format_dates(dt: datetime, tz: str = "Asia/Riyadh") -> str:
    """Weekday, Hijri and Gregorian date of ``dt`` as seen in zone ``tz``.

    ``"الأحد 2 جمادى الآخرة 1439 هـ — 18 فبراير 2018"``; outside the Hijri tables' range
    only the Gregorian part: ``"الأحد 18 فبراير 1900"``. Never raises for any ``datetime``;
    raises ValueError only for an unknown time zone name.
    """
    day = local_date(dt, tz)
    weekday = WEEKDAYS[day.weekday()]
    hijri = hijri_date(day)
    if hijri is None:
        return f"{weekday} {gregorian_date(day)}"
    return f"{weekday} {hijri} {SEPARATOR} {gregorian_date(day)}"
