"""The search query language: what a user types -> a small AST -> a safe FTS5 MATCH string.

Anything a user types is accepted; nothing they type reaches FTS5 as syntax. The MATCH
string is built only from double-quoted keys that :mod:`bot.search.terms` produced
(letters and digits), the column filters and the operators written here.

    غزة صاروخ                  both words (AND)
    "قطاع غزة"  «قطاع غزة»      the words next to each other (a phrase)
    غزة OR لبنان   غزة او لبنان   either (also "|")
    غزة -صاروخ  غزة -"وقف النار"   exclude a word or phrase
    مصدر:الجزيرة  مصدر: "سكاي نيوز"   only from sources whose name (or site) has these
                               words (also المصدر: من: source: src:)

Words are normalized and light-stemmed exactly as the index is (tashkeel, hamza forms,
ة/ه, clitics: see :mod:`bot.search.terms`); stopwords are dropped. ``* ( ) : ^ NEAR`` and
SQL fragments are plain text: punctuation separates words, and "NEAR" is the word "near".
A stray quote runs to the end; a dangling OR or a lone ``-`` is ignored.

:func:`parse_query` raises :class:`~bot.errors.InvalidSearchQuery` with ``reason`` one of
``empty`` (nothing searchable), ``stopwords`` (only common words), ``too_long``,
``too_many_terms``, ``only_excluded`` (exclusions without anything to search) and
``empty_source`` (a source filter with no name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from bot.arabic import normalize, strip_tashkeel, tokenize
from bot.errors import InvalidSearchQuery
from bot.search.terms import SOURCE_PREFIX, places, query_keys, source_keys, surface_words

MAX_QUERY_CHARS = 500
"""Longer input is refused (reason ``too_long``); Telegram's inline queries stop at 256."""
MAX_TERMS = 32
"""At most this many distinct words and phrases (searched, excluded and source words)."""


_OPEN_QUOTES = {'"': '"', "«": "»", "“": "”", "„": "”", "”": "”"}
_FILTER_NAMES = frozenset({"مصدر", "المصدر", "source", "src", "من"})
_FILTER_KEYS = frozenset(normalize(f) for f in _FILTER_NAMES)
_OR_WORDS = frozenset({"OR", "|", "||", "او", "أو"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True, slots=True)
class Term:
    """One word. ``keys``: its own index key first, then its clitic forms' keys.
    Atoms compare by their keys: "غزة" and "غزه" are the same word."""

    text: str = field(compare=False)
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive words (``terms``, stopwords left out), each matched by its own key:
    spellings fold and the stemmer strips clitics, but a short word is not expanded to
    its clitic forms (each variant would be another phrase for FTS5 to evaluate, and
    quoted words are usually a name, typed as it is written)."""

    text: str = field(compare=False)
    terms: tuple[Term, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.keys[0] for t in self.terms)


Atom = Term | Phrase


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: AND of OR-groups, minus ``excluded``, within ``sources`` (any)."""

    groups: tuple[tuple[Atom, ...], ...] = ()
    excluded: tuple[Atom, ...] = ()
    sources: tuple[Atom, ...] = ()
    dropped: tuple[str, ...] = field(default=(), compare=False)
    """Stopwords that were left out (as typed), for the reply."""

    @property
    def source_only(self) -> bool:
        """Only a source filter (and maybe exclusions): newest articles of the source."""
        return not self.groups and bool(self.sources)

    def match(self) -> str:
        """The FTS5 MATCH expression (safe by construction)."""
        return build_match(self)

    def highlight_keys(self) -> frozenset[str]:
        """Index keys of the searched words (not of excluded or source words): what
        :func:`bot.search.snippet.snippet` highlights."""
        out: set[str] = set()
        for group in self.groups:
            for atom in group:
                out.update(atom.keys)
        return frozenset(out)

    def display(self) -> str:
        """The query as the user could type it again (normalized spelling kept as typed)."""
        parts: list[str] = []
        for group in self.groups:
            parts.append(" OR ".join(_atom_text(a) for a in group))
        parts += ["-" + _atom_text(a) for a in self.excluded]
        parts += ["مصدر:" + _atom_text(a) for a in self.sources]
        return " ".join(parts)


def _atom_text(atom: Atom) -> str:
    return f'"{atom.text}"' if isinstance(atom, Phrase) else atom.text


# ---------------------------------------------------------------------------- lexing

@dataclass(slots=True)
class _Chunk:
    text: str
    quoted: bool = False
    negated: bool = False
    source: bool = False
    is_or: bool = False


def _chunks(raw: str) -> Iterator[_Chunk]:
    """Split the input into words, quoted phrases and OR operators, with their ``-`` and
    ``مصدر:`` marks. Never fails: any character sequence gives some chunks."""
    i, n = 0, len(raw)
    negate = source = False
    while i < n:
        if raw[i].isspace():
            i += 1
            continue
        if raw[i] in _OPEN_QUOTES:
            end = raw.find(_OPEN_QUOTES[raw[i]], i + 1)
            end = n if end == -1 else end  # a stray quote runs to the end
            yield _Chunk(raw[i + 1 : end], quoted=True, negated=negate, source=source)
            negate = source = False
            i = end + 1
            continue
        j = i
        while j < n and not raw[j].isspace() and raw[j] not in _OPEN_QUOTES:
            j += 1
        word, i = raw[i:j], j
        if not negate and not source:
            if word in _OR_WORDS:
                yield _Chunk(word, is_or=True)
                continue
            if word.startswith("-"):
                word = word.lstrip("-")
                # "-word", '-"a phrase"'; a dash on its own is punctuation ("غزة - لبنان")
                negate = bool(word) or (i < n and raw[i] in _OPEN_QUOTES)
                if not word:
                    continue
        name, colon, value = word.partition(":")
        if colon and not source and not negate and normalize(name) in _FILTER_KEYS:
            source = True
            if not value:  # "مصدر: الجزيرة", 'مصدر:"سكاي نيوز"': the name is what follows
                continue
            word = value
        yield _Chunk(word, negated=negate, source=source)
        negate = source = False
    if source:
        yield _Chunk("", source=True)


# ---------------------------------------------------------------------------- parsing

def _atom(text: str, dropped: list[str]) -> Atom | None:
    """The atom for a word or phrase's text, or None when nothing searchable is left. A
    written word that gives several keys ("H₂O": h, 2, o; "ﷺ") is the phrase of them all,
    as the index holds them: its first key alone ("h", or "2") found unrelated articles."""
    words = places(surface_words(text))
    kept = [(a, b, [k for k in keys if k]) for a, b, keys in words if any(keys)]
    dropped += [strip_tashkeel(text[a:b]) for a, b, keys in words if not any(keys)]
    if not kept:
        return None
    terms: list[Term] = []
    for a, b, keys in kept:
        word = strip_tashkeel(text[a:b])
        if len(keys) == 1:
            terms.append(Term(word, _expanded(text[a:b], keys[0])))
        else:
            terms += [Term(word, (key,)) for key in keys]
    if len(terms) == 1:
        return terms[0]
    # every word from the first kept to the last, a space between those written apart
    inside = [(a, b) for a, b, _ in words if kept[0][0] <= a and b <= kept[-1][1]]
    shown = "".join(("" if i == 0 or a == inside[i - 1][1] else " ") + text[a:b]
                    for i, (a, b) in enumerate(inside))
    return Phrase(strip_tashkeel(shown), tuple(terms))


def _expanded(word: str, key: str) -> tuple[str, ...]:
    """``key`` and the keys of the word's clitic forms (:func:`query_keys`); ``key``
    alone for a letter that has a key only beside a number ("h" of "h2o")."""
    tokens = tokenize(word)
    keys = query_keys(tokens[0]) if len(tokens) == 1 else ()
    return keys if keys[:1] == (key,) else (key,)


def _source_atom(text: str) -> Atom | None:
    """A source name: every word counts (names are made of words like "بي" and "سي")."""
    words = [strip_tashkeel(text[a:b]) for a, b, _ in places(surface_words(text))]
    terms = tuple(Term(w, tuple(dict.fromkeys(source_keys(w)))) for w in words)
    terms = tuple(t for t in terms if t.keys)
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else Phrase(" ".join(t.text for t in terms), terms)


def parse_query(raw: str) -> Query:
    """Parse what a user typed; raises InvalidSearchQuery when nothing can be searched."""
    if len(raw) > MAX_QUERY_CHARS:
        raise InvalidSearchQuery(
            f"search: query of {len(raw)} characters (at most {MAX_QUERY_CHARS})", "too_long")
    text = _CONTROL.sub(" ", raw)
    dropped: list[str] = []
    # (atom, or_before) for searched atoms; excluded and source atoms separately
    positive: list[tuple[Atom, bool]] = []
    excluded: list[Atom] = []
    sources: list[Atom] = []
    pending_or = False
    empty_source = False
    saw_anything = False
    for chunk in _chunks(text):
        if chunk.is_or:
            pending_or = bool(positive)
            continue
        atom = _source_atom(chunk.text) if chunk.source else _atom(chunk.text, dropped)
        if chunk.text.strip():
            saw_anything = saw_anything or bool(tokenize(chunk.text))
        if atom is None:
            if chunk.source and not tokenize(chunk.text):
                empty_source = True
            continue
        if chunk.source:
            sources.append(atom)
        elif chunk.negated:
            excluded.append(atom)
            pending_or = False
        else:
            positive.append((atom, pending_or))
            pending_or = False
    groups: list[list[Atom]] = []
    for atom, or_before in positive:
        if or_before and groups:
            groups[-1].append(atom)
        else:
            groups.append([atom])
    query = Query(
        groups=_dedupe_groups(groups),
        excluded=_dedupe(excluded),
        sources=_dedupe(sources),
        dropped=tuple(dict.fromkeys(dropped)),
    )
    count = sum(len(g) for g in query.groups) + len(query.excluded) + len(query.sources)
    if count > MAX_TERMS:
        raise InvalidSearchQuery(
            f"search: {count} words and phrases (at most {MAX_TERMS})", "too_many_terms")
    if not query.groups and not query.sources:
        if query.excluded:
            raise InvalidSearchQuery("search: only exclusions", "only_excluded")
        if empty_source:
            raise InvalidSearchQuery("search: a source filter without a name", "empty_source")
        if saw_anything and query.dropped:
            raise InvalidSearchQuery("search: only stopwords", "stopwords")
        raise InvalidSearchQuery("search: nothing to search for", "empty")
    return query


def stopword_list(raw: str, limit: int = 6) -> tuple[str, ...]:
    """The (stop)words of ``raw`` as typed, without tashkeel, for a "stopwords only" reply."""
    words = (strip_tashkeel(raw[a:b])
             for a, b, _ in places(surface_words(raw[:MAX_QUERY_CHARS])))
    return tuple(dict.fromkeys(words))[:limit]


def _dedupe(atoms: list[Atom]) -> tuple[Atom, ...]:
    return tuple(dict.fromkeys(atoms))


def _dedupe_groups(groups: list[list[Atom]]) -> tuple[tuple[Atom, ...], ...]:
    seen: set[tuple[Atom, ...]] = set()
    out: list[tuple[Atom, ...]] = []
    for group in groups:
        g = _dedupe(group)
        if g not in seen:
            seen.add(g)
            out.append(g)
    return tuple(out)


# ---------------------------------------------------------------------------- MATCH

def _quote(keys: str) -> str:
    return '"' + keys.replace('"', '""') + '"'


def _either(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def atom_match(atom: Atom, prefix: str = "") -> str:
    if isinstance(atom, Term):
        return _either([_quote(prefix + k) for k in atom.keys])
    return _quote(" ".join(prefix + k for k in atom.keys))


def group_match(group: tuple[Atom, ...]) -> str:
    """The MATCH expression of one OR-group alone."""
    return _either([atom_match(a) for a in group])


def query_core(query: Query) -> str:
    """The searched groups ANDed, without exclusions or sources."""
    return " AND ".join(group_match(g) for g in query.groups)


def build_match(query: Query) -> str:
    """The MATCH expression: the searched words, minus exclusions, within the source
    filter. Every operand is a quoted string of index keys; source keys carry the
    ``src_`` prefix, which no word's key has, so no column filter is needed."""
    parts: list[str] = []
    if query.groups:
        parts.append(query_core(query))
    if query.sources:
        parts.append(" OR ".join(atom_match(a, SOURCE_PREFIX) for a in query.sources))
    expr = " AND ".join(f"({p})" for p in parts)
    if query.excluded:
        expr = f"({expr}) NOT ({' OR '.join(atom_match(a) for a in query.excluded)})"
    return expr


# ---------------------------------------------------------------------------- broadening

def broader(query: Query) -> list[Query]:
    """Wider variants of ``query`` to suggest when it finds nothing, most similar first:
    without the exclusions, without the source filter, phrases as loose words, and with
    one searched word left out at a time (then each word on its own)."""
    out: list[Query] = []

    def add(q: Query) -> None:
        if (q.groups or q.sources) and q != query and q not in out:
            out.append(q)

    if query.excluded:
        add(replace(query, excluded=()))
    if query.sources and query.groups:
        add(replace(query, sources=()))
    loose: list[tuple[Atom, ...]] = []
    for group in query.groups:
        if len(group) == 1 and isinstance(group[0], Phrase):
            loose += [(term,) for term in group[0].terms]
        else:
            loose.append(group)
    if tuple(loose) != query.groups:
        add(Query(groups=tuple(dict.fromkeys(loose))))
    groups = tuple(dict.fromkeys(loose))
    if len(groups) > 1:
        for i in range(len(groups) - 1, -1, -1):
            add(Query(groups=groups[:i] + groups[i + 1 :]))
        for group in groups:
            add(Query(groups=(group,)))
    return out


__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "Atom",
    "Phrase",
    "Query",
    "Term",
    "atom_match",
    "broader",
    "build_match",
    "group_match",
    "parse_query",
    "query_core",
    "stopword_list",
]
