"""Plain data passed between the stages of the pipeline. No I/O here.

Times are timezone-aware UTC ``datetime`` objects in the core; storage keeps them as
Unix seconds (REAL) and converts at its boundary. A publication time that is only a
calendar day (an article page that shows its date, no time) is a time too, marked as a
day by its microsecond (:func:`day_only`, :func:`day_of`): it sorts among the others and
is rendered as that day in every time zone, with no schema of its own.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

_T = TypeVar("_T")

#: The microsecond of a :func:`day_only` time. No other time the bot stores has one: feed
#: dates are whole seconds, and the fetch time that stands in for a missing one is cut to
#: the second (``bot.parse.feed``, :func:`bot.ingest.build.page_published`).
DAY_ONLY_MICROSECOND = 1
_HALF_DAY = timedelta(hours=12)


def day_only(day: date, not_after: datetime) -> datetime | None:
    """The time that stands for ``day`` (a date with no time of day), at the latest
    ``not_after`` (the fetch time), or None when no such time exists (``day`` is more than
    a day ahead of ``not_after`` in UTC).

    It is a time of the 24 hours before ``day``'s noon UTC, marked with
    :data:`DAY_ONLY_MICROSECOND`: 11:59:59 UTC of a day gone by, the fetch time for a
    later one (a page dated today, or already tomorrow in its own zone east of UTC). So
    it sorts where the article belongs, never after its fetch, and :func:`day_of` gives
    ``day`` back: the day of that time plus 12 hours, in UTC.
    """
    latest = datetime(day.year, day.month, day.day, 11, 59, 59, tzinfo=UTC)
    # (to the second, the marker added after it: never after ``not_after``)
    cap = not_after.astimezone(UTC) - timedelta(microseconds=DAY_ONLY_MICROSECOND)
    moment = min(latest, cap.replace(microsecond=0))
    if latest - moment >= timedelta(days=1):
        return None
    return moment.replace(microsecond=DAY_ONLY_MICROSECOND)


def day_of(moment: datetime) -> date | None:
    """The calendar day a :func:`day_only` time stands for (shown as it is in every time
    zone), or None for any other time (naive times are UTC)."""
    if moment.microsecond != DAY_ONLY_MICROSECOND:
        return None
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    try:
        return (utc + _HALF_DAY).date()
    except OverflowError:
        return None


def pickled_positionally(cls: type[_T]) -> type[_T]:
    """Pickle instances of a frozen dataclass as ``(cls, field values)``.

    Entries and articles cross process boundaries by the thousand (the ingest workers).
    The default for frozen slotted dataclasses is a per-instance state list restored by a
    Python loop over ``dataclasses.fields()``; calling the constructor with the values
    costs about half as much to unpickle (bench/poll.py "CPU: main").
    """
    get: Callable[[Any], Any] = operator.attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]

    def __reduce__(self: _T) -> tuple[type[_T], tuple[Any, ...]]:
        return cls, get(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


@pickled_positionally
@dataclass(frozen=True, slots=True)
class Entry:
    """One item as parsed from a feed, before extraction and storage.

    ``text`` is plain text (HTML stripped); ``url`` is already canonical when it comes out
    of the parser stage; ``published`` is None when the feed gave no usable date
    (``bot.parse.parse_feed`` fills in the fetch time instead, also for dates in the future).
    """

    title: str
    url: str | None
    guid: str | None = None
    text: str = ""
    published: datetime | None = None
    author: str | None = None
    categories: tuple[str, ...] = ()
    image_url: str | None = None


@pickled_positionally
@dataclass(frozen=True, slots=True)
class Article:
    """A stored (or about-to-be-stored) news article: what rendering and delivery use."""

    title: str
    url: str
    source: str
    published: datetime
    summary: str = ""
    text: str = ""
    image_url: str | None = None
    category: str | None = None
    author: str | None = None
    guid: str | None = None
    feed_id: int | None = None
    id: int | None = None
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """An inline keyboard button: exactly one of ``url`` or ``callback_data`` is set."""

    text: str
    url: str | None = None
    callback_data: str | None = None


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A message ready for the Bot API (HTML parse mode).

    When ``photo_url`` is set, send a photo with ``caption``; if the photo fails, send
    ``text`` instead. ``text`` always fits 4096 characters and ``caption`` 1024.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo_url: str | None = None
    caption: str | None = None
    disable_preview: bool = False
    extra: dict[str, str] = field(default_factory=dict)
