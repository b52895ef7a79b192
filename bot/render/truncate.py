"""Shortening plain text on a word boundary (before it is escaped).

Lengths are UTF-16 code units, as Telegram counts them; for Arabic and Latin text that is
the same as ``len()``. Truncate *plain* text, then escape it: escaping does not change
the visible length (an entity counts as one character).
"""

from __future__ import annotations

import re
import unicodedata

from bot.controls import strip_bidi_controls
from bot.render.escape import utf16_length

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HSPACE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_ANY_SPACE = re.compile(r"\s+")


def clean_line(text: str) -> str:
    """One line of display text: control characters (bidi controls included: see
    :mod:`bot.controls`) dropped, all whitespace collapsed."""
    return _ANY_SPACE.sub(" ", _CONTROL.sub(" ", strip_bidi_controls(text))).strip()


def clean_paragraphs(text: str) -> str:
    """Display text that may keep line breaks: control characters dropped (as in
    :func:`clean_line`), spaces collapsed, at most one blank line."""
    text = strip_bidi_controls(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _HSPACE.sub(" ", _CONTROL.sub(" ", text))
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def _is_trailing_junk(ch: str) -> bool:
    """Whitespace or punctuation (incl. Arabic ، ؛ ؟) that must not precede an ellipsis."""
    return ch.isspace() or unicodedata.category(ch)[0] in "PZ" or ch == "\u0640"


def _is_mark(ch: str) -> bool:
    """A character that belongs to the one before it (harakat, ZWJ, variation selectors)."""
    return unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch in "\u200c\u200d\ufe0f"


def _word_ends_at(text: str, cut: int) -> bool:
    """True when only punctuation separates ``text[:cut]`` from the next whitespace, so
    cutting at ``cut`` keeps the last word whole (``"القاسية"`` may lose its quote)."""
    for ch in text[cut : cut + 64]:
        if ch.isspace():
            return True
        if not _is_trailing_junk(ch):
            return False
    return cut + 64 >= len(text)


def _prefix_within(text: str, budget: int) -> int:
    """Index ``i`` such that ``text[:i]`` is the longest prefix of at most ``budget`` units."""
    if budget >= len(text) * 2:
        return len(text)
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            return i
    return len(text)


def truncate_words(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut ``text`` to at most ``limit`` UTF-16 units on a word boundary, adding ``ellipsis``.

    Text that fits is returned unchanged. Otherwise the result is the longest run of whole
    words that fits together with the ellipsis, with trailing spaces and punctuation
    (``. , ، ؛ : " (`` ...) stripped before the ellipsis. Words are separated by
    whitespace. The one exception: when not even the first word fits, there is no
    boundary to cut at, so the first word is cut (never between a letter and its
    harakat). Returns ``""`` when nothing but the ellipsis would fit.

    >>> truncate_words("مرحبا بكم، في الأخبار", 12)
    'مرحبا بكم…'
    """
    if utf16_length(text) <= limit:
        return text
    budget = limit - utf16_length(ellipsis)
    if budget <= 0:
        return ""
    cut = _prefix_within(text, budget)
    if not _word_ends_at(text, cut):
        # The cut lands inside a word: go back to the last whitespace before it.
        space = next((i for i in range(cut - 1, -1, -1) if text[i].isspace()), -1)
        if space > 0 and text[:space].strip():
            cut = space
        else:
            while cut > 0 and _is_mark(text[cut]):
                cut -= 1
    head = text[:cut]
    end = len(head)
    while end > 0 and _is_trailing_junk(head[end - 1]):
        end -= 1
    head = head[:end]
    return head + ellipsis if head else ""
