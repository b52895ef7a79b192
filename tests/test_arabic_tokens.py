"""tokenize(): Arabic-aware word tokens on normalized text."""

from __future__ import annotations

from bot.arabic import normalize, tokenize, tokenize_normalized


def test_tokens_are_normalized_words() -> None:
    assert tokenize("قالَ الوزيرُ: النمو ٣٫٥٪ في «الأردن».") == [
        "قال",
        "الوزير",
        "النمو",
        "3.5",
        "في",
        "الاردن",
    ]


def test_punctuation_hashtags_and_underscores_separate_tokens() -> None:
    assert tokenize("#قطاع_غزة، (رويترز) - كوفيد-19") == ["قطاع", "غزه", "رويترز", "كوفيد", "19"]


def test_numbers_stay_whole_and_latin_is_folded() -> None:
    assert tokenize("بلغ 2,000 و 3.5 و CNN.com") == ["بلغ", "2,000", "و", "3.5", "و", "cnn", "com"]


def test_tashkeel_does_not_split_a_word() -> None:
    # FTS5's unicode61 splits words at harakat; we must not.
    assert tokenize("مُحَمَّدٌ") == ["محمد"]


def test_empty_and_punctuation_only() -> None:
    assert tokenize("") == []
    assert tokenize("... ، ؟ ! «»") == []


def test_tokenize_normalized_matches_tokenize() -> None:
    text = "وأكّد المتحدثُ أنّ ٥٠ شخصاً أُصيبوا"
    assert tokenize_normalized(normalize(text)) == tokenize(text)
