"""Calendar edges found by fuzzing the clock: a daily digest set in an hour that a DST
change skips or repeats, "today" in a zone whose midnight hour repeats, a page that
gives its Hijri date first, and day-only page dates west of UTC or in the future."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.admin.stats import day_start
from bot.delivery.schedule import digest_due
from bot.extract.article import _date_of_stamp
from bot.ingest.build import page_published
from bot.render.dates import format_dates

NEW_YORK = "America/New_York"


def _digests_in_a_day(at: str, tz: str, day: date) -> list[datetime]:
    """Minute by minute through ``day`` (local) and around it: when a daily digest at
    ``at`` goes out, marking each one sent as the runner does."""
    zone = ZoneInfo(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    last = (start - timedelta(hours=20)).timestamp()  # yesterday's was sent
    sent = []
    for minute in range(-120, 26 * 60):
        now = start + timedelta(minutes=minute)
        if digest_due("daily", at, tz, last, now):
            sent.append(now)
            last = now.timestamp()
    return [s for s in sent if s.astimezone(zone).date() == day]


@pytest.mark.parametrize(("at", "tz", "day"), [
    ("02:30", NEW_YORK, date(2026, 3, 8)),  # 02:00 -> 03:00: 02:30 does not exist
    ("01:30", NEW_YORK, date(2026, 11, 1)),  # 01:00-02:00 happens twice
    ("02:30", "Europe/Berlin", date(2026, 3, 29)),
    ("02:30", "Europe/Berlin", date(2026, 10, 25)),
    ("00:30", "Asia/Beirut", date(2024, 3, 31)),
    ("23:30", "Asia/Beirut", date(2024, 10, 26)),
    ("01:45", "Australia/Lord_Howe", date(2024, 4, 7)),  # a 30-minute repeat
    ("08:00", "Asia/Riyadh", date(2026, 3, 8)),
])
def test_a_daily_digest_goes_out_once_a_day_across_dst(at: str, tz: str, day: date) -> None:
    """Before: 31 digests in the half hour after a spring-forward jump (the moment came
    out "after now" as a wall clock), and two on a fall-back day."""
    assert len(_digests_in_a_day(at, tz, day)) == 1


def test_a_digest_in_the_skipped_hour_goes_at_the_same_instant_an_hour_later() -> None:
    [sent] = _digests_in_a_day("02:30", NEW_YORK, date(2026, 3, 8))
    assert sent == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT


def test_today_starts_at_the_first_of_two_midnights() -> None:
    """Atlantic/Azores, 2024-10-27: 00:00-01:00 happens twice; during the second pass
    "today" started at the second midnight and /stats left out the day's first hour."""
    azores = ZoneInfo("Atlantic/Azores")
    start = day_start(datetime(2024, 10, 27, 1, 30, tzinfo=UTC).timestamp(), "Atlantic/Azores")
    assert datetime.fromtimestamp(start - 1, azores).date() == date(2024, 10, 26)
    assert datetime.fromtimestamp(start, azores).date() == date(2024, 10, 27)


@pytest.mark.parametrize(("stamp", "day"), [
    ("الاثنين 1445/9/1 هـ الموافق 2024/3/11 م", date(2024, 3, 11)),
    ("1445/09/01هـ - 11/03/2024م", date(2024, 3, 11)),
    ("الاثنين 11/03/2024 - 10:30 ص", date(2024, 3, 11)),
    ("2024-03-11", date(2024, 3, 11)),
    ("1445/9/1 هـ", None),
])
def test_a_page_date_line_gives_its_gregorian_date(stamp: str, day: date | None) -> None:
    """A Hijri date first was read as the year 1445: «الاثنين 1 سبتمبر 1445»."""
    assert _date_of_stamp(stamp) == day


def test_a_day_only_page_date_is_that_day_in_every_zone() -> None:
    """Anchored at midnight UTC, 11 March showed as «الأحد … 10 مارس» in New York."""
    fetched = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    published = page_published(date(2024, 3, 11), fetched)
    for tz in ("Pacific/Pago_Pago", NEW_YORK, "UTC", "Asia/Riyadh", "Asia/Tokyo"):
        assert format_dates(published, tz).endswith("11 مارس 2024"), tz
    assert format_dates(published, NEW_YORK) == "الاثنين 1 رمضان 1445 هـ — 11 مارس 2024"


def test_today_or_a_future_page_date_is_the_fetch_time() -> None:
    fetched = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    assert page_published(date(2024, 3, 20), fetched) == fetched
    assert page_published(date(2099, 1, 1), fetched) == fetched  # as for feed items
    assert page_published(None, fetched) == fetched
