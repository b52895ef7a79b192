"""Plain data passed between the stages of the pipeline. No I/O here.

Times are timezone-aware UTC ``datetime`` objects in the core; storage keeps them as
Unix seconds (REAL) and converts at its boundary.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

_T = TypeVar("_T")


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
