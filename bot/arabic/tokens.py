"""Word tokens of Arabic (and mixed) text, on the normalized form.

``tokenize`` normalizes first (see :mod:`bot.arabic.normalize`), so every spelling of a word
gives the same token: tashkeel and tatweel gone, alef forms unified, ى -> ي, ة -> ه,
Arabic-Indic digits -> ASCII, Latin case-folded. A token is a run of letters, or a number
(``3.5`` and ``2,000`` stay whole). Punctuation, the Arabic comma, quotes, ``#`` and ``_``
separate tokens, so ``#قطاع_غزة`` gives ``قطاع`` and ``غزه``.
"""

from __future__ import annotations

import re

from bot.arabic.normalize import normalize

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def tokenize(text: str) -> list[str]:
    """Normalized word tokens of ``text``, in order.

    >>> tokenize("قالَ الوزيرُ: النمو ٣٫٥٪ في «الأردن»")
    ['قال', 'الوزير', 'النمو', '3.5', 'في', 'الاردن']
    """
    return _TOKEN.findall(normalize(text))


def tokenize_normalized(text: str) -> list[str]:
    """Like :func:`tokenize` for text that is already normalized (skips the fold)."""
    return _TOKEN.findall(text)


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """The tokens of already-normalized ``text`` as ``(start, end, token)``: two tokens
    with nothing between them are one written word ("h2o": "h", "2", "o")."""
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def is_token(text: str) -> bool:
    """Is already-normalized ``text`` exactly one token?"""
    return _TOKEN.fullmatch(text) is not None


__all__ = ["is_token", "token_spans", "tokenize", "tokenize_normalized"]
