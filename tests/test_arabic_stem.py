"""light_stem(): a conservative matching key for normalized tokens."""

from __future__ import annotations

import pytest

from bot.arabic import light_stem, tokenize


def stems(text: str) -> set[str]:
    return {light_stem(t) for t in tokenize(text)}


@pytest.mark.parametrize(
    "forms",
    [
        "بالحكومة والحكومة الحكومة للحكومة فالحكومة كالحكومة وبالحكومة حكومة حكومات الحكومات",
        "الوزارة وزارة والوزارة للوزارة بالوزارة",
        "المدينة مدينة بالمدينة والمدينة",
        "لبنان ولبنان اللبنانية",
        "كتاب بكتاب الكتاب كتابه كتابها",
        "المعلمون معلمين المعلمين",
        "القوات قواتها",
    ],
)
def test_clitic_forms_meet(forms: str) -> None:
    assert len(stems(forms)) == 1, {t: light_stem(t) for t in tokenize(forms)}


@pytest.mark.parametrize(
    "word",
    ["وقت", "بلد", "كل", "ولد", "قال", "وزير", "مصر", "ايران", "عمان", "الله", "والله", "لله"],
)
def test_short_words_and_names_are_left_alone(word: str) -> None:
    assert light_stem(word) == word


def test_article_needs_three_letters_left() -> None:
    assert light_stem("الام") == "الام"  # not "ام"
    assert light_stem("الامم") == "امم"


def test_non_arabic_tokens_unchanged() -> None:
    for token in ("cnn", "2020", "3.5", "covid19"):
        assert light_stem(token) == token


def test_stem_is_idempotent_on_its_output_for_common_words() -> None:
    for word in tokenize("الحكومات والوزارة بالمدينة اللبنانية المعلمون"):
        once = light_stem(word)
        assert light_stem(once) == once


def test_distinct_words_stay_distinct() -> None:
    assert light_stem("وزاره") != light_stem("زياره")
    assert light_stem("الحكومه") != light_stem("الحكم")
