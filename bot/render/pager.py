"""The page-turning row of every paged list (/sources, /search results): one builder,
one look, one callback-data convention.

Labels and order. Telegram lays a keyboard row out left to right as sent, whatever the
language. An Arabic reader reads right to left, so a list goes forward leftward: "next"
is the left button, its arrow pointing left, "previous" the right one, pointing right.
Each label starts with its Arabic word (so every client takes it as right-to-left text)
and the arrow follows it, so it shows on the word's left::

    [ ◀ التالي ]  [ ▶ السابق ]        sent as (NEXT_LABEL, PREV_LABEL)

The first page has only "next", the last only "previous".

Callback data: ``KIND:p:STATE…:PAGE`` signed by :class:`~bot.callbacks.CallbackCodec`
(``p`` says "show page PAGE", the list's own fields, if any, come between: the saved
query's id for /search). :func:`parse_page` reads it back; each list also keeps
accepting the data of buttons it sent before this convention (``s:QID:PAGE``), so a page
button of an old message still works.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.callbacks import CallbackCodec
from bot.models import Button

NEXT_LABEL = "التالي ◀"
PREV_LABEL = "السابق ▶"
PAGE = "p"
MAX_DIGITS = 12  # a number field longer than this is no id or page of ours


def page_data(codec: CallbackCodec, kind: str, page: int, state: Sequence[int] = ()) -> str:
    """The signed callback data that shows ``page`` (0-based) of a ``kind`` list."""
    return codec.encode(kind, PAGE, *state, page)


def pager_row(codec: CallbackCodec, kind: str, page: int, *, has_next: bool,
              state: Sequence[int] = ()) -> tuple[Button, ...]:
    """The buttons that turn from ``page``: "next" (when ``has_next``), then "previous"
    (after the first page); empty when there is only one page."""
    row: list[Button] = []
    if has_next:
        row.append(Button(NEXT_LABEL, callback_data=page_data(codec, kind, page + 1, state)))
    if page > 0:
        row.append(Button(PREV_LABEL, callback_data=page_data(codec, kind, page - 1, state)))
    return tuple(row)


def numbers(fields: Sequence[str]) -> tuple[int, ...] | None:
    """The fields as numbers when every one is a short ASCII decimal, else None."""
    if not all(f.isascii() and f.isdecimal() and len(f) <= MAX_DIGITS for f in fields):
        return None
    return tuple(int(f) for f in fields)


def parse_page(fields: Sequence[str], state_fields: int = 0
               ) -> tuple[tuple[int, ...], int] | None:
    """(state, page) from the decoded fields of a page button (``p``, ``state_fields``
    numbers, the page), else None: another action, or anything malformed."""
    if len(fields) != state_fields + 2 or fields[0] != PAGE:
        return None
    values = numbers(fields[1:])
    if values is None:
        return None
    return values[:-1], values[-1]
