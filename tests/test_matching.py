"""Keyword matching on normalized Arabic, whole words only."""

from __future__ import annotations

import pytest

from bot.matching import KeywordIndex, keyword_key

TEXT = "قال الأمينُ العام للأممِ المتّحدة إن والحكومة ستجتمع بالرياض #قطاع_غزة 2024"


@pytest.mark.parametrize("keyword", [
    "الأمم المتحدة", "الامم المتحده", "الأُمَم المتَّحِدة", "أمم المتحدة",
    "الحكومة", "حكومة", "الرياض", "رياض", "#غزة", "قطاع غزة", "٢٠٢٤",
])
def test_matches(keyword: str) -> None:
    assert KeywordIndex(TEXT).contains(keyword_key(keyword)), keyword


@pytest.mark.parametrize("keyword", [
    "الأمم المتحدة للطفولة", "حكوم", "ياض", "المتحدة الأمم", "غز", "", "   ", "(", "a.*",
])
def test_does_not_match(keyword: str) -> None:
    assert not KeywordIndex(TEXT).contains(keyword_key(keyword)), keyword


def test_keyword_key_is_normalized_words() -> None:
    assert keyword_key("  #الأمم   المتّحدة!! ") == "الامم المتحده"
    assert keyword_key("COVID-19") == "covid 19"


def test_short_words_match_exactly_only() -> None:
    index = KeywordIndex("وفي عام")
    assert not index.contains(keyword_key("في"))
    assert KeywordIndex("في عام").contains(keyword_key("في"))


@pytest.mark.parametrize("text", [TEXT, "", "وفي عام", "#قطاع_غزة و بالحكومة ٢٠٢٤ COVID-19"])
def test_an_index_from_precomputed_words_equals_the_original(text: str) -> None:
    from bot.matching import words

    original, rebuilt = KeywordIndex(text), KeywordIndex.from_tokens(words(text))
    assert rebuilt.tokens == original.tokens
    assert rebuilt._positions == original._positions
    for keyword in ["الأمم المتحدة", "حكومة", "غزة", "في", "covid 19", "عام"]:
        key = keyword_key(keyword)
        assert rebuilt.contains(key) == original.contains(key)


def test_chunked_words_equal_normalizing_the_whole_text() -> None:
    import random
    import re

    from bot.arabic import normalize
    from bot.matching import words, words_text

    def whole(text: str) -> list[str]:
        return re.findall(r"[^\W_]+", normalize(text))

    pieces = ["غزة", "الحُكومة", "ـــ", "\u200f", "\u200e", "\u061c", "\u200d", "\ufeff",
              "ﻻ", "ﷺ", "²", "℃", "cafe\u0301", "\u0301", "٣٫٥", "3.5", "2,000", "#", "_", "«",
              "»", "،", "ﹰ", "\u00a0", " ", "\n", "\u2003", "\u3000", "\x1c", "e", "İ", "ß",
              "covid19", "-", ".", "إ", "آ", "\u0653", "ﺑ", "ﻟ"]
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert words(text) == whole(text), repr(text)
        assert words_text(text) == " ".join(whole(text)), repr(text)
    assert words(TEXT) == whole(TEXT)
