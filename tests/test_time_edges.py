"""Calendar edges found by fuzzing the clock: a daily digest set in an hour that a DST
change skips or repeats, "today" in a zone whose midnight hour repeats, a page that
gives its Hijri date first, and day-only page dates west of UTC or in the future."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.admin.article import build_page_article
from bot.admin.stats import day_start
from bot.delivery.schedule import digest_due
from bot.extract.article import _date_of_stamp
from bot.ingest.build import page_published
from bot.models import day_of
from bot.parse.feed import _parse_feed
from bot.render import render_article
from bot.render.dates import format_dates
from bot.storage import Storage

NEW_YORK = "America/New_York"
PAGES = Path(__file__).parent / "fixtures" / "text" / "pages"
JAWHARA = "jawharafm_JA-culture-1-20170225"


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
    for tz in ("Pacific/Pago_Pago", NEW_YORK, "UTC", "Asia/Riyadh", "Asia/Tokyo",
               "Pacific/Auckland", "Pacific/Kiritimati"):
        assert format_dates(published, tz).endswith("11 مارس 2024"), tz
    assert format_dates(published, NEW_YORK) == "الاثنين 1 رمضان 1445 هـ — 11 مارس 2024"


def test_a_page_date_further_ahead_is_the_fetch_time() -> None:
    fetched = datetime(2024, 3, 20, 9, 0, 0, 250_000, tzinfo=UTC)
    whole = fetched.replace(microsecond=0)  # a sub-second part marks a day
    assert page_published(date(2024, 3, 22), fetched) == whole
    assert page_published(date(2099, 1, 1), fetched) == whole  # as for feed items
    assert page_published(None, fetched) == whole
    assert day_of(whole) is None and day_of(fetched) is None
    assert page_published(date(1, 1, 1), fetched) == datetime(1, 1, 1, 11, 59, 59, 1, tzinfo=UTC)


# The Jawhara page's date (25 February 2017) in the message's date line.
JAWHARA_DAY = "السبت 28 جمادى الأولى 1438 هـ — 25 فبراير 2017"
FAR_ZONES = ("Etc/GMT+12", "UTC", "Pacific/Auckland", "Pacific/Kiritimati")  # -12, 0, +13, +14


@pytest.mark.parametrize("fetched", [
    datetime(2017, 3, 3, 8, 0, tzinfo=UTC),  # days later
    datetime(2017, 2, 25, 3, 30, tzinfo=UTC),  # the same day, before noon UTC
    datetime(2017, 2, 25, 20, 0, tzinfo=UTC),  # the same day, after noon UTC
    datetime(2017, 2, 24, 22, 15, tzinfo=UTC),  # the day before in UTC: 01:15 in Riyadh
])
async def test_a_day_only_page_date_is_that_day_in_every_zone_once_stored(
        tmp_path: Path, fetched: datetime) -> None:
    """/broadcast URL of a page that shows only its day (the Jawhara page: 25 February
    2017), stored and read back as the broadcast is, then rendered for a chat at UTC-12,
    UTC, +13 and +14. Stored at noon UTC, it was the 26th at +13 and +14 (Hijri and
    Gregorian); a page dated today was the fetch time, another day in some zones."""
    kind, built = build_page_article(
        "https://www.jawharafm.net/ar/article/78845", (PAGES / f"{JAWHARA}.html").read_bytes(),
        "text/html; charset=utf-8", fetched)
    assert kind == "article" and built is not None
    storage = await Storage.open(str(tmp_path / "bot.sqlite3"))
    try:
        record = await storage.broadcasts.create_for_article(1, built.article)
        assert record.article_id is not None
        stored = await storage.articles.get(record.article_id)
    finally:
        await storage.close()
    assert stored is not None and stored.published <= fetched  # never after its fetch
    for tz in FAR_ZONES:
        assert f" · {JAWHARA_DAY}\n" in render_article(stored, tz=tz).text, tz


def test_a_day_sorts_with_the_times_of_that_day() -> None:
    fetched = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    day = page_published(date(2024, 3, 11), fetched)
    assert datetime(2024, 3, 11, 0, 0, tzinfo=UTC) < day < datetime(2024, 3, 12, tzinfo=UTC)
    assert day_of(day) == date(2024, 3, 11)
    today = page_published(date(2024, 3, 20), fetched)
    assert today <= fetched and day_of(today) == date(2024, 3, 20)


def _feed_with_date(tag: str, when: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>مصدر</title>'
        f"<item><title>خبر بتاريخ يوم</title><link>https://a.example/1</link><{tag}>{when}"
        f"</{tag}><description>نص الخبر.</description></item></channel></rss>").encode()


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(("tag", "when"), [
    ("dc:date", "2024-03-11"), ("pubDate", "2024-03-11"), ("pubDate", "Mon, 11 Mar 2024"),
    ("dc:date", " 2024-03-11 "), ("pubDate", "11 Mar 2024"),
])
def test_a_feed_date_with_no_time_is_that_day_in_every_zone(
        tag: str, when: str, fast: bool) -> None:
    """dc:date's short form ("2024-03-11") came out of feedparser as midnight UTC: the
    10th (Hijri and Gregorian) anywhere west of UTC."""
    fetched = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    parsed = _parse_feed(_feed_with_date(tag, when), url="https://a.example/rss",
                         headers={"content-type": "application/rss+xml"},
                         fetched_at=fetched, fast=fast)
    published = parsed.entries[0].published
    assert day_of(published) == date(2024, 3, 11) and published <= fetched
    for tz in ("Pacific/Pago_Pago", NEW_YORK, "UTC", "Asia/Riyadh", "Pacific/Kiritimati"):
        assert format_dates(published, tz) == "الاثنين 1 رمضان 1445 هـ — 11 مارس 2024", tz


@pytest.mark.parametrize("when", ["2024-03-11T00:00:00Z", "Mon, 11 Mar 2024 00:00:00 GMT"])
def test_a_feed_date_at_midnight_stays_a_time(when: str) -> None:
    fetched = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    parsed = _parse_feed(_feed_with_date("pubDate", when), url="https://a.example/rss",
                         headers={"content-type": "application/rss+xml"}, fetched_at=fetched)
    published = parsed.entries[0].published
    assert published == datetime(2024, 3, 11, tzinfo=UTC) and day_of(published) is None
    assert format_dates(published, NEW_YORK).endswith("10 مارس 2024")  # a time: its zone's day


def test_a_feed_day_of_today_is_the_fetch_time_marked_as_a_day() -> None:
    fetched = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    parsed = _parse_feed(_feed_with_date("dc:date", "2024-03-20"), url="https://a.example/rss",
                         headers={"content-type": "application/rss+xml"}, fetched_at=fetched)
    published = parsed.entries[0].published
    assert published <= fetched and day_of(published) == date(2024, 3, 20)
    ahead = _parse_feed(_feed_with_date("dc:date", "2024-03-23"), url="https://a.example/rss",
                        headers={"content-type": "application/rss+xml"}, fetched_at=fetched)
    assert ahead.entries[0].published == fetched  # further ahead: the fetch time, as before
