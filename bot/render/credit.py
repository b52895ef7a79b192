"""The credit shown after the source name, without the source name itself.

Feeds put the desk and the site in the byline: Sky News Arabia's ``dc:creator`` is
"أبوظبي - سكاي نيوز عربية", Al Arabiya's "دبي - العربية نت" or "دبي - قناة العربية".
Shown as is, the footer says the source twice: "سكاي نيوز عربية (أبوظبي - سكاي نيوز
عربية)". The credit is split at its dashes (a dash with a space beside it, so "S-400"
stays whole) and every part that names the source is dropped: "سكاي نيوز عربية
(أبوظبي)". A part names the source when it holds the source's words in order with at
most one word more ("العربية نت", "قناة العربية", "مراسل العربية"), or when it is two or
more of the source's words in order ("بي بي سي" for "بي بي سي عربي"); words compared
normalized. "وكالة الأنباء العربية السورية" does not name "العربية". A credit that only
names the source shows nothing.

Pages list several authors separated by semicolons (trafilatura's "Akhbarelyom; Heba
Musa"): those are parts too. A page outside any feed whose site gives no name has its
host as the source ("akhbarelyom.com"): the host's name without its last label
("akhbarelyom") is what a part must name.
"""

from __future__ import annotations

import re

from bot.arabic import tokenize

# Between parts of a byline: a dash with a space on at least one side, or a semicolon.
_SEPARATOR = re.compile(r"(\s+[-–—]\s*|\s*[-–—]\s+|\s*[;؛]\s*)")
_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)+")


def _contains(words: list[str], run: list[str]) -> bool:
    n = len(run)
    return any(words[i : i + n] == run for i in range(len(words) - n + 1))


def _names(part: list[str], source: list[str]) -> bool:
    """``part`` (normalized words) names the source (module doc)."""
    if len(part) <= len(source) + 1 and _contains(part, source):
        return True
    return len(part) >= 2 and _contains(source, part)


def credit_beside(source: str, credit: str) -> str:
    """``credit`` without the parts that repeat ``source`` ("" when nothing else is left).

    >>> credit_beside("سكاي نيوز عربية", "أبوظبي - سكاي نيوز عربية")
    'أبوظبي'
    >>> credit_beside("العربية", "اليمن- إسلام سيف")
    'اليمن- إسلام سيف'
    """
    source = source.strip()
    source_words = tokenize(source.rsplit(".", 1)[0] if _HOST.fullmatch(source) else source)
    if not credit or not source_words:
        return credit
    pieces = _SEPARATOR.split(credit)  # part, separator, part, ...
    kept: list[str] = []
    for i in range(0, len(pieces), 2):
        part = pieces[i].strip()
        if part and not _names(tokenize(part), source_words):
            if kept:  # the separator in front of it, tidied: " - " or "; "
                kept.append(" - " if pieces[i - 1].strip() in "-–—" else "; ")
            kept.append(part)
    if len(kept) == len(pieces):
        return credit  # nothing repeats the source: the credit as the feed wrote it
    return "".join(kept)


__all__ = ["credit_beside"]
