"""Arguments of the admin commands. Pure.

* ``/broadcast``: a single http(s) URL is an article to fetch; any other text is sent as
  typed, with the admin's formatting (the message's entities as Telegram HTML); no
  argument but a reply copies the replied-to message; nothing at all is a usage error.
  With both a reply and an argument, the argument wins.
* ``/addfeed URL [name]``; ``/delfeed``, ``/pausefeed``, ``/resumefeed`` take a feed's id
  (``12``, ``#12``, Arabic-Indic digits too) or its exact name (compared after Arabic
  normalization, so «الجزيره» finds «الجزيرة»).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.arabic import normalize
from bot.render import escape
from bot.render.truncate import clean_line
from bot.render.urls import is_http_url
from bot.storage import Feed

NAME_LIMIT = 64
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_COMMAND = re.compile(r"\s*/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")


@dataclass(frozen=True, slots=True)
class BroadcastRequest:
    """``kind``: text (``html`` to send), url (``url`` to fetch), copy (the reply) or empty."""

    kind: str
    html: str = ""
    url: str = ""


def body_html(text_html: str | None) -> str | None:
    """The HTML of a command message after its ``/command[@bot]`` (None when the message
    does not start with the bare command, e.g. the command itself is inside formatting)."""
    if not text_html:
        return None
    match = _COMMAND.match(text_html)
    if match is None:
        return None
    return text_html[match.end():].strip()


def parse_broadcast(argument: str, html: str | None, *, has_reply: bool) -> BroadcastRequest:
    """``argument``: the plain text after the command; ``html``: the same with the
    formatting (see :func:`body_html`), or None to send ``argument`` as plain text."""
    arg = argument.strip()
    if not arg:
        return BroadcastRequest("copy" if has_reply else "empty")
    if len(arg.split()) == 1 and is_http_url(arg):
        return BroadcastRequest("url", url=arg)
    text = html if html and html.strip() else escape(arg)
    return BroadcastRequest("text", html=text)


@dataclass(frozen=True, slots=True)
class AddFeedArgs:
    url: str
    name: str = ""


def parse_addfeed(argument: str) -> AddFeedArgs | None:
    """``URL [name]``; None when there is no argument. The URL is not checked here."""
    parts = argument.strip().split(maxsplit=1)
    if not parts:
        return None
    name = clean_line(parts[1]) if len(parts) > 1 else ""
    return AddFeedArgs(parts[0], name)


def feed_ref(argument: str) -> int | str | None:
    """A feed id (``12``, ``#12``, ``١٢``) or a name; None when empty."""
    arg = clean_line(argument)
    if not arg:
        return None
    digits = arg.removeprefix("#").translate(_DIGITS)
    if digits.isdecimal() and len(digits) <= 12:
        return int(digits)
    return arg


def _key(name: str) -> str:
    return normalize(clean_line(name)).casefold()


def find_feeds(feeds: Sequence[Feed], ref: int | str) -> tuple[list[Feed], list[Feed]]:
    """(matches, suggestions): the feed with that id, or the feeds with exactly that name
    (normalized); when nothing matches, the feeds whose name contains it, as suggestions
    only (a command never acts on a partial name)."""
    if isinstance(ref, int):
        return [f for f in feeds if f.id == ref], []
    key = _key(ref)
    if not key:
        return [], []
    exact = [f for f in feeds if _key(f.name) == key]
    if exact:
        return exact, []
    return [], [f for f in feeds if key in _key(f.name)]
