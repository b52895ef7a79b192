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
