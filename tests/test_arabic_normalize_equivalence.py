"""Equivalence of the optimized bot.arabic.normalize with a frozen copy of the original.

``normalize`` must return exactly what the original (frozen below, commit fd2a59c) returned
on: every code point alone and among Arabic letters and spaces, every line and sentence of
the fixtures and of the shared data set when present (skipped otherwise), and a seeded fuzz
over Arabic letters, tashkeel, fold characters, presentation forms, digits, every
whitespace character, invisible marks and Latin with combining marks. bench/normalize.py
imports the frozen copy for its old-vs-new figures.
"""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest

from bot.arabic.normalize import normalize
from bot.arabic.sentences import split_sentences
from tests.test_arabic_sentences_equivalence import data_texts, fixture_texts

DATA = Path("/work/shared/data")

# ---------------------------------------------------------------------------------------
# Frozen reference: bot/arabic/normalize.py normalize() as of fd2a59c. Do not edit.
# ---------------------------------------------------------------------------------------

_R_TASHKEEL = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]"
)
_R_TATWEEL = "\u0640"
_R_FOLDS: dict[str, str | None] = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ى": "ي",
    "ی": "ي",  # Persian yeh
    "ة": "ه",
    "ک": "ك",  # Persian kaf
    "\u066b": ".",  # Arabic decimal separator
    "\u066c": ",",  # Arabic thousands separator
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended (Persian) digits
    _R_TATWEEL: None,
    "\u200c": None,  # ZWNJ
    "\u200d": None,  # ZWJ
    "\u200e": None,  # LRM
    "\u200f": None,  # RLM
    "\u061c": None,  # ALM
    "\ufeff": None,  # BOM
}
_R_FOLD_PAIRS = tuple((ch, rep or "") for ch, rep in _R_FOLDS.items())
_R_ODD_SPACE = re.compile(r"[^\S ]|  ")


def _r_fold(text: str) -> str:
    for ch, rep in _R_FOLD_PAIRS:
        if ch in text:
            text = text.replace(ch, rep)
    return text


def _r_collapse_spaces(text: str) -> str:
    if _R_ODD_SPACE.search(text):
        return " ".join(text.split())
    return text.strip()


def _reference_normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _R_TASHKEEL.sub("", text)
    return _r_collapse_spaces(_r_fold(text).casefold())


# ---------------------------------------------------------------------------------------


def _assert_same(texts: list[str]) -> None:
    for text in texts:
        assert normalize(text) == _reference_normalize(text), repr(text)


def _code_points() -> list[str]:
    return [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


def _assigned_code_points_and_a_sample_of_the_rest() -> list[str]:
    """Every assigned code point, and every 97th unassigned (Cn) or private-use (Co) one.
    Those ~970,000 all take the same steps in both versions (NFKC and casefold leave
    them, nothing deletes or folds them, none is whitespace nor printable): checking
    each of them tripled this test's time (~20 s) for no case the sample misses."""
    out = []
    for n, ch in enumerate(_code_points()):
        if unicodedata.category(ch) not in ("Cn", "Co") or n % 97 == 0:
            out.append(ch)
    return out


def test_unassigned_and_private_use_code_points_take_no_step_of_their_own() -> None:
    # What the sampling above relies on, for every such code point.
    for ch in _code_points():
        if unicodedata.category(ch) in ("Cn", "Co"):
            assert unicodedata.normalize("NFKC", ch) == ch == ch.casefold(), hex(ord(ch))
            assert not ch.isspace() and not ch.isprintable(), hex(ord(ch))
            assert ch not in _R_FOLDS and not _R_TASHKEEL.match(ch), hex(ord(ch))


def test_every_code_point_alone_and_among_arabic_letters_and_spaces() -> None:
    # Alone; then after and before an Arabic letter, after and before a space, at the end.
    points = _assigned_code_points_and_a_sample_of_the_rest()
    for texts in (points, [f"ب{ch}ب {ch} ة{ch}" for ch in points]):
        if list(map(normalize, texts)) != list(map(_reference_normalize, texts)):
            _assert_same(texts)  # names the first text that differs


def test_every_code_point_after_each_windows_1256_character() -> None:
    # The fast path covers Windows-1256 text: each of its characters next to every other.
    cp = bytes(range(256)).decode("cp1256")
    texts = [f"{a}{b}{a}" for a in cp for b in cp]
    _assert_same(texts)


def test_the_whitespace_and_printability_facts_the_fast_paths_rely_on() -> None:
    for ch in _code_points():
        if ch.isspace() and ch != " ":
            assert not ch.isprintable(), hex(ord(ch))
    # The only Windows-1256 character the fast path's table cannot map, µ (casefolded to
    # μ), is never in NFKC text.
    assert unicodedata.normalize("NFKC", "µ") == "μ"
    casefold_leaves_cp1256 = [
        ch for ch in bytes(range(256)).decode("cp1256")
        if len(ch.casefold().encode("cp1256", "ignore")) != len(ch.casefold())
    ]
    assert casefold_leaves_cp1256 == ["µ"]


def _lines_and_sentences(texts: list[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        out.append(text)
        out.extend(text.splitlines())
        out.extend(split_sentences(text))
    return out


def test_fixtures_every_line_and_sentence() -> None:
    texts = _lines_and_sentences(fixture_texts())
    assert len(texts) > 1000
    _assert_same(texts)


@pytest.mark.skipif(not DATA.is_dir(), reason="no shared data set at /work/shared/data")
def test_shared_data_every_line_and_sentence() -> None:
    texts = _lines_and_sentences(data_texts())
    assert len(texts) > 1000
    _assert_same(texts)


_ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءؤئ"
_TASHKEEL_MARKS = "".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0670\u0640"
_FOLD_KEYS = "".join(_R_FOLDS)
_PRESENTATION = "".join(chr(c) for c in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)])
_DIGITS = "0123456789" + "".join(chr(c) for c in [*range(0x0660, 0x066D), *range(0x06F0, 0x06FA)])
_SPACES = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())
_INVISIBLE = "\u200c\u200d\u200e\u200f\ufeff\u061c\u200b\u2060"
_LATIN = "abcXYZéÉçÇœŒàÀµ" + "ßİﬁ\u00b4\ufdfa\u0301\u0308\u0327\u0653\u0654\u0655ΣσςK"
_WIN1256 = bytes(range(256)).decode("cp1256")
_ALPHABETS = [
    _ARABIC * 4 + _TASHKEEL_MARKS + _FOLD_KEYS + " " * 10,
    _ARABIC * 3 + _PRESENTATION[::7] + _DIGITS + _SPACES + _INVISIBLE,
    _ARABIC + _LATIN + _SPACES + _TASHKEEL_MARKS,
    _WIN1256 + _ARABIC * 2 + "  \t\n",  # the fast path only
    _ARABIC + _TASHKEEL_MARKS + _FOLD_KEYS + _PRESENTATION + _DIGITS + _SPACES + _INVISIBLE
    + _LATIN + _WIN1256,
]


def test_seeded_fuzz() -> None:
    rng = random.Random(20261129)
    texts = []
    for _ in range(40_000):
        alphabet = rng.choice(_ALPHABETS)
        texts.append("".join(rng.choices(alphabet, k=rng.randint(0, 60))))
    _assert_same(texts)
