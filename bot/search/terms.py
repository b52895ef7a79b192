"""Index terms: the one function that turns text into what the full-text index holds.

Documents and queries go through the same steps, so a word matches however it is spelled:

1. :func:`bot.arabic.tokenize` — normalize (tashkeel, tatweel, alef/hamza forms, ى/ي,
   ة/ه, Arabic-Indic digits, case, and NFKC: "H₂O", "Ｈ２Ｏ" and "H2O" are all "h2o")
   and split into word tokens (letters and numbers apart: "h", "2", "o");
2. drop stopwords (:func:`bot.arabic.is_stopword`; digits are kept: "7 قتلى"), except
   letters of another script than Arabic written together with a number ("h" and "o" of
   "h2o", "g" of "G20"): alone a single letter is a stopword, in "H2O" it is half the
   name. (Arabic ones stay stopwords: "الـ25", "في1988" and "10كم" are a prefix, a
   preposition or a unit typed without a space, found as "25", "1988" and "10".)
3. :func:`bot.arabic.light_stem` — strip the article and attached clitics, so
   "بالحكومة", "والحكومة", "الحكومة" and "حكومة" all become "حكوم".

A written word that gives several keys ("H₂O": "h 2 o"; "ﷺ": four words) is searched as
the phrase of those keys (:mod:`bot.search.query`), never by its first key alone: "H₂O"
finds "H₂O" and "H2O", not every article with an "H" or a "2".

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
import unicodedata

from bot.arabic import is_stopword, light_stem, normalize, tokenize, tokenize_normalized
from bot.arabic.tokens import is_token, token_spans

#: Version of the keys :func:`index_terms` and :func:`source_keys` give (1: light_stem
#: alone; 2: :data:`WHOLE_WORDS` kept whole; 3: a Latin (non-Arabic) letter written
#: together with a number keeps a key). Stored in ``meta`` by whatever builds the index.
TERMS_VERSION = 3

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
_ARABIC_SCRIPT = frozenset(chr(c) for c in range(0x0600, 0x0700))


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

    ``" ".join(k for k in token_keys(token_spans(normalize(text))) if k)``, computed
    chunk by chunk with a cache. Normalizing a whole article costs ~0.5 ms (mostly
    ``str.translate``); looking up its ~250 whitespace-separated chunks (one C-level
    ``map``) costs ~30 µs. It gives the same keys: a token never spans whitespace, nor
    does a word written together, and normalization (NFKC, folding, deletions) never
    reaches across it.
    """
    chunks = text.split()
    found = list(map(_CHUNK_CACHE.get, chunks))
    if None in found:
        found = [_chunk_terms(c) if f is None else f for c, f in zip(chunks, found, strict=True)]
    return " ".join(filter(None, found))  # a chunk of stopwords only has ""


def index_keys(text: str) -> list[str]:
    """The keys of :func:`index_terms`; a key holds no whitespace."""
    return index_terms(text).split()


def token_keys(tokens: list[tuple[int, int, str]]) -> list[str | None]:
    """The index key of each ``(start, end, token)`` of a normalized text
    (:func:`bot.arabic.tokens.token_spans`), None for a stopword. Letters of another
    script than Arabic with a number right beside them (nothing between: "h2o", "g20",
    "5g") keep a key even when alone they would be a stopword."""
    keys = [term_key(t) for _, _, t in tokens]
    if None in keys:
        last = len(tokens) - 1
        for i in [i for i, key in enumerate(keys) if key is None]:
            start, end, token = tokens[i]
            beside = (i > 0 and tokens[i - 1][1] == start) or (i < last and tokens[i + 1][0] == end)
            if beside and token[0] not in _ARABIC_SCRIPT:
                keys[i] = search_stem(token)
    return keys


def _chunk_terms(chunk: str) -> str:
    normalized = normalize(chunk)
    tokens = tokenize_normalized(normalized)
    keys: list[str | None] = list(map(term_key, tokens))
    if len(tokens) > 1 and None in keys:  # (a letter may be written beside a number)
        keys = token_keys(token_spans(normalized))
    terms = " ".join(k for k in keys if k)
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


Word = tuple[int, int, str | None]
_CHUNK = re.compile(r"\S+")


def surface_words(text: str) -> list[Word]:
    """The tokens of display text as ``(start, end, key)`` spans of ``text`` itself, with
    the index key of each (None for stopwords), so matches found on keys can be shown
    (and highlighted) in the original spelling. The keys are exactly the index's:
    ``[k for _, _, k in surface_words(text) if k] == index_keys(text)``.

    A token is usually a word as written ("الوزيرُ", "٣٫٥"), "H₂O" is three ("H", "₂",
    "O"), and a character that unfolds into several words ("ﷺ", "½") gives them all the
    same span (:func:`places` puts them back together)."""
    simple = _simple_words(text)
    if simple is not None:
        return simple
    out: list[Word] = []
    for m in _CHUNK.finditer(text):
        start = m.start()
        words = _simple_words(m.group())
        if words is None:
            words = _mapped_words(m.group())
        out += [(start + a, start + b, key) for a, b, key in words]
    return out


# Characters that normalize() deletes or turns into a letter although they are neither
# word characters nor in _MARKS, in NFKC-normalized text (U+0345 casefolds to ι).
_ODD = re.compile("[\ufeff\u0345]")


def _simple_words(text: str) -> list[Word] | None:
    """:func:`surface_words` when each written span of ``text`` is one token, else None.
    Right when ``text`` is NFKC-normalized and holds no :data:`_ODD` character: nothing
    then joins, splits or appears across spans when the whole text is normalized, so its
    tokens are these (each span normalizing to exactly one: "İ" is "i" and a dot above)."""
    if not (text.isascii() or (unicodedata.is_normalized("NFKC", text)
                               and not _ODD.search(text))):
        return None
    found = []
    for m in _SPAN.finditer(text):
        token = normalize(m.group())
        if not is_token(token):
            return None
        found.append((m.start(), m.end(), token))
    return [(a, b, k) for (a, b, _), k in zip(found, token_keys(found), strict=True)]


def places(words: list[Word]) -> list[tuple[int, int, list[str | None]]]:
    """:func:`surface_words` one per place in the text: the keys of tokens whose spans
    overlap (a character that unfolds into several words) gathered into one span."""
    out: list[tuple[int, int, list[str | None]]] = []
    for a, b, key in words:
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]), [*out[-1][2], key])
        else:
            out.append((a, b, [key]))
    return out


def _mapped_words(chunk: str) -> list[Word]:
    """The tokens of a chunk whose written spans are not its tokens one to one ("H₂O",
    "İstanbul", "㎞"): each character (with the combining marks after it) normalized on
    its own, to tell which characters each token of the whole chunk came from."""
    tokens = token_spans(normalize(chunk))
    keys = token_keys(tokens)
    clusters: list[tuple[int, int]] = []
    for i, ch in enumerate(chunk):
        if clusters and unicodedata.category(ch)[0] == "M":
            clusters[-1] = (clusters[-1][0], i + 1)
        else:
            clusters.append((i, i + 1))
    origin: list[tuple[int, int]] = []
    images: list[str] = []
    for a, b in clusters:
        image = normalize(chunk[a:b])
        images.append(image)
        origin += [(a, b)] * len(image)
    found = token_spans("".join(images))
    if [t for _, _, t in found] != [t for _, _, t in tokens]:
        # (normalizing the whole chunk joined characters: every token spans all of it)
        return [(0, len(chunk), k) for k in keys]
    return [(origin[start][0], origin[end - 1][1], k)
            for (start, end, _), k in zip(found, keys, strict=True)]


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
    "places",
    "query_keys",
    "search_stem",
    "source_key",
    "source_keys",
    "surface_words",
    "term_key",
    "token_keys",
]
