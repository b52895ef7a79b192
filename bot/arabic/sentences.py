"""Sentence splitting for Arabic (and mixed Arabic/Latin) news text.

Boundaries (DESIGN.md): ``.`` ``!`` ``?`` ``؟`` ``؛`` (and ``…``, and ``۔``, the full stop of
Urdu and of some Persian and Arabic text) and line breaks. The Arabic comma ``،`` is *not* a
boundary. A period is not a boundary inside a number (``3.5``,
``2.000``), inside a Latin token (``cnn.com``, ``U.S``) or after an initial or a known
abbreviation (``د.``, ``م.``, ``J.``, ``إف.``). Runs of terminators (``...``, ``؟!``, ``!!``)
count once, and closing quotes and brackets that follow a terminator (``."`` ``.»`` ``؟)``)
stay with their sentence. A terminator inside an open quotation or bracket whose closer
comes later on the same line does not end the sentence, so quotations are not torn apart.

The pieces keep their original characters (they are for display); only the surrounding
whitespace is stripped. A piece with no letter at all (a stray ``...``) is merged into its
neighbour on the same line; ``1.`` at the start of a line is a list marker, not a sentence.
"""

from __future__ import annotations

import functools
import re
from itertools import pairwise

from bot.arabic.normalize import strip_tashkeel

TERMINATORS = frozenset(".!?؟؛…۔")
# Opening character -> its closer. Straight quotes open and close themselves.
_PAIRS = {"«": "»", "(": ")", "[": "]", "{": "}", "“": "”", "‹": "›", '"': '"'}
_CLOSERS = frozenset(_PAIRS.values()) | {"’", "'"}
# How far ahead (characters, same line) a closer may be for an opener to count as open.
_MAX_QUOTE_SPAN = 300

# Words that take a period without ending a sentence (compared without tashkeel/tatweel,
# case-folded). Any single letter (initials and abbreviations such as "د." "م." "ص." "J."
# "هـ.") is treated the same way without being listed.
ABBREVIATIONS = frozenset(
    {
        # Arabic renderings of Latin initials: "جون إف. كينيدي", "جي. بي. مورغان".
        # ("سي" and "بي" are left out: "بي بي سي." often ends a sentence.)
        "إف",
        "اف",
        "جي",
        "إتش",
        "اتش",
        "دي",
        "آر",
        "إل",
        "إم",
        "تي",
        # Latin ("Dr. Smith"). "إلخ." is deliberately absent: it usually ends the sentence.
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "no",
        "vs",
        "inc",
        "ltd",
        "gen",
        "lt",
        "col",
        "fig",
        "vol",
        "pp",
    }
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# The characters the splitter acts on: terminators, openers and closers; every other
# character is skipped over. (The closers ’ and ', never expected on the stack, only matter
# right after a terminator.)
_ACTIVE = re.compile(
    "[" + re.escape("".join(sorted(TERMINATORS | _PAIRS.keys() | set(_PAIRS.values())))) + "]"
)


def _lines(text: str) -> list[str]:
    """``_LINE_BREAK.split(text)``; a plain ``str.split`` when ``\\n`` is the only break."""
    if "\r" in text or "\u2028" in text or "\u2029" in text:
        return _LINE_BREAK.split(text)
    return text.split("\n")


def _is_latin_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _word_before(line: str, end: int) -> str:
    """The run of letters (tashkeel and tatweel allowed) that ends at ``end``."""
    start = end
    while start > 0 and (line[start - 1].isalpha() or _is_mark(line[start - 1])):
        start -= 1
    return line[start:end]


@functools.cache  # one entry per distinct character met before a period
def _is_mark(ch: str) -> bool:
    return ch == "\u0640" or strip_tashkeel(ch) == ""


def _period_is_boundary(line: str, i: int, j: int) -> bool:
    """A lone ``.`` at ``line[i]`` (run ends at ``j``): is it a sentence end?"""
    prev = line[i - 1] if i > 0 else ""
    nxt = line[j] if j < len(line) else ""
    if prev.isdigit() and nxt.isdigit():
        return False  # 3.5, 2.000, 10.30
    if nxt and _is_latin_alnum(nxt):
        return False  # cnn.com, U.S, e.g. a.m., ".5"
    word = _word_before(line, i)
    return not (word and _takes_period(word))


@functools.lru_cache(maxsize=4096)
def _takes_period(word: str) -> bool:
    """Is ``word`` an initial or a known abbreviation (its period is no boundary)?"""
    bare = strip_tashkeel(word).casefold()
    return len(bare) == 1 or bare in ABBREVIATIONS or word in ABBREVIATIONS


def _closer_exists(line: str, start: int, closer: str) -> bool:
    return line.find(closer, start, start + _MAX_QUOTE_SPAN) != -1


def _split_line(line: str) -> list[str]:
    """The sentences of one non-blank ``line``. Only the characters matched by _ACTIVE are
    visited; a terminator run takes the closers that follow it along."""
    cuts: list[int] = []  # indices where a sentence ends
    stack: list[str] = []  # expected closers of the quotations/brackets open right now
    start = 0
    n = len(line)
    skip_to = 0  # characters before this were consumed with a terminator run
    for m in _ACTIVE.finditer(line):
        i = m.start()
        if i < skip_to:
            continue
        ch = line[i]
        if ch in TERMINATORS:
            j = i + 1
            while j < n and line[j] in TERMINATORS:
                j += 1
            run = line[i:j]
            boundary = True
            if run == ".":
                # "1. ..." at the start of a line is a list marker, not a sentence.
                boundary = not line[start:i].strip().isdigit() and _period_is_boundary(line, i, j)
            elif run in ("?", "!") and j < n and (_is_latin_alnum(line[j]) or line[j] in "=&/"):
                boundary = False  # a URL query string, "Yahoo!Mail"
            # Closers right after the terminator belong to this sentence.
            k = j
            pending = list(stack)
            while k < n and line[k] in _CLOSERS:
                c = line[k]
                if pending and pending[-1] == c:
                    pending.pop()
                elif c in "\"'":
                    break  # an unmatched straight quote opens the next sentence
                k += 1
            if boundary and not pending:
                cuts.append(k)
                start = k
                stack = []
            skip_to = k
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch in _PAIRS and _closer_exists(line, i + 1, _PAIRS[ch]):
            stack.append(_PAIRS[ch])
    if not cuts or (len(cuts) == 1 and not line[cuts[0] :].strip()):
        return [line.strip()]  # one piece: the whole line (the usual paragraph)
    return _pieces(line, cuts)


def _pieces(line: str, cuts: list[int]) -> list[str]:
    """Cut ``line`` at ``cuts``; a piece without a letter (a stray "...") is not a sentence
    of its own: it joins the previous piece, or the next one when it comes first."""
    bounds = [0, *cuts, len(line)]
    spans = [(a, b) for a, b in pairwise(bounds) if line[a:b].strip()]
    merged: list[tuple[int, int]] = []
    pending_start: int | None = None
    for a, b in spans:
        if not _HAS_LETTER.search(line[a:b]):
            if merged:
                merged[-1] = (merged[-1][0], b)
            elif pending_start is None:
                pending_start = a
            continue
        merged.append((a if pending_start is None else pending_start, b))
        pending_start = None
    if pending_start is not None:  # the line has no letter at all: keep it whole
        merged.append((pending_start, len(line)))
    return [line[a:b].strip() for a, b in merged]


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, in order, each stripped; empty input gives ``[]``.

    >>> split_sentences("قال الوزير: النمو 3.5 بالمئة. هل هذا كاف؟ نعم!")
    ['قال الوزير: النمو 3.5 بالمئة.', 'هل هذا كاف؟', 'نعم!']
    """
    out: list[str] = []
    for line in _lines(text):
        if line.strip():
            out.extend(_split_line(line))
    return out


_TERMINAL_END = re.compile(r"[.!?؟؛…۔:»”\")\]]\s*$")


def unwrap_lines(text: str) -> str:
    """Join hard-wrapped lines back into paragraphs; other text is returned unchanged.

    Some sources wrap prose at a fixed width (e-mail style), so a line break there is not
    a sentence boundary. Text counts as wrapped when its longest line is of wrap width
    (40 to 200 characters) and at least two lines come close to that width (>= 60 %)
    without ending a sentence; each such line is then joined to the next with a space.
    Short unterminated lines (headings, list items) and text written one paragraph a line
    are left alone.
    """
    lines = [ln.strip() for ln in _lines(text)]
    nonempty = [ln for ln in lines if ln]
    if len(nonempty) < 3:
        return text
    width = max(len(ln) for ln in nonempty)
    if not 40 <= width <= 200:
        return text

    def wrapped(line: str) -> bool:
        return len(line) >= 0.6 * width and not _TERMINAL_END.search(line)

    if sum(wrapped(ln) for ln in nonempty) < 2:
        return text
    out: list[str] = []
    buf = ""
    for ln in lines:
        if not ln:
            if buf:
                out.append(buf)
                buf = ""
            continue
        buf = f"{buf} {ln}" if buf else ln
        if not wrapped(ln):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return "\n".join(out)


__all__ = ["ABBREVIATIONS", "TERMINATORS", "split_sentences", "unwrap_lines"]
