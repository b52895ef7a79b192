"""Index terms: one function for documents and queries; the stemmer's quirks worked around."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot.arabic import light_stem, normalize, tokenize
from bot.arabic.tokens import token_spans
from bot.search.terms import (
    index_keys,
    index_terms,
    query_keys,
    surface_words,
    term_key,
    token_keys,
)
from bot.storage._fts import index_fields, source_terms

FIXTURES = Path(__file__).parent / "fixtures" / "search" / "articles.json"
ARTICLES = json.loads(FIXTURES.read_text(encoding="utf-8"))


def slow_keys(text: str) -> list[str]:
    """The keys of the whole text at once (index_terms goes chunk by chunk)."""
    return [k for k in token_keys(token_spans(normalize(text))) if k]


def key(word: str) -> str | None:
    [token] = tokenize(word)
    return term_key(token)


def test_chunked_keys_equal_tokenizing_the_whole_text() -> None:
    for article in ARTICLES:
        for field in ("title", "summary", "text"):
            assert index_keys(article[field]) == slow_keys(article[field])


def test_chunked_keys_equal_on_awkward_characters() -> None:
    pieces = ["غزة", "الحُكومة", "ـــ", "\u200f", "\u200e", "\u061c", "\u200d", "\ufeff",
              "ﻻ", "ﷺ", "²", "℃", "cafe\u0301", "٣٫٥", "3.5", "2,000", "#", "_", "«", "»", "،",
              "ﹰ", "\u00a0", " ", "\n", "e", "İ", "ß", "covid19", "-", ".", "إ", "آ", "\u0653"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert index_keys(text) == slow_keys(text), repr(text)
        assert index_terms(text) == " ".join(slow_keys(text)), repr(text)


def test_index_drops_stopwords_but_keeps_digits() -> None:
    assert index_terms("قال إن الحكومة في 7 مدن") == "حكوم 7 مدن"


@pytest.mark.parametrize("forms", [
    "بالحكومة والحكومة الحكومة للحكومة حكومة حكومات",
    "بريطانيا وبريطانيا لبريطانيا ببريطانيا فبريطانيا",
    "الأمم الامم بالأمم والأمم",
    "إيران ايران أيران وإيران",
])
def test_spellings_and_clitics_share_a_key(forms: str) -> None:
    assert len({key(w) for w in forms.split()}) == 1, {w: key(w) for w in forms.split()}


def test_over_stripping_is_consistent() -> None:
    # light_stem strips the first letter of بريطانيا; harmless as long as every form agrees
    assert light_stem("بريطانيا") == "ريطانيا"
    assert key("لبريطانيا") == key("وبريطانيا") == key("بريطانيا")


@pytest.mark.parametrize(("word", "forms"), [
    ("مصر", ["بمصر", "ومصر", "لمصر", "فمصر", "وبمصر", "المصر"]),
    ("غزة", ["بغزة", "وغزة", "لغزة", "وبغزة", "فبغزة"]),
    ("قطر", ["بقطر", "وقطر", "لقطر"]),
    ("كلمة", ["بكلمة", "وكلمة", "الكلمة", "بالكلمة"]),
    ("الأمم", ["للأمم", "بالأمم", "والأمم"]),
    ("الحكومة", ["للحكومة", "وبالحكومة"]),
])
def test_a_query_word_covers_its_clitic_forms(word: str, forms: list[str]) -> None:
    # the stemmer leaves short words whole, so "بمصر" keeps its ب: the query expands
    keys = set(query_keys(tokenize(word)[0]))
    for form in forms:
        assert key(form) in keys, (form, key(form), keys)


def test_expansion_leaves_long_words_and_names_alone() -> None:
    assert query_keys("الحكومه") == ("حكوم",)
    assert query_keys("الله") == ("الله",)
    assert query_keys("cnn") == ("cnn",)
    assert query_keys("في") == ()


def test_surface_words_keep_the_original_spelling() -> None:
    text = "قالَ الوزيرُ: النمو ٣٫٥٪ في «الأردن» #قطاع_غزة"
    words = [(text[a:b], k) for a, b, k in surface_words(text)]
    assert words == [("قالَ", None), ("الوزيرُ", "وزير"), ("النمو", "نمو"), ("٣٫٥", "3.5"),
                     ("في", None), ("الأردن", "اردن"), ("قطاع", "قطاع"), ("غزة", "غزه")]


def test_surface_word_keys_are_the_index_keys() -> None:
    for article in ARTICLES[:6]:
        text = article["text"]
        assert [k for _, _, k in surface_words(text) if k] == index_keys(text)


def test_surface_words_and_the_index_agree_on_compatibility_characters() -> None:
    """The query side (surface_words) gave one key for a word the index held several
    for ("H₂O": "2" against "h 2 o"'s "2"; "CO₂": "co" against "co 2")."""
    text = "جزيء H₂O وغاز CO₂ وقمة G20 ومساحة 5 م² و½ كوب و㎞ وﷺ"
    words = surface_words(text)
    assert [k for _, _, k in words if k] == index_keys(text)
    assert [(text[a:b], k) for a, b, k in words[1:4]] == [("H", "h"), ("₂", "2"), ("O", "o")]
    assert index_terms("H₂O") == index_terms("H2O") == index_terms("Ｈ２Ｏ") == "h 2 o"
    assert index_terms("H 2 O") == "2"  # letters apart from the number are stopwords
    # an Arabic prefix, preposition or unit typed against a number stays a stopword
    assert [index_terms(w) for w in ("الـ25", "في1988", "10كم")] == ["25", "1988", "10"]
    pieces = ["H", "₂", "O", "2", "²", "Ｈ", "２", "ﷺ", "½", "㎞", "①", "İ", "غزة", "و",
              "ـ", "\u064e", " ", "-", "3.5", "ﷺa", "\u0301", "e"]
    rng = random.Random(11)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        words = surface_words(text)
        assert [k for _, _, k in words if k] == index_keys(text), repr(text)
        assert all(0 <= a < b <= len(text) for a, b, _ in words), repr(text)


def test_source_column_has_name_and_site() -> None:
    assert source_terms("سكاي نيوز عربية", "https://www.skynewsarabia.com/x") == \
        "src_سكاي src_نيوز src_عرب src_skynewsarabia"
    assert source_terms("BBC", "https://www.bbc.co.uk/arabic/x") == "src_bbc src_bbc"
    assert index_fields("عنوان", "", "", "المصدر")[3] == "src_مصدر"


@pytest.mark.parametrize("forms, whole, other", [
    # a word whose ين / ون is its own keeps it in every clitic form, apart from the word
    # light_stem alone would have merged it with
    (("البحرين", "بالبحرين", "للبحرين", "والبحرين", "وبالبحرين"), "بحرين", "البحر"),
    (("التأمين", "بالتأمين", "وتأمين"), "تامين", "تام"),
    (("فلسطين", "لفلسطين", "بفلسطين", "وبفلسطين"), "فلسطين", "فلسطيني"),
    (("فرعون", "الفرعون", "وفرعون"), "فرعون", "فرع"),
    (("ماكرون", "وماكرون", "لماكرون"), "ماكرون", "ماكر"),
    (("بوتين", "وبوتين", "لبوتين"), "بوتين", "بوت"),
])
def test_whole_words_keep_their_ending(forms: tuple[str, ...], whole: str, other: str) -> None:
    assert {key(f) for f in forms} == {whole}
    assert key(other) != whole
    for form in forms:
        [token] = tokenize(form)
        assert query_keys(token)[0] == whole


def test_plurals_and_duals_still_meet_their_singular() -> None:
    assert key("المسلمين") == key("المسلمون") == key("مسلم")
    assert key("الفريقين") == key("الفريق")
    assert key("الدولتين") == key("دولتين")
    assert all(key(w) == light_stem(tokenize(w)[0]) for w in ("اللاعبين", "المواطنون", "كتابه"))
