"""normalize() and strip_tashkeel(): the matching form of DESIGN.md "Arabic text"."""

from __future__ import annotations

import pytest

from bot.arabic import normalize, strip_tashkeel


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        # tashkeel: fatha, damma, kasra, sukun, shadda, tanween, superscript alef
        ("الأُمَمُ المُتَّحِدَةُ", "الامم المتحده"),
        ("كِتَابٌ جَمِيلٌ", "كتاب جميل"),
        ("شُكْرًا", "شكرا"),
        ("رحمٰن", "رحمن"),
        # tatweel
        ("الحكـــومة", "الحكومه"),
        ("هـ", "ه"),
        # alef forms
        ("أحمد إبراهيم آمال ٱلله", "احمد ابراهيم امال الله"),
        # alef maqsura and ta marbuta
        ("مستشفى على", "مستشفي علي"),
        ("مدرسة", "مدرسه"),
        # Arabic-Indic and Persian digits, Arabic decimal and thousands separators
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۱۲۳", "123"),
        ("٣٫٥", "3.5"),
        ("٢٬٠٠٠", "2,000"),
        # compatibility forms and invisible marks
        ("\ufefb", "لا"),
        ("\u200fنص\u200e", "نص"),
        # Latin is case-folded, whitespace collapsed
        ("  CNN   Arabic\n", "cnn arabic"),
    ],
)
def test_normalize_folds(raw: str, folded: str) -> None:
    assert normalize(raw) == folded


def test_every_spelling_gives_the_same_key() -> None:
    spellings = ["أحمد", "احمد", "أَحْمَد", "أحـمد"]
    assert {normalize(s) for s in spellings} == {"احمد"}


def test_normalize_is_idempotent() -> None:
    text = "قالَ الرئيسُ «إنّ ٢٠٢٤ عامٌ مهمّ» — مستشفى المدينة"
    once = normalize(text)
    assert normalize(once) == once


def test_strip_tashkeel_keeps_letters_as_they_are() -> None:
    assert strip_tashkeel("أَحْمَدُ إلى مَدْرَسَةٍ") == "أحمد إلى مدرسة"
    assert strip_tashkeel("الحكـــومة") == "الحكومة"
    assert strip_tashkeel("") == ""


def _normalize_reference(text: str) -> str:
    """normalize() as first written (str.translate, one regex for spaces): the fast
    version must give exactly this."""
    import re
    import unicodedata

    from bot.arabic.normalize import _FOLD, _TASHKEEL

    text = unicodedata.normalize("NFKC", text)
    text = _TASHKEEL.sub("", text)
    text = text.translate(_FOLD).casefold()
    return re.sub(r"\s+", " ", text).strip()


def test_fold_equals_translate_on_every_code_point() -> None:
    from bot.arabic.normalize import _FOLD, fold

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert fold(every) == every.translate(_FOLD)


def test_collapse_spaces_equals_the_regex() -> None:
    import random
    import re

    from bot.arabic.normalize import collapse_spaces

    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    pool = [*spaces, "a", "ب", " ", " "]
    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(10)))
        assert collapse_spaces(text) == re.sub(r"\s+", " ", text).strip(), repr(text)


def test_normalize_equals_the_reference() -> None:
    import random

    pool = (list("ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئىةٱیکـ .,؟،«»\"'#_-0123456789AbCßİΣ")
            + [chr(c) for c in range(0x0600, 0x0700)]
            + list("\u200b\u200c\u200d\u200e\u200f\u061c\ufeff\u00a0\u2003\t\n\r\x85\u2028")
            + list("\ufefb\ufdf2\ufe8d\u2460\u00b2\ufb01"))
    rng = random.Random(11)
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(40)))
        assert normalize(text) == _normalize_reference(text), repr(text)
