"""Index terms: the one function that turns text into what the full-text index holds.

Documents and queries go through the same steps, so a word matches however it is spelled:

1. :func:`bot.arabic.tokenize` — normalize (tashkeel, tatweel, alef/hamza forms, ى/ي,
   ة/ه, Arabic-Indic digits, case) and split into word tokens;
2. drop stopwords (:func:`bot.arabic.is_stopword`; digits are kept: "7 قتلى");
3. :func:`bot.arabic.light_stem` — strip the article and attached clitics, so
   "بالحكومة", "والحكومة", "الحكومة" and "حكومة" all become "حكوم".

The index stores the space-joined keys; FTS5's ``unicode61`` tokenizer then only splits
them at spaces (and numbers such as ``3.5`` at their dot, the same way for the query).

``light_stem`` leaves words of three letters alone and strips a leading و ف ب ك ل from a
longer word only while five letters remain, so the key of a short word depends on its
clitics: "مصر" -> "مصر" but "بمصر" -> "بمصر", "غزة" -> "غزه" but "بغزة" -> "بغز"; and
"لقاء" -> "لقاء" but "للقاء" -> "قاء". Rather than change that shared stemmer (the
summarizer relies on it), a *query* word is expanded to the keys of its clitic-prefixed
forms (:func:`query_keys`), computed with the very same key function, so every key the
index can hold for "و/ف/ب/ل + word" is searched. Over-stripping of long words
("بريطانيا" -> "ريطانيا") is harmless here: the key is never shown, and every clitic form
of the word gets the same key. It does harm when the stripped key is another common word:
"البحرين" (Bahrain) -> "بحر" (sea), "التأمين" (insurance) -> "تام" (complete), "فرعون" ->
"فرع" (branch). The words of :data:`WHOLE_WORDS`, whose ين / ون ending is their own, keep
it (:func:`search_stem`).

Changing the keys changes what the index must hold: bump :data:`TERMS_VERSION`, and the
service rebuilds the index beside the old one at its next start
(:mod:`bot.storage._reindex`).
"""

from __future__ import annotations

import functools
import re

from bot.arabic import is_stopword, light_stem, normalize, tokenize

#: Version of the keys :func:`term_key` and :func:`source_keys` give (1: light_stem alone;
#: 2: :data:`WHOLE_WORDS` kept whole). Stored in ``meta`` by whatever builds the index.
TERMS_VERSION = 2

# Words ending in ين / ون / ات as part of the word, not as a plural or dual suffix, where the
# light stemmer's cut would give another common word's key or a mangled name. Chosen from
# the most frequent such cuts in the shared corpus (articles.jsonl, EASC) and names that
# are always in the news. Normalized; matched after the article chain or one or two clitic
# letters (بالبحرين، لفلسطين، وبوتين).
_RAW_WHOLE_WORDS = """
بحرين فلسطين برلين كرملين بوتين ماكرون كلينتون جونسون نيكسون تيلرسون عفرين بنيامين ياسين
لينين ستالين هارون فرعون صهيون قزوين عرفات كاميرون نيلسون أمازون آيفون
تعاون قانون تأمين تعيين تحسين تخزين تكوين تدخين تمكين تموين تدوين
كربون أوزون زيتون ليمون صابون طاعون مضمون هرمون قولون سلمون
تلفزيون بنتاغون أكسجين أوكسجين هيدروجين نيتروجين بروتين نيكوتين كافيين فيتامين إنسولين
بنزين ياسمين بيتكوين عشرين اثنين
"""
WHOLE_WORDS: frozenset[str] = frozenset(normalize(w) for w in _RAW_WHOLE_WORDS.split())

# Clitic chains a reader attaches to a word (conjunction, preposition, article). Only
# used to *expand* a query word; "ك" (as, like) is left out on purpose: it is rare in
# news and "ك + word" collides with common words (كمال/مال، كريم/ريم، كبير/بير).
CLITICS = ("و", "ف", "ب", "ل", "وب", "ول", "فب", "فل", "ال", "وال", "بال", "فال", "لل",
           "ولل", "فلل", "وبال", "فبال")

_ARTICLE_PREFIXES = ("وبال", "فبال", "ولل", "فلل", "وال", "فال", "بال", "لل", "ال")
_FTS_PIECE = re.compile(r"[^\W_]+")

# A word as it appears in text: letters with their marks (harakat, tatweel) and the
# invisible characters normalize() deletes (joiners, direction marks), or a number with
# its separators. "_" and "#" split words, as in tokenize().
_MARKS = ("\u0610-\u061a\u061c\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8"
          "\u06ea-\u06ed\u0640\u200c-\u200f")
_SPAN = re.compile(rf"\d+(?:[.,\u066b\u066c]\d+)*|(?:[^\W\d_]|[{_MARKS}])+")
_CHUNK_CACHE: dict[str, str] = {}  # chunk -> its keys, space-joined
# ~14 MiB when full (tracemalloc; 18 % less than a tuple of keys an entry); then cleared
_CHUNK_CACHE_MAX = 50_000
_ARABIC_LETTERS = frozenset(chr(c) for c in range(0x0621, 0x064B))


@functools.lru_cache(maxsize=1 << 17)
def term_key(token: str) -> str | None:
    """The index key of one normalized token, or None for a stopword."""
    if not token[0].isdigit() and is_stopword(token):
        return None
    return search_stem(token)


_CLITIC_LETTERS = frozenset("وفبلك")


def search_stem(token: str) -> str:
    """:func:`bot.arabic.light_stem`, except that a word of :data:`WHOLE_WORDS` keeps its
    ending: "البحرين", "بالبحرين", "للبحرين" -> "بحرين" (not "بحر", the sea's key)."""
    if token in WHOLE_WORDS:
        return token
    bare = _bare(token)
    if bare in WHOLE_WORDS:
        return bare
    for n in (1, 2):  # و ف ب ل ك, one or two: "لفلسطين", "وبفلسطين"
        if set(token[:n]) <= _CLITIC_LETTERS and token[n:] in WHOLE_WORDS:
            return token[n:]
    return light_stem(token)


def index_terms(text: str) -> str:
    """The index form of ``text``: its non-stopword keys, space-joined, in order.

    ``" ".join(term_key(t) for t in tokenize(text))`` without the stopwords, computed
    chunk by chunk with a cache. Normalizing a whole article costs ~0.5 ms (mostly
    ``str.translate``); looking up its ~250 whitespace-separated chunks (one C-level
    ``map``) costs ~30 µs. It gives the same keys: a token never spans whitespace, and
    normalization (NFKC, folding, deletions) never reaches across it.
    """
    chunks = text.split()
    found = list(map(_CHUNK_CACHE.get, chunks))
    if None in found:
        found = [_chunk_terms(c) if f is None else f for c, f in zip(chunks, found, strict=True)]
    return " ".join(filter(None, found))  # a chunk of stopwords only has ""


def index_keys(text: str) -> list[str]:
    """The keys of :func:`index_terms` (``[term_key(t) for t in tokenize(text)]`` without
    the stopwords); a key holds no whitespace."""
    return index_terms(text).split()


def _chunk_terms(chunk: str) -> str:
    terms = " ".join(k for k in (term_key(t) for t in tokenize(chunk)) if k)
    if len(_CHUNK_CACHE) >= _CHUNK_CACHE_MAX:
        _CHUNK_CACHE.clear()
    _CHUNK_CACHE[chunk] = terms
    return terms


def _bare(token: str) -> str:
    """``token`` without its article chain (بال، وال، لل ...) when 3 letters remain."""
    for prefix in _ARTICLE_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            return token[len(prefix):]
    return token


@functools.lru_cache(maxsize=4096)
def query_keys(token: str) -> tuple[str, ...]:
    """Every index key a query word should match: its own key first, then the keys of
    its clitic-prefixed forms (Arabic words only). Empty for a stopword."""
    own = term_key(token)
    if own is None:
        return ()
    keys = [own]
    if set(token) <= _ARABIC_LETTERS and not (own == token and token.startswith("ال")):
        # Expand the bare word: "الامم" and "بالامم" from "امم", so "للامم" is covered too.
        # (A word the stemmer keeps whole although it starts with "ال" is a name: الله.)
        base = _bare(token)
        for form in (base, *(clitic + base for clitic in CLITICS)):
            key = term_key(form)
            if key and key not in keys:
                keys.append(key)
    return tuple(keys)


def surface_words(text: str) -> list[tuple[int, int, str | None]]:
    """The words of display text as ``(start, end, key)`` spans of ``text`` itself, with
    the index key of each (None for stopwords), so matches found on keys can be shown
    (and highlighted) in the original spelling."""
    out: list[tuple[int, int, str | None]] = []
    for m in _SPAN.finditer(text):
        tokens = tokenize(m.group())
        if not tokens:
            continue
        if len(tokens) == 1:
            out.append((m.start(), m.end(), term_key(tokens[0])))
        else:  # a compatibility form that unfolds into several words: rare, keep whole
            keys = [k for k in (term_key(t) for t in tokens) if k]
            out.append((m.start(), m.end(), keys[0] if keys else None))
    return out


SOURCE_PREFIX = "src_"


def source_keys(text: str) -> list[str]:
    """Keys of a source's name: every word stemmed, stopwords kept ("بي بي سي")."""
    return [search_stem(t) for t in tokenize(text)]


def source_key(key: str) -> str:
    """A key as stored in (and searched for in) the ``source`` column: prefixed, so that
    source names and article words never match each other."""
    return SOURCE_PREFIX + key


def fts_pieces(key: str) -> list[str]:
    """How FTS5's unicode61 tokenizer splits a key ("3.5" -> ["3", "5"])."""
    return _FTS_PIECE.findall(key)


__all__ = [
    "CLITICS",
    "TERMS_VERSION",
    "WHOLE_WORDS",
    "fts_pieces",
    "index_keys",
    "index_terms",
    "query_keys",
    "search_stem",
    "source_key",
    "source_keys",
    "surface_words",
    "term_key",
]
