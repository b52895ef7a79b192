"""What search shows: within Telegram's limits whatever the articles hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.callbacks import CallbackCodec, new_key
from bot.render import ENTITY_LIMIT, TEXT_LIMIT, visible_length
from bot.render.bidi import RLM
from bot.render.limits import CALLBACK_DATA_LIMIT
from bot.render.pager import NEXT_LABEL, PREV_LABEL
from bot.search import present
from bot.search.query import parse_query
from bot.search.ranking import Hit, SearchPage
from tests.fakes.telegram_html import parse_html
from tests.test_search_storage import ARTICLES

CODEC = CallbackCodec(new_key())


def page_of(articles: list, offset: int = 0, total: int | None = None) -> SearchPage:
    hits = tuple(Hit(a, 1.0) for a in articles)
    return SearchPage(hits=hits, offset=offset, total=total or offset + len(hits))


def test_results_page_lists_headline_source_date_snippet_link() -> None:
    q = parse_query("غزة")
    text = present.results_message("غزة", q, page_of(ARTICLES[:2]), "Asia/Riyadh")
    parse_html(text)
    assert "«غزة»" in text and "1–2 من 2" in text
    assert f"<b>{ARTICLES[0].title}</b>" in text
    assert "العربية · 18 فبراير 2018" in text
    assert "<b>غزة</b>" in text and "اقرأ الخبر</a>" in text


def test_results_page_fits_4096_with_huge_articles() -> None:
    huge = [replace(a, title="عنوان " * 400, summary="غزة " * 3000, text="غزة " * 9000,
                    source="مصدر " * 100, url="https://example.com/" + "x" * 1500)
            for a in ARTICLES[:5]]
    q = parse_query("غزة")
    text = present.results_message("غزة " * 200, q, page_of(huge, total=200), "Asia/Riyadh")
    assert visible_length(text) <= TEXT_LIMIT
    parse_html(text)
    assert text.count("<b>عنوان") == 5



def test_results_page_stays_within_telegram_entity_limit() -> None:
    # every other word of every snippet matches: 5 results of ~30 highlighted words, 150+
    # bold entities, and Telegram shows the markup past the 100th as plain text
    dense = [replace(a, summary="غزة في " * 150, text="غزة في " * 150) for a in ARTICLES[:5]]
    q = parse_query("غزة")
    text = present.results_message("غزة", q, page_of(dense), "Asia/Riyadh")
    _, entities = parse_html(text)
    assert len(entities) <= ENTITY_LIMIT
    assert text.count("<b>غزة</b>") > 20  # still highlighted, in shorter snippets
    assert "1–5 من 5" in text and all(f"\n{RLM}{i}. <b>" in text for i in range(1, 6))


def test_results_page_mentions_dropped_stopwords_and_more() -> None:
    q = parse_query("ما هو غزة")
    page = replace(page_of(ARTICLES[:1], total=200), more=True)
    text = present.results_message("ما هو غزة", q, page, "Asia/Riyadh")
    assert "من أكثر من 200" in text and "تجاهلتُ الكلمات الشائعة: ما، هو" in text


def test_paging_buttons_are_small_and_signed() -> None:
    page = page_of(ARTICLES[:5], offset=10**6, total=10**6 + 50)
    [row] = present.paging_buttons(CODEC, 10**11, page, 5)
    assert [b.text for b in row] == [NEXT_LABEL, PREV_LABEL]
    for button in row:
        assert button.callback_data and len(button.callback_data.encode()) <= CALLBACK_DATA_LIMIT
    assert present.parse_callback(CODEC, row[0].callback_data) == (10**11, 200_001)
    # a button sent before the shared pager (s:QID:PAGE) still reads
    assert present.parse_callback(CODEC, CODEC.encode("s", 10**11, 3)) == (10**11, 3)
    assert present.paging_buttons(CODEC, 1, page_of(ARTICLES[:3]), 5) == ()


@pytest.mark.parametrize("data", [None, "", "s:1:2", "s:1:2:AAAAAAAAAAA", "src:1:2:x",
                                  CODEC.encode("src", 1, 2), CODEC.encode("s", 1),
                                  CODEC.encode("s", 1, 2, 3), CODEC.encode("s", "a", 1),
                                  CODEC.encode("s", "1" * 13, 1)])
def test_parse_callback_rejects_anything_not_ours(data: str | None) -> None:
    assert present.parse_callback(CODEC, data) is None


def test_every_reason_has_an_arabic_reply() -> None:
    for reason in ("empty", "stopwords", "too_long", "too_many_terms", "only_excluded",
                   "empty_source", "invalid", "something new"):
        text = present.invalid_message(reason, ("في", "من"))
        parse_html(text)
        assert text and present.inline_invalid_text(reason)
    assert "(في، من)" in present.invalid_message("stopwords", ("في", "من"))


def test_usage_names_the_bot_for_inline_mode() -> None:
    text = present.usage("news_bot")
    parse_html(text)
    assert "@news_bot" in text and "/search" in text


def test_no_results_with_suggestions_and_sources() -> None:
    text = present.no_results_message("x <y>", [parse_query("غزة")], True, ["العربية", "BBC"])
    parse_html(text)
    assert "«x &lt;y&gt;»" in text and "• غزة" in text and "العربية، BBC" in text
    buttons = present.suggestion_buttons(CODEC, [(7, parse_query("غزة"))])
    assert present.parse_callback(CODEC, buttons[0][0].callback_data) == (7, 0)


def test_inline_item_is_the_full_news_message() -> None:
    article = replace(ARTICLES[0], id=123456789, image_url="https://example.com/a.jpg")
    item = present.inline_item(Hit(article, 1.0), parse_query("غزة").highlight_keys(),
                               "Asia/Riyadh")
    assert item.id == "a123456789" and item.thumbnail_url == "https://example.com/a.jpg"
    assert item.message.startswith(f"<b>{article.title}</b>")
    assert "هـ — 18 فبراير 2018" in item.message and "اقرأ الخبر كاملاً" in item.message
    assert [b.text for b in item.buttons[0]] == ["واتساب", "تيليجرام", "إكس", "فيسبوك"]
    assert item.description.startswith("العربية · 18 فبراير 2018\n")


def test_inline_item_title_and_description_are_laid_out_right_to_left() -> None:
    article = replace(ARTICLES[0], id=7, title="CNN: غزة تحت القصف", source="BBC عربي",
                      summary="2025 عام صعب على غزة.")
    item = present.inline_item(Hit(article, 1.0), parse_query("غزة").highlight_keys(),
                               "Asia/Riyadh")
    assert item.title == f"{RLM}CNN: غزة تحت القصف"
    assert item.description.startswith(f"{RLM}BBC عربي · ")
    assert item.description.split("\n")[1].startswith(f"{RLM}2025 عام")
    assert item.message.startswith(f"{RLM}<b>CNN: غزة")  # the news message, as delivered


def test_inline_item_survives_empty_and_huge_fields() -> None:
    empty = replace(ARTICLES[0], id=1, title="", summary="", text="", image_url="ftp://x")
    item = present.inline_item(Hit(empty, 1.0), frozenset(), "UTC")
    assert item.title == "—" and item.thumbnail_url is None
    huge = replace(ARTICLES[0], id=2, title="ع" * 5000, summary="غ " * 5000)
    item = present.inline_item(Hit(huge, 1.0), frozenset(), "UTC")
    assert visible_length(item.message) <= TEXT_LIMIT and len(item.title) <= 100
    assert datetime(2018, 2, 18, tzinfo=UTC)  # fixture dates stay in range
