"""Whole-word keyword matching on normalized Arabic (pure functions).

A keyword subscription is stored normalized (``bot.arabic.normalize``) and split into
words; it matches an article when the same words appear consecutively in the article's
normalized title, summary or lead. The first word may carry the attached Arabic clitics
a reader would expect to still match: و/ف (and), ب/ل/ك (prepositions) and the article ال,
so «الحكومة» matches «والحكومة» and «بالحكومة», and «حكومة» matches «الحكومة». Nothing the
user types is ever compiled as a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.arabic import normalize

_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits; '_' and '#' split words

# Prefix chains, longest first: conjunction? preposition? article?
_PREFIXES = tuple(sorted({
    c + p + a
    for c in ("", "و", "ف")
    for p in ("", "ب", "ل", "ك")
    for a in ("", "ال")
} | {"لل", "ولل", "فلل"}, key=len, reverse=True))


_CHUNK_WORDS: dict[str, str] = {}  # chunk -> its words, space-joined
# ~8 MiB when full (tracemalloc; 30 % less than a tuple of words an entry); then cleared
_CHUNK_WORDS_MAX = 50_000


def words(text: str) -> list[str]:
    """Normalized word tokens of ``text`` (hashtags and underscores split into words)."""
    return words_text(text).split()


def words_text(text: str) -> str:
    """:func:`words` space-joined (a word holds no whitespace).

    ``" ".join(_WORD.findall(normalize(text)))``, computed per whitespace-separated chunk
    with a cache looked up by one C-level ``map`` (news vocabulary repeats; normalizing a
    whole article costs ~0.2 ms). Same result: a word never spans whitespace, and
    normalization never reaches across it."""
    chunks = text.split()
    found = list(map(_CHUNK_WORDS.get, chunks))
    if None in found:
        found = [_chunk_words(c) if f is None else f for c, f in zip(chunks, found, strict=True)]
    return " ".join(filter(None, found))  # a chunk without words has ""


def _chunk_words(chunk: str) -> str:
    found = " ".join(_WORD.findall(normalize(chunk)))
    if len(_CHUNK_WORDS) >= _CHUNK_WORDS_MAX:
        _CHUNK_WORDS.clear()
    _CHUNK_WORDS[chunk] = found
    return found


def keyword_key(keyword: str) -> str:
    """The stored form of a keyword subscription: normalized words joined by one space."""
    return " ".join(words(keyword.lstrip("#")))


@lru_cache(maxsize=4096)
def _first_word_forms(word: str) -> frozenset[str]:
    """Every clitic-prefixed form of ``word`` that should still match it (remembered: the
    same keywords are checked against every article)."""
    if word.startswith("ال") and len(word) > 3:
        stem = word[2:]
        forms = {word, "لل" + stem}
        forms |= {c + p + word for c in ("", "و", "ف") for p in ("", "ب", "ك")}
        forms |= {c + "لل" + stem for c in ("و", "ف")}
        return frozenset(forms)
    if len(word) < 3:  # short words: exact only, or we would match half the language
        return frozenset({word})
    return frozenset(p + word for p in _PREFIXES)


class KeywordIndex:
    """The words of one article, ready to answer "does keyword K appear?" quickly.

    ``KeywordIndex(text)`` tokenizes ``text``; :meth:`from_tokens` takes ``words(text)``
    computed elsewhere (in an ingest worker, so the storing transaction does not)."""

    def __init__(self, text: str = "") -> None:
        self._set_tokens(words(text))

    @classmethod
    def from_tokens(cls, tokens: Iterable[str]) -> KeywordIndex:
        """The index of a text whose :func:`words` are ``tokens``."""
        index = cls.__new__(cls)
        index._set_tokens(list(tokens))
        return index

    def _set_tokens(self, tokens: list[str]) -> None:
        self._tokens = tokens
        self._positions: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            self._positions.setdefault(token, []).append(i)

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self._tokens)

    def contains(self, key: str) -> bool:
        """True when the normalized keyword ``key`` (see :func:`keyword_key`) appears."""
        parts = key.split()
        if not parts:
            return False
        rest = parts[1:]
        for form in _first_word_forms(parts[0]):
            for i in self._positions.get(form, ()):
                if self._tokens[i + 1 : i + 1 + len(rest)] == rest:
                    return True
        return False
