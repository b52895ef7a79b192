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


__all__ = ["tokenize", "tokenize_normalized"]
