"""Normalization of Arabic text for matching and search (never for display).

Per DESIGN.md: strip tashkeel (harakat, tanween, shadda, sukun, superscript alef, Quranic
marks) and tatweel, unify alef forms (أ إ آ ٱ -> ا), ى -> ي, ة -> ه, Arabic-Indic and
Persian digits -> ASCII. Also folds case and compatibility forms (NFKC: presentation
forms such as ﻻ become لا) and collapses whitespace.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat and other combining marks used in Arabic script.
_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
_TATWEEL = "\u0640"
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian yeh
        "ة": "ه",
        "ک": "ك",  # Persian kaf
        "\u066b": ".",  # Arabic decimal separator
        "\u066c": ",",  # Arabic thousands separator
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended (Persian) digits
        _TATWEEL: None,
        "\u200c": None,  # ZWNJ
        "\u200d": None,  # ZWJ
        "\u200e": None,  # LRM
        "\u200f": None,  # RLM
        "\u061c": None,  # ALM
        "\ufeff": None,  # BOM
    }
)
_SPACES = re.compile(r"\s+")


def strip_tashkeel(text: str) -> str:
    """Remove harakat and tatweel, keep everything else as it is."""
    return _TASHKEEL.sub("", text).replace(_TATWEEL, "")


def normalize(text: str) -> str:
    """Fold ``text`` to its matching form: the same key for every spelling of a word.

    >>> normalize("الأُمَمُ المتّحدة") == normalize("الامم المتحده")
    True
    """
    text = unicodedata.normalize("NFKC", text)
    text = _TASHKEEL.sub("", text)
    text = text.translate(_FOLD).casefold()
    return _SPACES.sub(" ", text).strip()
