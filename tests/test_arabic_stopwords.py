"""The shipped stopword list and is_stopword()."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.arabic import is_stopword, load_stopwords, normalize, strip_tashkeel, tokenize
from bot.arabic.stopwords import DROPPED, STOPWORDS, clean_stopwords

DATA = Path(__file__).resolve().parents[1] / "bot" / "data"
SOURCE = Path("/work/shared/data/stopwords/mohataher_arabic-stop-words_list.txt")


def test_list_is_clean() -> None:
    words = load_stopwords()
    assert len(words) > 500
    for w in words:
        assert w, "empty entry"
        assert w == w.strip() and " " not in w
        assert len(w) >= 2, f"single letter {w!r}"
        assert strip_tashkeel(w) == w, f"tashkeel or tatweel in {w!r}"
        assert normalize(w) == w, f"not normalized: {w!r}"
        assert all("\u0621" <= ch <= "\u064a" for ch in w), f"non-letter in {w!r}"
        assert "?" not in w
    assert not (words & DROPPED)


def test_file_is_sorted_unique_with_license_beside_it() -> None:
    lines = [
        ln for ln in (DATA / "stopwords_ar.txt").read_text("utf-8").splitlines() if ln[:1] != "#"
    ]
    assert lines == sorted(set(lines))
    assert "MIT" in (DATA / "stopwords_ar.LICENSE").read_text("utf-8")
    assert STOPWORDS is load_stopwords()


@pytest.mark.parametrize("word", ["في", "من", "إلى", "على", "التي", "الذي", "هذه", "وقال", "أيضاً"])
def test_function_words_are_stopwords(word: str) -> None:
    (token,) = tokenize(word)
    assert is_stopword(token)


@pytest.mark.parametrize("word", ["الحكومة", "دولار", "زيارة", "غزة", "قوة", "حي", "أمين"])
def test_content_words_are_not(word: str) -> None:
    (token,) = tokenize(word)
    assert not is_stopword(token)


def test_single_letters_count_as_stopwords() -> None:
    assert is_stopword("و")
    assert is_stopword("ب")
    assert is_stopword("")


def test_cleaning_rules() -> None:
    raw = ["", "ا?", "أبٌ", "اب", "تحت'", "لا سيما", "و6", "ب", "إلَيْكَ", "دولار", "االا", "في"]
    assert clean_stopwords(raw) == ["اب", "اليك", "تحت", "في"]


@pytest.mark.skipif(not SOURCE.exists(), reason="shared data not present")
def test_shipped_list_is_the_cleaned_source() -> None:
    assert clean_stopwords(SOURCE.read_text("utf-8-sig").splitlines()) == sorted(load_stopwords())
