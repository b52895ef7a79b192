"""truncate_words: within the limit, on a word boundary, no punctuation before the ellipsis."""

from __future__ import annotations

import random
import unicodedata

import pytest

from bot.render.escape import utf16_length
from bot.render.truncate import clean_line, clean_paragraphs, truncate_words

WORDS = [
    "الأمم", "المتحدة", "قالت،", "إن", "الحكومة؛", "2018", "دولار.", "هل؟", "CNN", "(بيان)",
    "\"القاسية\"", "بـ10كم", "مُحَمَّدٌ", "😀", "A&B", "<b>", "ـــ", "يوليو/تموز", "—", "،",
]


def _is_junk(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PZ" or ch == "ـ"


def _check(text: str, limit: int) -> str:
    out = truncate_words(text, limit)
    assert utf16_length(out) <= limit
    if utf16_length(text) <= limit:
        assert out == text
        return out
    if not out:
        return out
    assert out.endswith("…")
    head = out[:-1]
    assert head and not _is_junk(head[-1]), repr(out)
    assert text.startswith(head)
    words, kept = text.split(), head.split()
    k = len(kept)
    if len(words[0]) > len(head) and k == 1:  # the first word alone does not fit: hard cut
        return out
    # Whole words only; the last kept word may only lose trailing punctuation.
    assert kept[:-1] == words[: k - 1], (text, limit, out)
    last = words[k - 1]
    assert last.startswith(kept[-1]) and all(_is_junk(c) for c in last[len(kept[-1]) :]), (
        text, limit, out,
    )
    # Maximal: the next word would not have fit.
    longer = " ".join(words[: k + 1])
    while longer and _is_junk(longer[-1]):
        longer = longer[:-1]
    if longer != head and k < len(words):
        assert utf16_length(longer) + 1 > limit, (text, limit, out)
    return out


def test_truncation_properties_over_many_texts_and_limits() -> None:
    rng = random.Random(20180218)
    for _ in range(400):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 60)))
        for limit in (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 1000):
            _check(text, limit)
        for limit in range(0, utf16_length(text) + 2, 7):
            _check(text, limit)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("قال الوزير، إن الحكومة", 12, "قال الوزير…"),
        ("قال الوزير؛ إن الحكومة", 12, "قال الوزير…"),
        ("هل قال الوزير؟ نعم قال", 15, "هل قال الوزير…"),
        ("Hello, world and more", 13, "Hello, world…"),
        ("Hello, world and more", 12, "Hello…"),
        ("short", 5, "short"),
        ("short", 100, "short"),
        ("كلمة طويلةجدا", 8, "كلمة…"),
        ("قال \"الوزير", 7, "قال…"),
    ],
)
def test_truncation_examples(text: str, limit: int, expected: str) -> None:
    assert truncate_words(text, limit) == expected


def test_giant_single_word_is_cut_within_limit_and_not_before_harakat() -> None:
    word = "مُحَمَّدٌ" * 2000
    for limit in range(2, 200, 3):
        out = truncate_words(word, limit)
        assert utf16_length(out) <= limit
        assert out.endswith("…") or (limit < 4 and out == "")
        head = out[:-1]
        assert word.startswith(head)
        assert unicodedata.category(word[len(head)]) != "Mn"  # the next char is a letter


def test_emoji_count_two_units() -> None:
    text = "😀 " * 100
    out = truncate_words(text, 10)
    assert utf16_length(out) <= 10
    assert out == "😀 😀 😀…"


def test_custom_ellipsis_and_tiny_limits() -> None:
    assert truncate_words("one two three", 9, ellipsis=" ...") == "one ..."
    assert truncate_words("one two three", 1) == ""
    assert truncate_words("one two three", 0) == ""
    assert truncate_words("... ... ...", 6) == ""


def test_clean_line_and_paragraphs() -> None:
    assert clean_line("  a\tb\n\nc\x00d\x07 ") == "a b c d"
    assert clean_paragraphs("a  b \r\n c\n\n\n\nd\x0be") == "a b\nc\n\nd e"
