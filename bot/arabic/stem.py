"""A light, conservative stemmer for normalized Arabic tokens.

Its job is matching, not morphology: "بالحكومة", "والحكومة", "للحكومة", "الحكومة",
"حكومة" and "حكومات" must meet, and short words must not be mangled. The result is a
matching key, never shown to anyone.

On a normalized token (see :func:`bot.arabic.tokens.tokenize`):

1. strip one definite-article prefix, longest first (``وبال وكال وفال فبال ولل فلل وال فال
   بال كال لل ال``) when at least 3 letters remain;
2. strip one suffix, longest first (``هما كما ات ون ين ها هم كم نا يه ه``) when at least 3
   letters remain. ``ه`` covers the ta marbuta after normalization (حكومه -> حكوم, as
   حكومات -> حكوم). ``ي`` and ``ان`` are kept: they end too many names (ايران، عمان);
3. strip leading ``و ف ب ك ل`` one at a time while at least 4 letters remain. Doing this
   after steps 1-2, and repeatedly, keeps the key consistent whether such a letter is a
   clitic or the word's own first letter: "لبنان", "ولبنان" and "اللبنانية" all give
   "بنان"; "كتاب", "بكتاب", "كتابها" all give "كتاب".

Tokens of fewer than 4 letters, tokens that are not all Arabic letters, and the name of God
in its clitic forms ("الله", "والله", "لله" ...) are returned as they are.
"""

from __future__ import annotations

_ARTICLE_PREFIXES = (
    "وبال",
    "وكال",
    "وفال",
    "فبال",
    "ولل",
    "فلل",
    "وال",
    "فال",
    "بال",
    "كال",
    "لل",
    "ال",
)
_LETTER_PREFIXES = frozenset("وفبكل")
_SUFFIXES = ("هما", "كما", "ات", "ون", "ين", "ها", "هم", "كم", "نا", "يه", "ه")
_ARABIC_LETTERS = frozenset(chr(c) for c in range(0x0621, 0x064B))
_KEEP = frozenset({"الله", "والله", "بالله", "تالله", "فالله", "لله", "ولله", "فلله"})


def light_stem(token: str) -> str:
    """The matching key of a normalized token.

    >>> {light_stem(w) for w in ("بالحكومه", "والحكومه", "الحكومه", "حكومه", "حكومات")}
    {'حكوم'}
    >>> light_stem("وقت"), light_stem("الله")
    ('وقت', 'الله')
    """
    if len(token) < 4 or token in _KEEP or not set(token) <= _ARABIC_LETTERS:
        return token
    word = token
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            word = word[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    while len(word) >= 5 and word[0] in _LETTER_PREFIXES:
        word = word[1:]
    return word


__all__ = ["light_stem"]
