"""Unit tests of the fake Telegram's HTML parser and request checks (no server)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.telegram_html import HtmlParseError, parse_html, strip_entities, utf16_len
from tests.fakes.telegram_model import ApiError
from tests.fakes.telegram_validate import (
    format_text,
    valid_button_url,
    validate_commands,
    validate_inline_results,
    validate_reply_markup,
)


def describe(entities: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in entities:
        extra = e.get("url") or e.get("language") or e.get("custom_emoji_id")
        out.append(f"{e['type']} {e['offset']}+{e['length']}" + (f" {extra}" if extra else ""))
    return out


def test_nested_tags_give_nested_entities() -> None:
    text, entities = parse_html("<b>a<i>b<u>c</u></i></b><s>d</s>")
    assert text == "abcd"
    assert describe(entities) == ["bold 0+3", "italic 1+2", "underline 2+1", "strikethrough 3+1"]


@pytest.mark.parametrize(
    ("tag", "kind"),
    [
        ("strong", "bold"),
        ("em", "italic"),
        ("ins", "underline"),
        ("strike", "strikethrough"),
        ("del", "strikethrough"),
        ("tg-spoiler", "spoiler"),
        ("code", "code"),
        ("pre", "pre"),
        ("blockquote", "blockquote"),
    ],
)
def test_every_simple_tag(tag: str, kind: str) -> None:
    assert describe(parse_html(f"x<{tag}>y</{tag}>")[1]) == [f"{kind} 1+1"]


def test_links_spoiler_span_blockquote_and_emoji() -> None:
    html = (
        '<a href="https://example.com/a?x=1&amp;y=2">site</a> <span class="tg-spoiler">s</span>'
        "<blockquote expandable>e</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    text, entities = parse_html(html)
    assert text == "site se👍"
    assert describe(entities) == [
        "text_link 0+4 https://example.com/a?x=1&y=2",
        "spoiler 5+1",
        "expandable_blockquote 6+1",
        "custom_emoji 7+2 5368324170671202286",
    ]


def test_pre_with_language_and_plain_code() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre>\n<code class="language-go">y</code>'
    )
    assert text == "x = 1\ny"
    assert describe(entities) == ["pre 0+5 python", "code 6+1"]


def test_tag_names_are_case_insensitive_and_single_quotes_work() -> None:
    text, entities = parse_html("<B>x</b> <A href='https://t.me/x'>y</A>")
    assert text == "x y"
    assert describe(entities) == ["bold 0+1", "text_link 2+1 https://t.me/x"]
    # Like TDLib, attribute names are case-sensitive: HREF is ignored, the text is the URL.
    assert describe(parse_html("<a HREF='https://t.me/x'>t.me/y</a>")[1]) == [
        "text_link 0+6 http://t.me/y"
    ]


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("line<br>", 'Unsupported start tag "br" at byte offset 4'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ('<a href="x"', "Unclosed start tag at byte offset 0"),
        ('<a ="x">y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=https://x>y</a>", "Unexpected end of name token at byte offset 8"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("&nbsp;خبر", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("&#0;", 'Unsupported HTML entity "&#0;" at byte offset 0'),
    ],
)
def test_refusals_use_telegrams_wording(html: str, message: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_html(html)
    assert str(caught.value) == message


def test_byte_offsets_count_utf8_bytes_of_arabic() -> None:
    # "خبر " is 3 Arabic letters (2 bytes each) and a space: the tag starts at byte 7.
    with pytest.raises(HtmlParseError, match='"p" at byte offset 7'):
        parse_html("خبر <p>")


def test_lenient_mode_keeps_unknown_entities_like_telegram() -> None:
    assert parse_html("&nbsp; Tom & Jerry &copy", strict=False) == ("&nbsp; Tom & Jerry &copy", [])


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("&lt;&gt;&amp;&quot;", '<>&"'),
        ("&lt&gt", "<>"),
        ("&#65;&#x42;&#67", "ABC"),
        ("&#x1F600;", "😀"),
        ("&#1582;&#1576;&#1585;", "خبر"),
    ],
)
def test_known_and_numeric_entities_decode(html: str, text: str) -> None:
    assert parse_html(html)[0] == text


def test_arabic_text_and_emoji_offsets_are_utf16() -> None:
    text, entities = parse_html("😀 <b>عاجل</b>: <i>خبر</i>")
    assert text == "😀 عاجل: خبر"
    assert describe(entities) == ["bold 3+4", "italic 9+3"]
    assert utf16_len(text) == 12 and len(text) == 11


def test_markup_does_not_count_towards_length() -> None:
    html = "<b>" + "ب" * 4096 + "</b>"
    plain, _ = format_text(html, "HTML", None)
    assert utf16_len(plain) == 4096
    with pytest.raises(ApiError, match="message is too long"):
        format_text(html + "x", "HTML", None)


def test_emoji_count_twice_against_the_limit() -> None:
    format_text("😀" * 2048, None, None)
    with pytest.raises(ApiError, match="message is too long"):
        format_text("😀" * 2048 + "x", None, None)


def test_empty_after_parsing_and_trimming() -> None:
    for html in ("", "   ", "<b></b>", "<b> \n </b>"):
        with pytest.raises(ApiError, match="message text is empty") as caught:
            format_text(html, "HTML", None)
        assert caught.value.code == 400


def test_caption_limit_and_wording() -> None:
    assert format_text("", "HTML", None, caption=True) == ("", [])
    format_text("ك" * 1024, "HTML", None, caption=True)
    with pytest.raises(ApiError) as caught:
        format_text("<i>" + "ك" * 1025 + "</i>", "HTML", None, caption=True)
    assert caught.value.description == "Bad Request: message caption is too long"


def test_parse_errors_are_prefixed_for_the_api() -> None:
    with pytest.raises(ApiError) as caught:
        format_text("<div>x</div>", "HTML", None)
    assert caught.value.description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0'
    )
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "Textile", None)


def test_trimming_shifts_entities() -> None:
    text, entities = strip_entities("  ab  ", [{"type": "bold", "offset": 1, "length": 3}])
    assert text == "ab"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]


def button_markup(**button: Any) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "زر", **button}]]}


@pytest.mark.parametrize("data", ["x", "a" * 64, "ب" * 32, "sub:12345:ar"])
def test_callback_data_within_64_bytes(data: str) -> None:
    assert validate_reply_markup(button_markup(callback_data=data)) is not None


@pytest.mark.parametrize("data", ["", "a" * 65, "ب" * 33])
def test_callback_data_over_64_bytes_or_empty(data: str) -> None:
    with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
        validate_reply_markup(button_markup(callback_data=data))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://wa.me/?text=%D8%AE%D8%A8%D8%B1", True),
        ("http://example.com", True),
        ("tg://resolve?domain=x", True),
        ("HTTPS://EXAMPLE.COM/x", True),
        ("", False),
        ("javascript:alert(1)", False),
        ("ftp://example.com", False),
        ("https://", False),
        ("https://wa.me/?text=خبر عاجل", False),
        ("example.com", False),
    ],
)
def test_button_urls(url: str, ok: bool) -> None:
    assert valid_button_url(url) is ok
    if not ok:
        with pytest.raises(ApiError, match="BUTTON_URL_INVALID"):
            validate_reply_markup(button_markup(url=url))


def test_button_needs_exactly_one_action() -> None:
    with pytest.raises(ApiError, match="Text buttons are unallowed"):
        validate_reply_markup(button_markup())
    with pytest.raises(ApiError, match="exactly one"):
        validate_reply_markup(button_markup(url="https://x.y", callback_data="a"))


def test_inline_results_checks() -> None:
    def article(rid: str, text: str = "خبر") -> dict[str, Any]:
        return {
            "type": "article",
            "id": rid,
            "title": "t",
            "input_message_content": {"message_text": text, "parse_mode": "HTML"},
        }

    validate_inline_results([article(str(i)) for i in range(50)], "50", strict=True)
    cases = [
        ([article(str(i)) for i in range(51)], None, "RESULTS_TOO_MUCH"),
        ([article("a"), article("a")], None, "RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], None, "RESULT_ID_INVALID"),
        ([article("")], None, "RESULT_ID_INVALID"),
        ([article("1")], "o" * 65, "NEXT_OFFSET_INVALID"),
        ([article("1", "<p>x</p>")], None, "can't parse entities"),
        ([article("1", "x" * 4097)], None, "message is too long"),
    ]
    for results, offset, error in cases:
        with pytest.raises(ApiError, match=error):
            validate_inline_results(results, offset, strict=True)


def test_commands_checks() -> None:
    assert validate_commands([{"command": "start", "description": "ابدأ"}])
    with pytest.raises(ApiError, match="BOT_COMMAND_INVALID"):
        validate_commands([{"command": "Start", "description": "x"}])
    with pytest.raises(ApiError, match="BOT_COMMAND_INVALID"):
        validate_commands([{"command": "x" * 33, "description": "x"}])
    with pytest.raises(ApiError, match="BOT_COMMAND_DESCRIPTION_INVALID"):
        validate_commands([{"command": "start", "description": ""}])
