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

Inside such a line, a Latin token that starts with a neutral character — a ``/command``,
an ``@mention`` — loses that character to the right-to-left side: «أرسل /start أولًا»
shows "start/". A LEFT-TO-RIGHT MARK (U+200E) just before it keeps the slash (or the @)
with its word. Telegram still finds the command or mention after the mark (it is not a
word character). :func:`rtl_text` applies both marks to the bot's own chat copy.
"""

from __future__ import annotations

import html
import re
import unicodedata

RLM = "\u200f"
LRM = "\u200e"

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


_TAG = re.compile(r"(<[^>]*>)")
# Where a /command or @mention starts: not inside a word, a URL, an e-mail address or
# markup ("&lt;/b&gt;", or "</b>" in plain text), and not already after an LRM.
_LTR_TOKEN = re.compile(r"(?<![\w/:.@;<\u200e])(?=[/@][A-Za-z])")


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in _RTL for ch in text)


def rtl_text(text: str, *, html_text: bool = True) -> str:
    """Chat copy (Telegram HTML; plain text with ``html_text=False``, such as an inline
    result's title) laid out right to left.

    In every line with right-to-left letters: an LRM before each ``/command`` and
    ``@mention`` (module doc), then an RLM at the start when the line's visible text
    (tags left out) starts otherwise (:func:`needs_rtl_mark`). Lines without RTL letters
    are left alone; applying it twice changes nothing.

    >>> rtl_text("/start — بدء استقبال الأخبار") == RLM + LRM + "/start — بدء استقبال الأخبار"
    True
    """
    lines = []
    for line in text.split("\n"):
        parts = _TAG.split(line) if html_text else [line]
        if _has_rtl("".join(parts[0::2])):
            parts[0::2] = [_LTR_TOKEN.sub(LRM, part) for part in parts[0::2]]
            line = "".join(parts)
            visible = "".join(parts[0::2])
            if needs_rtl_mark(html.unescape(visible) if html_text else visible):
                line = RLM + line
        lines.append(line)
    return "\n".join(lines)
