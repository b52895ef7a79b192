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
"""

from __future__ import annotations

import re

from bot.arabic import tokenize

# A dash between parts of a byline: with a space on at least one side.
_PART_DASH = re.compile(r"\s+[-–—]\s*|\s*[-–—]\s+")


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
    source_words = tokenize(source)
    if not credit or not source_words:
        return credit
    parts = _PART_DASH.split(credit)
    kept = [p for p in parts if p.strip() and not _names(tokenize(p), source_words)]
    if len(kept) == len(parts):
        return credit  # nothing repeats the source: the credit as the feed wrote it
    return " - ".join(p.strip() for p in kept)


__all__ = ["credit_beside"]
