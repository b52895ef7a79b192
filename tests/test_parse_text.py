"""HTML stripping, title cutting, body digests and feed discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.parse import body_digest, cut_words, find_feed_links, looks_like_html, strip_html

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


@pytest.mark.parametrize(
    "html, text",
    [
        ("plain   text\n\n here", "plain text\nhere"),
        ("AT&amp;T &lt;ok&gt; &#1575;&#x644;", "AT&T <ok> ال"),
        ("<p>one</p><p>two<br>three</p>", "one\ntwo\nthree"),
        ("a<script>alert('<p>x</p>')</script>b", "ab"),
        ("a<style>p { color: red }</style>b", "ab"),
        ("<b>bold <i>unbalanced", "bold unbalanced"),
        ("text</div></span> tail", "text\ntail"),
        ("before <script>never closed", "before"),
        ("<!-- comment --> visible", "visible"),
        ("x&nbsp;&nbsp;y", "x y"),
        ("bad\x00control\x07chars", "badcontrolchars"),
        # bidi embeddings, overrides and isolates go (bot.controls); LRM, RLM, ZWNJ stay
        ("\u202eمقلوب\u202c \u2066CNN\u2069 \u202a\u202b\u202d\u2067\u2068x",
         "مقلوب CNN x"),
        ("a\u200eb\u200fc\u200cd", "a\u200eb\u200fc\u200cd"),
        ("<p>خبر</p>\n\n\n<p>عاجل</p>", "خبر\nعاجل"),
        ("", ""),
        ("a < b and c > d", "a < b and c > d"),
    ],
)
def test_strip_html(html: str, text: str) -> None:
    assert strip_html(html) == text


def test_strip_html_single_line() -> None:
    assert strip_html("<p>one</p>\n<p>two</p>", single_line=True) == "one two"


def test_cut_words() -> None:
    assert cut_words("short", 10) == "short"
    assert cut_words("one two three four", 12) == "one two…"
    assert cut_words("abcdefghijklmnop", 8) == "abcdefg…"
    assert len(cut_words("كلمة " * 100, 50)) <= 50
    assert cut_words("كلمة، أخرى طويلة", 12) == "كلمة، أخرى…"
    assert cut_words("كلمة، أخرى", 8) == "كلمة…"  # no dangling comma


def test_body_digest_skips_volatile_parts_only() -> None:
    body = (FIXTURES / "bbc-arabic.xml").read_bytes()
    digest = body_digest(body)
    assert len(digest) == 32
    assert body_digest(body) == digest
    rebuilt = body.replace(b"<channel>", b"<channel><lastBuildDate>Mon, 19 Feb 2018 10:00:00 "
                                         b"GMT</lastBuildDate><!-- generated in 0.2s -->", 1)
    assert body_digest(rebuilt) == digest
    changed = body.replace("تطالب".encode(), "تدعو".encode(), 1)
    assert body_digest(changed) != digest


def test_find_feed_links() -> None:
    page = """<!doctype html><html><head>
      <link rel="alternate" type="application/rss+xml" title="الأخبار" href="/rss.xml">
      <link rel="Alternate Home" type="application/atom+xml; charset=utf-8" href="atom.xml">
      <link rel="alternate" type="application/rss+xml" href="/rss.xml">
      <link rel="alternate" type="text/html" hreflang="en" href="/en/">
      <link rel="stylesheet" type="text/css" href="/s.css">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
      <link rel="alternate" type="application/rss+xml" href="https://other.example/feed?utm_source=x">
    </head><body></body></html>"""
    links = find_feed_links(page, "https://news.example.com/ar/index.html")
    assert [(link.url, link.type, link.title) for link in links] == [
        ("https://news.example.com/rss.xml", "application/rss+xml", "الأخبار"),
        ("https://news.example.com/ar/atom.xml", "application/atom+xml", ""),
        ("https://other.example/feed", "application/rss+xml", ""),
    ]


def test_find_feed_links_honours_base_and_bytes() -> None:
    page = ('<html><head><meta charset="windows-1256"><base href="https://cdn.example.com/x/">'
            '<link rel="alternate" type="application/rss+xml" title="أخبار" href="feed.xml">'
            "</head></html>").encode("cp1256")
    links = find_feed_links(page, "https://example.com/")
    assert [(link.url, link.title) for link in links] == [
        ("https://cdn.example.com/x/feed.xml", "أخبار")
    ]


def test_find_feed_links_none() -> None:
    assert find_feed_links(b"<html><body>nothing</body></html>", "https://e.com/") == []
    assert find_feed_links("<not html", "https://e.com/") == []


def test_looks_like_html() -> None:
    assert looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>")
    assert looks_like_html(b"<!-- x --><html lang='ar'>")
    assert not looks_like_html(b"<?xml version='1.0'?><rss>")


def test_whitespace_collapsing_equals_the_regular_expressions() -> None:
    import html
    import random
    import re

    from bot.parse.text import _CONTROLS

    def by_regex(value: str, single_line: bool) -> str:
        value = _CONTROLS.sub("", html.unescape(value))
        if single_line:
            return re.sub(r"\s+", " ", value).strip()
        value = re.sub(r"[^\S\n]+", " ", value)
        return re.sub(r"\s*\n\s*", "\n", value).strip()

    pieces = ["ا", "b", " ", "  ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u3000", "\x1c",
              "\x1e", "\x85", "\u2028", "\u2029", "\f", "\v", "\u200b", "&amp;", "&nbsp;",
              "x\n \n", "\n\n"]
    rng = random.Random(4)
    for _ in range(5000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        for single_line in (False, True):
            assert strip_html(value, single_line=single_line) == by_regex(value, single_line), \
                repr(value)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("الفيدر\ufffdالية", "الفيدرالية"),  # a stray byte inside a word
        ("الحكو\ufffd\ufffdمة", "الحكومة"),  # a run of them
        ("عَر\ufffdَبي", "عَرَبي"),  # beside tashkeel: still inside the word
        ("عام 20\ufffd24", "عام 2024"),  # inside a number
        ("تطالب\ufffd تركيا", "تطالب تركيا"),  # beside a space: goes with it
        ("مسيرة \ufffd في", "مسيرة في"),  # alone between spaces
        ("\ufffdخبر عاجل\ufffd", "خبر عاجل"),  # at either end
        ("سطر\ufffd\nسطر", "سطر\nسطر"),  # before a line break
        ("عاجل:\ufffdالقدس", "عاجل: القدس"),  # after punctuation: a space
        ("<p>خبر\ufffd</p><p>\ufffd&#65533;ثان</p>", "خبر\nثان"),  # in HTML, as a reference
        ("\ufffd", ""),
    ],
)
def test_replacement_characters_never_come_out(text: str, shown: str) -> None:
    """A stray invalid byte decodes to U+FFFD; it was shown as "\ufffd" in headlines and
    summaries. Between letters or digits it is dropped, elsewhere it is a space."""
    assert strip_html(text) == shown
    assert "\ufffd" not in strip_html(text, single_line=True)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("كلمة\ufffdأخرى", "كلمة أخرى"),  # after ة, which only ends a word
        ("CNN\ufffdالعربية", "CNN العربية"),  # two scripts
        ("عام\ufffd2024", "عام 2024"),  # a letter and a digit
        ("٢٠\ufffd٢٤", "٢٠٢٤"),  # Arabic-Indic digits: one number
        ("الحديث\ufffdمؤخرا", "الحديثمؤخرا"),  # could be one word: joined (the cost)
    ],
)
def test_a_stray_byte_between_two_complete_words(text: str, shown: str) -> None:
    """Between two letters there is no telling a byte inside a word from one that stood
    for a space (drop_replacement_chars): the words are kept apart where they cannot be
    one word. Before, every one of these was joined («كلمةأخرى», «CNNالعربية»)."""
    from bot.parse.text import drop_replacement_chars

    assert drop_replacement_chars(text) == shown
    assert drop_replacement_chars("no replacement") == "no replacement"
