"""Retry-After and Cache-Control parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.fetch import parse_max_age, parse_retry_after

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Wed, 01 May 2024 12:01:30 GMT", 90.0),
        ("Wednesday, 01-May-24 12:00:10 GMT", 10.0),  # RFC 850 form
        ("Wed, 01 May 2024 11:00:00 GMT", 0.0),  # in the past: retry now
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("1.5", None),
        ("\u00b2", None),  # "²" (a latin-1 header byte): isdigit, but int() raised
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize(
    "value, max_age",
    [
        ("public, max-age=300", 300),
        ("max-age=0, must-revalidate", 0),
        ('private, max-age="60"', 60),
        ("s-maxage=100", None),
        ("no-cache", 0),
        ("no-store, max-age=30", 30),
        ("public", None),
        (None, None),
    ],
)
def test_parse_max_age(value: str | None, max_age: int | None) -> None:
    assert parse_max_age(value) == max_age
