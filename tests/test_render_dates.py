"""format_dates: Arabic weekday, Umm al-Qura Hijri date, Gregorian date, zone-local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.render.dates import (
    GREGORIAN_MONTHS,
    HIJRI_MONTHS,
    format_dates,
    hijri_date,
    local_date,
    zone,
)


def test_design_example() -> None:
    # Al Arabiya item published "Sun, 18 Feb 2018 23:28:06 +0400".
    published = datetime(2018, 2, 18, 23, 28, 6, tzinfo=timezone(timedelta(hours=4)))
    assert format_dates(published) == "الأحد 2 جمادى الآخرة 1439 هـ — 18 فبراير 2018"


@pytest.mark.parametrize(
    ("day", "hijri"),
    [
        (date(2024, 3, 11), "1 رمضان 1445 هـ"),  # first day of Ramadan 1445
        (date(2024, 7, 7), "1 محرم 1446 هـ"),  # Islamic new year 1446
        (date(2023, 4, 21), "1 شوال 1444 هـ"),  # Eid al-Fitr 1444
        (date(2024, 6, 16), "10 ذو الحجة 1445 هـ"),  # Eid al-Adha 1445
        (date(2018, 9, 11), "1 محرم 1440 هـ"),
        (date(2018, 2, 18), "2 جمادى الآخرة 1439 هـ"),
        (date(1924, 8, 1), "1 محرم 1343 هـ"),  # first day hijridate covers
        (date(2077, 11, 16), "30 ذو الحجة 1500 هـ"),  # last day hijridate covers
    ],
)
def test_hijri_known_dates(day: date, hijri: str) -> None:
    assert hijri_date(day) == hijri


def test_hijri_month_names_all_used_in_order() -> None:
    seen: list[str] = []
    day = date(2024, 7, 7)  # 1 Muharram 1446
    while len(seen) < 12:
        name = hijri_date(day)
        assert name is not None
        month = name.split(" ", 1)[1].rsplit(" ", 2)[0]
        if not seen or seen[-1] != month:
            seen.append(month)
        day += timedelta(days=1)
    assert tuple(seen) == HIJRI_MONTHS


def test_gregorian_month_names() -> None:
    for month in range(1, 13):
        text = format_dates(datetime(2020, month, 15, 12, tzinfo=UTC))
        assert text.endswith(f"15 {GREGORIAN_MONTHS[month - 1]} 2020")


def test_weekdays_over_a_week() -> None:
    # 11 March 2024 was a Monday.
    expected = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
    for offset, name in enumerate(expected):
        dt = datetime(2024, 3, 11, 12, tzinfo=UTC) + timedelta(days=offset)
        assert format_dates(dt).split(" ")[0] == name


def test_day_boundary_uses_the_target_zone() -> None:
    late = datetime(2024, 3, 10, 23, 30, tzinfo=UTC)  # already 11 March 02:30 in Riyadh
    assert format_dates(late) == "الاثنين 1 رمضان 1445 هـ — 11 مارس 2024"
    assert format_dates(late, "UTC") == "الأحد 29 شعبان 1445 هـ — 10 مارس 2024"
    assert format_dates(late, "America/New_York").endswith("10 مارس 2024")
    # Exactly at Riyadh midnight (21:00 UTC) the new day starts; one second earlier it has not.
    midnight = datetime(2024, 3, 10, 21, 0, tzinfo=UTC)
    assert format_dates(midnight).endswith("11 مارس 2024")
    assert format_dates(midnight - timedelta(seconds=1)).endswith("10 مارس 2024")


def test_naive_datetimes_are_utc() -> None:
    assert format_dates(datetime(2024, 3, 10, 23, 30)) == format_dates(
        datetime(2024, 3, 10, 23, 30, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        (datetime(1900, 1, 1, tzinfo=UTC), "الاثنين 1 يناير 1900"),
        (datetime(1924, 7, 31, 12, tzinfo=UTC), "الخميس 31 يوليو 1924"),
        (datetime(2077, 11, 17, 12, tzinfo=UTC), "الأربعاء 17 نوفمبر 2077"),
        (datetime(2100, 1, 1, tzinfo=UTC), "الجمعة 1 يناير 2100"),
        (datetime.max.replace(tzinfo=UTC), "الجمعة 31 ديسمبر 9999"),
        (datetime.min.replace(tzinfo=UTC), "الاثنين 1 يناير 1"),
        (datetime.min, "الاثنين 1 يناير 1"),
        (datetime.max, "الجمعة 31 ديسمبر 9999"),
    ],
)
def test_out_of_range_falls_back_to_gregorian(dt: datetime, expected: str) -> None:
    assert format_dates(dt) == expected


def test_every_day_in_a_wide_range_never_raises() -> None:
    day = datetime(1920, 1, 1, 22, tzinfo=UTC)
    while day.year < 2082:
        text = format_dates(day)
        assert ("هـ —" in text) == (date(1924, 8, 1) <= local_date(day) <= date(2077, 11, 16))
        day += timedelta(days=13)


def test_western_digits_only() -> None:
    text = format_dates(datetime(2024, 3, 11, 12, tzinfo=UTC))
    assert not any("\u0660" <= ch <= "\u0669" for ch in text)


def test_unknown_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="time zone"):
        format_dates(datetime(2024, 1, 1, tzinfo=UTC), "Mars/Olympus")


NOT_PLACES = ("localtime", "Factory", "posixrules", "posix/Asia/Riyadh", "right/Asia/Riyadh",
              "posix/UTC", "right/UTC", "Etc/Unknown", "asia/riyadh", "America", "")


@pytest.mark.parametrize("name", NOT_PLACES)
def test_zone_keys_that_name_no_place_are_unknown(name: str) -> None:
    """ZoneInfo opens any file of the zone database: "localtime" (the server's own zone),
    "Factory", "posixrules" and the posix/ and right/ copies were accepted."""
    with pytest.raises(ValueError, match="unknown time zone"):
        zone(name)
    with pytest.raises(ValueError, match="unknown time zone"):
        format_dates(datetime(2024, 1, 1, tzinfo=UTC), name)


@pytest.mark.parametrize("name", ["Asia/Riyadh", "Africa/Cairo", "UTC", "Etc/GMT-3",
                                  "America/Argentina/Buenos_Aires", "US/Eastern"])
def test_iana_zones_are_known(name: str) -> None:
    assert zone(name).key == name


def test_the_zone_list_is_read_once() -> None:
    from bot.render.dates import zone_names  # (new with the rule)

    assert zone_names() is zone_names()
    assert not {"localtime", "Factory", "posixrules"} & zone_names()
    assert not [n for n in zone_names() if n.startswith(("posix/", "right/"))]
