"""Snippets: matched on keys, shown in the article's own spelling, escaped, highlighted."""

from __future__ import annotations

from bot.render import visible_length
from bot.render.bidi import RLM
from bot.render.escape import html_to_text
from bot.search.query import parse_query
from bot.search.snippet import count_matches, highlight, snippet
from tests.fakes.telegram_html import parse_html

TEXT = ("أفاد مراسل \"العربية\" بانفجار صاروخ في مستوطنة قرب #قطاع_غزة دون حدوث إصابات.\n"
        "وأضاف المراسل بأنه تم إطلاق صفارات الإنذار في عدد من #المستوطنات_الإسرائيلية "
        "القريبة من قطاع غزة.")


def keys(q: str) -> frozenset[str]:
    return parse_query(q).highlight_keys()


def test_matches_in_original_spelling_are_bold() -> None:
    out = highlight(TEXT, keys("صَفّارات الانذار"))
    assert "<b>صفارات الإنذار</b>" in out  # neighbours share one tag; hamza as written
    assert "&quot;العربية&quot;" in out  # escaped
    parse_html(out)  # valid Telegram HTML


def test_stemmed_forms_are_highlighted() -> None:
    out = highlight(TEXT, keys("المستوطنة"))
    assert "<b>مستوطنة</b>" in out and "<b>المستوطنات</b>" in out


def test_tashkeel_in_the_article_is_kept() -> None:
    out = highlight("أعلنت الحُكُومَةُ اليوم", keys("الحكومة"))
    assert "<b>الحُكُومَةُ</b>" in out


def test_window_is_cut_on_words_around_the_best_cluster() -> None:
    long_text = " ".join(["كلام"] * 200) + " خبر عن إيران والعراق " + " ".join(["كلام"] * 200)
    out = snippet(long_text, keys("إيران العراق"), width=80)
    plain = html_to_text(out)
    assert plain.startswith("…") and plain.endswith("…")
    assert "<b>إيران والعراق</b>" in out
    assert len(plain) <= 80 + 2
    assert "كلا…" not in plain  # whole words only


def test_no_match_gives_the_beginning() -> None:
    out = snippet(TEXT, keys("ترامب"), width=40)
    assert out.startswith("أفاد مراسل") and out.endswith("…")
    assert "<b>" not in out


def test_plain_variant_has_no_markup() -> None:
    out = snippet("<script> غزة & لبنان", keys("غزة"), html=False)
    assert out == RLM + "<script> غزة & لبنان"  # starts with Latin: RTL mark


def test_html_special_characters_never_leak() -> None:
    text = 'a <b>x</b> & "غزة" <i>'
    out = highlight(text, keys("غزة"))
    parse_html(out)
    assert html_to_text(out) == RLM + text


def test_latin_start_gets_a_right_to_left_mark() -> None:
    out = snippet("CNN: انفجار في غزة", keys("غزة"))
    assert out.startswith(RLM)


def test_empty_text() -> None:
    assert snippet("", keys("غزة")) == ""
    assert snippet("   ", keys("غزة")) == ""


def test_count_matches_counts_distinct_words() -> None:
    assert count_matches(TEXT, keys("غزة صاروخ ترامب")) == 2


def test_size_is_bounded() -> None:
    text = "غزة " * 3000
    assert visible_length(snippet(text, keys("غزة"), width=220)) <= 222


def test_bidi_override_controls_are_dropped() -> None:
    out = snippet("انفجار \u202eفي غزة\u202c صباح اليوم \u2066CNN\u2069", keys("غزة"), html=False)
    assert out == "انفجار في غزة صباح اليوم CNN"


def test_a_character_of_several_words_is_matched_and_shown_once() -> None:
    """«ﷺ» is four words in one character: it had the key of its first only, so
    searching «الله» did not highlight it; now each of its words matches, and it is
    still shown once. "CO₂" is "CO" and "₂", highlighted as one word."""
    assert highlight("قال النبي ﷺ كلاما", keys("الله")) == "قال النبي <b>ﷺ</b> كلاما"
    assert highlight("ارتفعت انبعاثات CO₂ هذا العام", keys("CO2")) == \
        "ارتفعت انبعاثات <b>CO₂</b> هذا العام"
