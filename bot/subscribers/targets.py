"""What "/subscribe X" and "/unsubscribe X" mean (pure functions).

X is, in this order: a source (its name, compared after Arabic normalization, or its id
number), a category of the configured sources, or else a keyword. A leading ``#`` makes
it a keyword whatever it looks like (hashtags). Several targets may be given separated
by commas (، or ,). Keywords are stored as :func:`bot.matching.keyword_key` (normalized
words), so «الأمم المتحدة» and «الامم المتحده» are the same subscription, and matched
as whole words (see ``bot/matching.py``); nothing the user types becomes a regex.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.arabic import normalize
from bot.matching import keyword_key
from bot.render.truncate import clean_line
from bot.storage import Feed

MAX_CHARS = 64  # one target, as typed
MAX_TARGETS = 10  # per command
MIN_KEYWORD = 2  # characters of the normalized keyword
_SPLIT = re.compile(r"[،,]")


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved target: ``kind`` feed/category/keyword, the stored ``value``, what the
    chat sees (``display``); or a refusal (``error``: empty, too_long, no_letters,
    too_short) with the offending text in ``display``."""

    kind: str
    value: str = ""
    display: str = ""
    feed_id: int | None = None
    error: str | None = None


def split_targets(text: str) -> list[str]:
    """The comma-separated parts of the argument text, cleaned, empties dropped."""
    return [p for p in (clean_line(part) for part in _SPLIT.split(text)) if p]


def _key(text: str) -> str:
    return " ".join(normalize(text).split())


def resolve(text: str, feeds: Sequence[Feed], categories: Sequence[str]) -> Target:
    """Resolve one target typed by a user (already split and cleaned)."""
    if not text:
        return Target("keyword", display=text, error="empty")
    if len(text) > MAX_CHARS:
        return Target("keyword", display=text, error="too_long")
    if not text.startswith("#"):
        wanted = _key(text)
        for feed in feeds:
            if _key(feed.name) == wanted or (text.isdecimal() and int(text) == feed.id):
                return Target("feed", str(feed.id), feed.name, feed_id=feed.id)
        for category in categories:
            if _key(category) == wanted:
                return Target("category", normalize(category), category)
    key = keyword_key(text)
    shown = clean_line(text.lstrip("#")) or text
    if not key:
        return Target("keyword", display=text, error="no_letters")
    if len(key.replace(" ", "")) < MIN_KEYWORD:
        return Target("keyword", display=shown, error="too_short")
    return Target("keyword", key, shown)


def matches_subscription(text: str, kind: str, value: str, display: str) -> bool:
    """True when ``text`` (an /unsubscribe argument) names this existing subscription."""
    if kind == "keyword":
        return keyword_key(text) == value
    if text.startswith("#"):
        return False
    if kind == "feed":
        return _key(display) == _key(text) or (text.isdecimal() and text == value)
    return normalize(text).strip() == value or _key(display) == _key(text)
