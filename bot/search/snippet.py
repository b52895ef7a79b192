"""Snippets: the passage of an article where the query matched, in its original spelling.

Matching happens on index keys (normalized, stemmed); the reader must see the article's
own words. :func:`bot.search.terms.surface_words` gives every word of the original text
with its key, so the words whose key the query searched for are found in place, and
the text around them is cut on word boundaries, escaped for Telegram HTML, with the
matched words in ``<b>`` (neighbouring ones share one tag).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.controls import strip_bidi_controls
from bot.render import escape, truncate_words
from bot.render.bidi import RLM, needs_rtl_mark
from bot.search.terms import places, surface_words

ELLIPSIS = "…"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
MAX_MATCHES = 300  # matched words considered when choosing the window
CONTEXT_BEFORE = 40  # characters of context kept before the first match


def _gap(text: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub(" ", strip_bidi_controls(text)))


def count_matches(text: str, keys: Collection[str]) -> int:
    """How many distinct searched keys occur in ``text``."""
    return len({k for _, _, k in surface_words(text) if k in keys})


def _window(words: list[tuple[int, int, str | None]], hits: list[int], width: int
            ) -> tuple[int, int]:
    """(first, last) word indexes of the ``width``-character window with the most
    distinct matched keys (then the most matches; the earliest on a tie)."""
    best = (-1, -1, 0, 0)  # distinct, count, first, last
    for n, i in enumerate(hits[:MAX_MATCHES]):
        start = words[i][0]
        distinct: set[str | None] = set()
        count = 0
        last = i
        for j in hits[n:MAX_MATCHES]:
            if words[j][1] - start > width:
                break
            distinct.add(words[j][2])
            count += 1
            last = j
        if (len(distinct), count) > best[:2]:
            best = (len(distinct), count, i, last)
    return best[2], best[3]


def snippet(text: str, keys: Collection[str], width: int = 220, *, html: bool = True) -> str:
    """About ``width`` characters of ``text`` around its best cluster of matches.

    ``keys`` are the searched index keys (:meth:`bot.search.query.Query.highlight_keys`).
    With ``html`` the result is Telegram HTML (escaped, matches in ``<b>``); otherwise
    plain text. Without any match it is the start of the text. Never longer than
    ``width`` plus two ellipses.
    """
    text = text.strip()
    if not text:
        return ""
    # one per place ("ﷺ" is four words in one character), with its searched key if any
    words = [(a, b, ks[0] if len(ks) == 1 else next((k for k in ks if k in keys), ks[0]))
             for a, b, ks in places(surface_words(text))]
    hits = [i for i, (_, _, key) in enumerate(words) if key is not None and key in keys]
    if not hits:
        start = truncate_words(_gap(text).strip(), width)
        return _finish(escape(start) if html else start, start)
    if len(text) <= width:  # all of it fits
        first, last = 0, len(words) - 1
    else:
        first, last = _window(words, hits, width)
    # Widen: some context before the first match, then whole words up to ``width``.
    start_i = first
    while start_i > 0 and words[first][0] - words[start_i - 1][0] <= CONTEXT_BEFORE:
        start_i -= 1
    while start_i < first and words[last][1] - words[start_i][0] > width:
        start_i += 1
    end_i = last
    while end_i + 1 < len(words) and words[end_i + 1][1] - words[start_i][0] <= width:
        end_i += 1
    begin, end = words[start_i][0], words[end_i][1]
    if start_i == 0:
        begin = 0
    if end_i == len(words) - 1:
        end = len(text)

    matched = set(hits)
    out: list[str] = []
    plain: list[str] = []
    pos = begin
    open_bold = False
    for i in range(start_i, end_i + 1):
        a, b, _ = words[i]
        gap = _gap(text[pos:a])
        if open_bold and (i not in matched or gap.strip()):
            out.append("</b>")
            open_bold = False
        out.append(escape(gap) if html else gap)
        plain.append(gap)
        if i in matched and not open_bold:
            out.append("<b>")
            open_bold = True
        word = text[a:b]
        out.append(escape(word) if html else word)
        plain.append(word)
        pos = b
    if open_bold:
        out.append("</b>")
    tail = _gap(text[pos:end])
    out.append(escape(tail) if html else tail)
    plain.append(tail)
    body = "".join(out).strip()
    shown = "".join(plain).strip()
    if begin > 0:
        body, shown = ELLIPSIS + body, ELLIPSIS + shown
    if end < len(text):
        body, shown = body + ELLIPSIS, shown + ELLIPSIS
    return _finish(body if html else shown, shown)


def _finish(body: str, plain: str) -> str:
    return RLM + body if needs_rtl_mark(plain) else body


def highlight(text: str, keys: Collection[str]) -> str:
    """All of ``text`` as Telegram HTML with the matched words in ``<b>``."""
    return snippet(text, keys, width=len(text) + 1)


__all__ = ["count_matches", "highlight", "snippet"]
