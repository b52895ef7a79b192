"""The query parser: anything typed -> a Query whose MATCH string is always valid FTS5."""

from __future__ import annotations

import random
import re
import sqlite3

import pytest

from bot.errors import InvalidSearchQuery
from bot.search.query import (
    MAX_QUERY_CHARS,
    MAX_TERMS,
    Phrase,
    Query,
    Term,
    broader,
    parse_query,
    stopword_list,
)
from bot.storage._fts import fts_ddl


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(fts_ddl())
    conn.execute("INSERT INTO articles_fts (rowid, title, summary, text, source)"
                 " VALUES (1, 'حكوم غزه', 'near and', 'drop table', 'src_جزير')")
    return conn


def runs(conn: sqlite3.Connection, query: Query) -> list[int]:
    """Run the MATCH for real: raises if FTS5 rejects it."""
    return [r[0] for r in conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (query.match(),))]


QUOTED = re.compile(r'"((?:[^"]|"")*)"')


def assert_safe(query: Query) -> None:
    """Outside the quoted keys, the MATCH string has only our operators and columns."""
    match = query.match()
    for body in QUOTED.findall(match):
        assert re.fullmatch(r"(?:src_)?[^\W_]+(?:[ .,](?:src_)?[^\W_]+)*", body), body
    skeleton = QUOTED.sub("K", match)
    assert re.fullmatch(r"[K() ]*(?:(?:AND|OR|NOT)[K() ]*)*", skeleton), skeleton


# ---------------------------------------------------------------------------- language

def test_words_are_anded_and_spellings_fold() -> None:
    q = parse_query("الحُكُومَة   الأُمم")
    assert [len(g) for g in q.groups] == [1, 1]
    assert q.match() == parse_query("الحكومه الامم").match() == parse_query("حكومة الإمم").match()
    assert " AND " in q.match()


def test_clitics_meet_on_the_same_key() -> None:
    assert parse_query("بالحكومة").match() == parse_query("والحكومة").match() \
        == parse_query("الحكومة").match()


def test_short_word_expands_to_its_clitic_forms() -> None:
    [[term]] = parse_query("مصر").groups
    assert isinstance(term, Term)
    assert {"مصر", "بمصر", "ومصر", "لمصر"} <= set(term.keys)
    [[gaza]] = parse_query("غزة").groups
    assert gaza.keys[0] == "غزه" and "بغز" in gaza.keys  # the stemmer's key of "بغزة"


def test_phrases_in_any_quotes() -> None:
    for text in ('"قطاع غزة"', "«قطاع غزة»", "“قطاع غزة”", '"قطاع غزة'):
        [[atom]] = parse_query(text).groups
        assert isinstance(atom, Phrase) and atom.text == "قطاع غزة", text
        assert '"قطاع غزه"' in parse_query(text).match()


def test_stopwords_inside_a_phrase_are_dropped_like_in_the_index() -> None:
    [[atom]] = parse_query('"رئيس في الوزراء"').groups
    assert isinstance(atom, Phrase) and len(atom.terms) == 2
    assert atom.text == "رئيس في الوزراء"


@pytest.mark.parametrize(("text", "keys"), [
    ("H₂O", ("h", "2", "o")),  # subscript
    ("H2O", ("h", "2", "o")),
    ("Ｈ２Ｏ", ("h", "2", "o")),  # fullwidth
    ("CO₂", ("co", "2")),
    ("km²", ("km", "2")),  # superscript
    ("ﷺ", ("صلي", "الله", "وسلم")),  # one character, four words (عليه a stopword)
    ("½", ("1", "2")),
])
def test_a_word_of_several_keys_is_the_phrase_of_them_all(text: str, keys: tuple[str, ...]
                                                          ) -> None:
    """"H₂O" was searched by its first key that was not a stopword: "2", every article
    with the digit (and "CO₂" by "co", "ﷺ" by "صلي"). The index holds all its keys."""
    [[atom]] = parse_query(text).groups
    assert isinstance(atom, Phrase) and atom.keys == keys and atom.text == text
    assert parse_query(text).match() == f'("{" ".join(keys)}")'


def test_or_in_three_spellings() -> None:
    for text in ("غزة OR لبنان الحكومة", "غزة | لبنان الحكومة", "غزة أو لبنان الحكومة"):
        q = parse_query(text)
        assert [len(g) for g in q.groups] == [2, 1], text


def test_dangling_or_and_lone_dash_are_ignored() -> None:
    assert parse_query("OR غزة OR").groups == parse_query("غزة").groups
    assert parse_query("غزة - لبنان").excluded == ()
    assert len(parse_query("غزة - لبنان").groups) == 2


def test_exclusions() -> None:
    q = parse_query('غزة -صاروخ -"إطلاق النار"')
    assert [a.text for a in q.excluded] == ["صاروخ", "إطلاق النار"]
    assert " NOT " in q.match()


@pytest.mark.parametrize("text", ["مصدر:الجزيرة غزة", "مصدر: الجزيرة غزة", "المصدر:الجزيرة غزة",
                                  "source:الجزيرة غزة", "غزة من:الجزيرة", "غزة مَصْدَر:الجزيرة"])
def test_source_filter_spellings(text: str) -> None:
    q = parse_query(text)
    assert [a.text for a in q.sources] == ["الجزيرة"]
    assert [[a.text for a in g] for g in q.groups] == [["غزة"]]
    assert '"src_جزير"' in q.match()


def test_quoted_source_name_and_source_only() -> None:
    q = parse_query('مصدر:"سكاي نيوز"')
    assert q.source_only and isinstance(q.sources[0], Phrase)
    assert q.match() == '("src_سكاي src_نيوز")'


def test_stopwords_are_dropped_and_remembered() -> None:
    q = parse_query("ما هو موقف الحكومة من القرار")
    assert [g[0].text for g in q.groups] == ["موقف", "الحكومة", "القرار"]
    assert "من" in q.dropped


def test_duplicates_collapse() -> None:
    assert len(parse_query("غزة غزّة غزه").groups) == 1


def test_display_round_trips() -> None:
    q = parse_query('غزة OR لبنان "إطلاق النار" -صاروخ مصدر:العربية')
    assert parse_query(q.display()) == q


# ---------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ('"', "empty"),
    ("*", "empty"),
    ("-", "empty"),
    ("( ) : ^ * \" '", "empty"),
    ("😀🎉🔥", "empty"),
    ("a OR", "stopwords"),
    ("في من على", "stopwords"),
    ("مصدر:", "empty_source"),
    ("مصدر: ", "empty_source"),
    ("-غزة", "only_excluded"),
    ("x" * 3000, "too_long"),
    ("غزة " * 800, "too_long"),
    (" ".join(f"كلمة{n}" for n in range(MAX_TERMS + 1)), "too_many_terms"),
])
def test_unsearchable_input_raises_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidSearchQuery) as info:
        parse_query(text)
    assert info.value.reason == reason


@pytest.mark.parametrize("text", [
    "NEAR(", "NEAR(a b)", "a OR", '"a" NEAR/3 "b"', "title:غزة", "{title}: غزة", "^غزة",
    "غزة*", "(غزة", "غزة)", "AND NOT OR", "غزة AND", "NOT غزة",
    "'; DROP TABLE articles; --", "1' OR '1'='1", "\"; DELETE FROM articles_fts; --",
    "غزة'); DROP TABLE chats;--", "' UNION SELECT * FROM meta --", "%_%", "\\x00\\",
    "غزة\x00لبنان", "\u200fغزة\u200e", "ﻻ", "كوفيد-19", "٣٫٥", "#قطاع_غزة", "a" * 40,
    "😀 غزة 😀", "rowid=1", "articles_fts MATCH 'x'", "غزة -", "مصدر:\"\"",
])
def test_syntax_and_sql_are_plain_text(fts: sqlite3.Connection, text: str) -> None:
    try:
        q = parse_query(text)
    except InvalidSearchQuery as exc:
        assert exc.reason in {"empty", "stopwords", "empty_source", "only_excluded"}
        return
    assert_safe(q)
    runs(fts, q)  # FTS5 accepts it


def test_sql_injection_is_searched_as_words(fts: sqlite3.Connection) -> None:
    q = parse_query("'; DROP TABLE articles; --")
    assert [g[0].text for g in q.groups] == ["DROP", "TABLE", "articles"]
    assert runs(fts, q) == []  # "drop" and "table" are in the text column, "articles" is not
    assert runs(fts, parse_query("DROP table")) == [1]


def test_fts_keywords_are_words(fts: sqlite3.Connection) -> None:
    assert runs(fts, parse_query("NEAR( and")) == [1]


def test_fuzz_never_yields_an_invalid_match(fts: sqlite3.Connection) -> None:
    alphabet = list('"«»“”*()^:{}-+|\'\\;%_ \n\taAbORNEAT') + list("غزةالحكومهمصدر") + \
        ["OR", "AND", "NOT", "NEAR", "مصدر:", "source:", "أو", "\u064e", "\u0640", "😀",
         "₂", "²", "Ｈ", "2", "ﷺ", "½", "㎞", "İ"]
    rng = random.Random(20180218)
    for _ in range(1500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        try:
            q = parse_query(text)
        except InvalidSearchQuery:
            continue
        assert_safe(q)
        runs(fts, q)


def test_length_limit_is_inclusive() -> None:
    text = ("غزة " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS]
    assert parse_query(text).groups


def test_stopword_list_for_the_reply() -> None:
    assert stopword_list("في مِن على في") == ("في", "من", "على")


# ---------------------------------------------------------------------------- broader

def test_broader_suggestions_drop_filters_then_words() -> None:
    q = parse_query('"قطاع غزة" صاروخ -إصابات مصدر:العربية')
    shown = [b.display() for b in broader(q)]
    assert shown[0] == '"قطاع غزة" صاروخ مصدر:العربية'  # without the exclusion
    assert shown[1] == '"قطاع غزة" صاروخ -إصابات'  # without the source
    assert "قطاع غزة صاروخ" in shown  # the phrase as loose words
    assert {"قطاع", "غزة", "صاروخ"} <= set(shown)
    assert q.display() not in shown


def test_single_word_has_no_broader_form() -> None:
    assert broader(parse_query("غزة")) == []
