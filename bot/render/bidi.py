"""Right-to-left alignment hints.

Telegram clients pick a paragraph's direction from its first strong character (the
Unicode bidi "first strong" rule; some clients look at the very first character). An
Arabic line that happens to begin with Latin letters or digits — ``CNN: ...``,
``2018 عام ...``, a source name such as ``alarabiya · الأحد ...`` — is then laid out
left-to-right: left-aligned, with its Arabic words in the wrong visual order around the
Latin run. A RIGHT-TO-LEFT MARK (U+200F, invisible, one character of the length budget)
at the start of such a line makes it an RTL paragraph.

We add the mark only to lines that contain right-to-left letters and whose first strong
character or digit is not right-to-left. Lines that are entirely Latin are left alone:
forcing RTL on "Apple releases iPhone." would move the final period to the left end.
Lines that already start with an Arabic letter need nothing.
"""

from __future__ import annotations

import unicodedata

RLM = "\u200f"

_RTL = frozenset(("R", "AL"))
_STARTERS = frozenset(("L", "EN", "AN", "R", "AL"))


def needs_rtl_mark(line: str) -> bool:
    """True when ``line`` has RTL letters but starts (first strong char/digit) otherwise."""
    first: str | None = None
    for ch in line:
        kind = unicodedata.bidirectional(ch)
        if kind in _RTL:
            return first is not None and first not in _RTL
        if first is None and kind in _STARTERS:
            first = kind
    return False


def rtl_line(line: str) -> str:
    """``line`` with an RLM prepended when :func:`needs_rtl_mark` says so."""
    return RLM + line if needs_rtl_mark(line) else line
