"""render_article: the DESIGN.md message shape, escaping, links, limits, golden files."""

from __future__ import annotations

import json
import os
import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.models import Article, RenderedMessage
from bot.render import format_for_terminal, render_article
from bot.render.bidi import LRM, RLM, rtl_text
from bot.render.escape import html_to_text, utf16_length, visible_length
from bot.render.limits import CAPTION_LIMIT, HEADLINE_LIMIT, TEXT_LIMIT
from tests.test_render_htmlcheck import assert_telegram_html

FIXTURES = Path(__file__).parent / "fixtures" / "render"
GOLDEN = FIXTURES / "golden"
WHEN = datetime(2018, 2, 18, 19, 28, 6, tzinfo=UTC)
DATE_LINE = "الأحد 2 جمادى الآخرة 1439 هـ — 18 فبراير 2018"
LINK = "اقرأ الخبر كاملاً"


def _fixture_articles() -> list[tuple[str, Article]]:
    items: list[dict[str, Any]] = json.loads((FIXTURES / "articles.json").read_text("utf-8"))
    return [
        (
            item.pop("key"),
            Article(**{**item, "published": datetime.fromisoformat(item["published"])}),
        )
        for item in items
    ]


def _article(**changes: Any) -> Article:
    base: dict[str, Any] = {
        "title": "انفجار صاروخ قرب قطاع غزة دون إصابات",
        "url": "https://www.alarabiya.net/ar/2018/02/19/خبر.html",
        "source": "العربية",
        "published": WHEN,
        "summary": "أفاد مراسل العربية بانفجار صاروخ في مستوطنة قرب قطاع غزة دون حدوث إصابات.",
    }
    return Article(**{**base, **changes})


def _check_message(msg: RenderedMessage) -> None:
    assert_telegram_html(msg.text)
    assert 0 < visible_length(msg.text) <= TEXT_LIMIT
    if msg.caption is not None:
        assert msg.photo_url
        assert_telegram_html(msg.caption)
        assert 0 < visible_length(msg.caption) <= CAPTION_LIMIT


@pytest.mark.parametrize(("key", "article"), _fixture_articles(), ids=lambda v: str(v)[:24])
def test_golden(key: str, article: Article) -> None:
    msg = render_article(article)
    _check_message(msg)
    rendered = format_for_terminal(msg)
    path = GOLDEN / f"{key}.txt"
    if os.environ.get("NEWSBOT_UPDATE_GOLDEN"):
        path.write_text(rendered, "utf-8")
    assert rendered == path.read_text("utf-8")


def test_exact_shape() -> None:
    msg = render_article(_article(url="https://example.com/a?x=1&y=2"))
    assert msg.text == (
        "<b>انفجار صاروخ قرب قطاع غزة دون إصابات</b>\n"
        "\n"
        "أفاد مراسل العربية بانفجار صاروخ في مستوطنة قرب قطاع غزة دون حدوث إصابات.\n"
        "\n"
        f"العربية · {DATE_LINE}\n"
        f'<a href="https://example.com/a?x=1&amp;y=2">{LINK}</a>'
    )
    assert msg.photo_url is None and msg.caption is None
    assert len(msg.buttons) == 1 and len(msg.buttons[0]) == 4


def test_empty_summary_leaves_no_blank_paragraph() -> None:
    for summary in ("", "   ", "\n\n"):
        msg = render_article(_article(summary=summary))
        assert "\n\n\n" not in msg.text
        assert msg.text.split("\n\n")[1].startswith("العربية · ")
        assert len(msg.text.split("\n\n")) == 2


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert('x')</script>",
        'قال "نعم" & رحل',
        "<b>عنوان غير مغلق",
        "</i></b> إغلاق بلا فتح",
        "&amp; &lt;already&gt; &#x202E; escaped",
        '<a href="javascript:alert(1)">اضغط</a>',
        "A < B > C",
        "سطر\nجديد\tوتبويب\x00وتحكم\x07",
        "&",
        "<",
    ],
)
def test_hostile_titles_and_summaries_come_out_literal(title: str) -> None:
    msg = render_article(_article(title=title, summary=title, source=title))
    _check_message(msg)
    shown = html_to_text(msg.text).replace(RLM, "")
    cleaned = " ".join(title.replace("\x00", " ").replace("\x07", " ").split())
    assert shown.startswith(cleaned + "\n\n")
    assert msg.text.count("<b>") == 1 and msg.text.count("<a ") == 1


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "tg://resolve?domain=evil", "ftp://example.com/x", "/relative",
     "", "https://exa mple.com/", 'https://example.com/"onmouseover="x', "https://"],
)
def test_non_http_urls_get_no_link_and_no_buttons(url: str) -> None:
    msg = render_article(_article(url=url))
    _check_message(msg)
    assert "<a " not in msg.text and LINK not in msg.text
    assert msg.buttons == ()
    assert msg.text.endswith(DATE_LINE)


def test_href_is_escaped_for_the_attribute() -> None:
    url = "https://example.com/search?q=a&b='c'&lang=ar"
    msg = render_article(_article(url=url))
    assert '<a href="https://example.com/search?q=a&amp;b=\'c\'&amp;lang=ar">' in msg.text
    _check_message(msg)


def test_photo_and_caption_variant() -> None:
    summary = " ".join(["جملة طويلة من الملخص تتكرر لتملأ المساحة."] * 60)
    msg = render_article(_article(summary=summary, image_url="https://example.com/p.jpg"))
    _check_message(msg)
    assert msg.photo_url == "https://example.com/p.jpg"
    assert msg.caption is not None
    assert visible_length(msg.caption) <= CAPTION_LIMIT < visible_length(msg.text)
    for html in (msg.text, msg.caption):  # same shape, both complete
        assert html.startswith("<b>") and html.endswith(f"{LINK}</a>") and DATE_LINE in html
    assert "…" in msg.caption and "…" not in msg.text


@pytest.mark.parametrize("image", [None, "", "javascript:x", "file:///etc/passwd", "img.jpg"])
def test_no_photo_without_an_http_image(image: str | None) -> None:
    msg = render_article(_article(image_url=image))
    assert msg.photo_url is None and msg.caption is None


def test_with_photo_false() -> None:
    msg = render_article(_article(image_url="https://example.com/p.jpg"), with_photo=False)
    assert msg.photo_url is None and msg.caption is None


def test_zone_changes_the_date_line() -> None:
    late = datetime(2024, 3, 10, 23, 30, tzinfo=UTC)
    assert "الاثنين 1 رمضان 1445 هـ — 11 مارس 2024" in render_article(_article(published=late)).text
    utc = render_article(_article(published=late), tz="UTC").text
    assert "الأحد 29 شعبان 1445 هـ — 10 مارس 2024" in utc


def test_rtl_mark_only_where_an_arabic_line_starts_otherwise() -> None:
    msg = render_article(
        _article(
            title="CNN: العريان يحذر",
            summary="2018 كان عاما صعبا.\nقال الوزير إن 2019 أفضل.\nEnglish only line.",
            source="BBC عربي",
        )
    )
    lines = msg.text.split("\n")
    assert lines[0] == f"{RLM}<b>CNN: العريان يحذر</b>"
    assert lines[2] == f"{RLM}2018 كان عاما صعبا."
    assert lines[3] == "قال الوزير إن 2019 أفضل."
    assert lines[4] == "English only line."
    assert lines[6].startswith(f"{RLM}BBC عربي · ")
    assert RLM not in render_article(_article()).text


@pytest.mark.parametrize(("text", "expected"), [
    ("أرسل /start أولًا", f"أرسل {LRM}/start أولًا"),
    ("/start — بدء استقبال الأخبار", f"{RLM}{LRM}/start — بدء استقبال الأخبار"),
    ("<b>/help</b> — الأوامر", f"{RLM}<b>{LRM}/help</b> — الأوامر"),
    ("اكتب @newsbot ثم كلمات البحث", f"اكتب {LRM}@newsbot ثم كلمات البحث"),
    ("ℹ️ موجود من قبل.", f"{RLM}ℹ️ موجود من قبل."),
    ("عنوان\n1–5 من 7", f"عنوان\n{RLM}1–5 من 7"),
    # not commands: URLs, e-mail, escaped markup; lines without Arabic stay as they are
    ("مثل https://x.example/a/@b أو a@b.example", "مثل https://x.example/a/@b أو a@b.example"),
    ("الكلمة «&lt;b&gt;x&lt;/b&gt;»", "الكلمة «&lt;b&gt;x&lt;/b&gt;»"),
    ("مثل:\n/timezone Asia/Riyadh", "مثل:\n/timezone Asia/Riyadh"),
])
def test_rtl_text_marks_commands_and_lines_that_start_left_to_right(text: str,
                                                                    expected: str) -> None:
    assert rtl_text(text) == expected
    assert rtl_text(expected) == expected  # twice changes nothing


def test_rtl_text_of_plain_text_has_no_tags() -> None:
    # an inline result's title is plain text: "<i>" there is what the reader sees, and
    # it starts the line left to right (in HTML it is markup, and the line starts Arabic)
    assert rtl_text("<i>عنوان</i>") == "<i>عنوان</i>"
    assert rtl_text("<i>عنوان</i>", html_text=False) == f"{RLM}<i>عنوان</i>"
    assert rtl_text("&amp; عنوان") == "&amp; عنوان"
    assert rtl_text("&amp; عنوان", html_text=False) == f"{RLM}&amp; عنوان"
    assert rtl_text("CNN: عنوان\nأرسل /start", html_text=False) == \
        f"{RLM}CNN: عنوان\nأرسل {LRM}/start"



# Embedding, override and isolate controls (bot.controls); the marks LRM/RLM stay.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_override_controls_never_reach_the_message_or_the_share_links() -> None:
    # an unclosed RIGHT-TO-LEFT OVERRIDE would show the rest of its line backwards: the
    # headline, or the source and date beside an agency name
    rlo = "\u202e"
    msg = render_article(_article(
        title=f"{rlo}عاجل{rlo}: انفجار \u2066CNN\u2069 قرب غزة",
        summary=f"قال مراسل{rlo} العربية \u202bإن{BIDI} الانفجار وقع صباحًا.\u200eثم هدأ.",
        source=f"العربية{rlo}", author=f"رويترز{rlo}", image_url="https://example.com/a.jpg",
    ))
    _check_message(msg)
    for shown in (msg.text, msg.caption or ""):
        assert not any(ch in shown for ch in BIDI)
        assert "عاجل: انفجار CNN قرب غزة" in shown
        assert "قال مراسل العربية إن الانفجار وقع صباحًا.\u200eثم هدأ." in shown  # LRM kept
        assert "العربية (رويترز) · " in shown
    links = [b.url or "" for row in msg.buttons for b in row]
    assert len(links) == 4
    for link in links:
        assert "%E2%80%AE" not in link and "%E2%81%A6" not in link


WORDS = ["الأمم", "المتحدة،", "تطالب", "بوقف", "إطلاق", "النار؛", "فورا.", "&", "<b>", "😀",
         "2018", "CNN", "\"القاسية\"", "مُحَمَّدٌ"]


def _text(rng: random.Random, size: int, spaces: bool = True) -> str:
    if not spaces:
        return "ب" * size
    out: list[str] = []
    length = 0
    while length < size:
        out.append(rng.choice(WORDS))
        length += len(out[-1]) + 1
    return " ".join(out)


def test_giant_inputs_always_fit() -> None:
    rng = random.Random(1439)
    sizes = [0, 1, 50, 299, 300, 301, 1000, 1024, 4000, 4096, 5000, 10_000, 30_000]
    for title_size in sizes:
        for summary_size in sizes:
            for spaces in (True, False):
                title = _text(rng, title_size, spaces) or "عنوان"
                summary = _text(rng, summary_size, spaces)
                msg = render_article(
                    _article(title=title, summary=summary, image_url="https://e.com/p.jpg")
                )
                _check_message(msg)
                for html in (msg.text, msg.caption or ""):
                    # Date line and link are never cut.
                    assert html.endswith(f"{DATE_LINE}\n<a href=\"https://www.alarabiya.net/ar/"
                                         f"2018/02/19/خبر.html\">{LINK}</a>")
                    shown = html_to_text(html).replace(RLM, "")
                    headline = shown.split("\n\n")[0]
                    assert utf16_length(headline) <= HEADLINE_LIMIT
                    if spaces and headline.endswith("…"):
                        assert title.startswith(headline[:-1])
                        assert re.match(r"[\s\W]", title[len(headline) - 1])


def test_summary_is_cut_before_the_headline_and_on_words() -> None:
    title = "عنوان الخبر الرئيسي اليوم"
    summary = " ".join(f"كلمة{i}" for i in range(2000))
    msg = render_article(_article(title=title, summary=summary))
    shown = html_to_text(msg.text)
    paragraphs = shown.split("\n\n")
    assert paragraphs[0] == title
    cut = paragraphs[1]
    assert cut.endswith("…") and summary.startswith(cut[:-1]) and summary[len(cut) - 1] == " "
    assert visible_length(msg.text) > TEXT_LIMIT - 20  # the space is used, not wasted


def test_rendering_is_pure_and_deterministic() -> None:
    article = _fixture_articles()[0][1]
    assert render_article(article) == render_article(article)


def test_blank_title_and_summary_still_give_a_valid_message() -> None:
    msg = render_article(_article(title=" \n ", summary=""))
    _check_message(msg)
    assert "<b>" not in msg.text
    assert msg.text.startswith(f"العربية · {DATE_LINE}\n<a href=")
    assert msg.buttons and msg.buttons[0][0].url is not None


def test_credit_follows_the_source_name() -> None:
    msg = render_article(_article(author="رويترز"))
    assert "(رويترز) ·" in msg.text
    same = render_article(_article(source="رويترز", author="رويترز"))
    assert "(رويترز)" not in same.text
    long_credit = render_article(_article(author="مراسل " * 30))
    meta_line = long_credit.text.split("\n")[-2]
    assert len(meta_line) < 200


@pytest.mark.parametrize(("source", "author", "shown"), [
    # the real bylines of the shared feeds: desk and site
    ("سكاي نيوز عربية", "أبوظبي - سكاي نيوز عربية", "سكاي نيوز عربية (أبوظبي) ·"),
    ("العربية", "دبي - العربية نت", "العربية (دبي) ·"),
    ("العربية", "دبي - قناة العربية", "العربية (دبي) ·"),
    ("العربية", "العربية.نت - دبي", "العربية (دبي) ·"),
    ("بي بي سي عربي", "بي بي سي", "بي بي سي عربي ·"),  # the short name: nothing to add
    ("العربية", "مراسل العربية", "العربية ·"),
    # different spelling, same name (normalized: hamza, ta marbuta)
    ("الجزيرة", "الدوحة – الجزيره نت", "الجزيرة (الدوحة) ·"),
    # kept: bylines that do not name the source
    ("العربية", "اليمن- إسلام سيف", "العربية (اليمن- إسلام سيف) ·"),
    ("العربية", "دبي - وكالة الأنباء العربية السورية",
     "العربية (دبي - وكالة الأنباء العربية السورية) ·"),
    ("الجزيرة", "S-400 - رويترز", "الجزيرة (S-400 - رويترز) ·"),
    # several authors of a page (trafilatura joins them with "; "); a host as the source
    ("akhbarelyom.com", "Akhbarelyom; Heba Musa", "akhbarelyom.com (Heba Musa) ·"),
    ("البيان", "دبي - البيان; محمد علي", "البيان (دبي; محمد علي) ·"),
    ("البيان", "سارة أحمد; محمد علي", "البيان (سارة أحمد; محمد علي) ·"),
])
def test_credit_does_not_repeat_the_source(source: str, author: str, shown: str) -> None:
    msg = render_article(_article(source=source, author=author))
    _check_message(msg)
    assert shown in msg.text
