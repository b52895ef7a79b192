"""escape, visible_length, utf16_length, html_to_text."""

from __future__ import annotations

import pytest

from bot.render.escape import escape, html_to_text, utf16_length, visible_length
from tests.test_render_htmlcheck import assert_telegram_html


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("A & B", "A &amp; B"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('قال "نعم"', "قال &quot;نعم&quot;"),
        ("&amp;", "&amp;amp;"),
        ("it's ' fine", "it's ' fine"),
        ("مرحبا #وسم @user", "مرحبا #وسم @user"),
        ("", ""),
    ],
)
def test_escape_only_four_characters(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped
    assert html_to_text(escape(raw)) == raw
    assert_telegram_html(escape(raw))


def test_escape_round_trips_every_ascii_and_some_arabic() -> None:
    raw = "".join(chr(c) for c in range(32, 127)) + "أهلاً ، ؛ ؟ ـ 😀"
    assert html_to_text(escape(raw)) == raw
    assert visible_length(escape(raw)) == utf16_length(raw)


@pytest.mark.parametrize(
    ("html", "length"),
    [
        ("abc", 3),
        ("<b>abc</b>", 3),
        ('<a href="https://example.com/very/long">اقرأ</a>', 4),
        ("&lt;&gt;&amp;&quot;", 4),
        ("&#1575;&#x627;", 2),
        ("&#128512;", 2),  # 😀 outside the BMP: two UTF-16 units
        ("😀", 2),
        ("\u200fمرحبا", 6),
        ("<b>a</b>\n\n<i>b</i>", 4),
    ],
)
def test_visible_length_counts_like_telegram(html: str, length: int) -> None:
    assert visible_length(html) == length


def test_utf16_length() -> None:
    assert utf16_length("") == 0
    assert utf16_length("مرحبا") == 5
    assert utf16_length("a😀b") == 4
