"""share_buttons: four URL buttons whose parameters decode back to the URL and title."""

from __future__ import annotations

import random
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.render.limits import SHARE_URL_LIMIT
from bot.render.share import LABELS, share_buttons

URL = "https://www.example.com/ar/أخبار/2024/03/11/خبر?id=7&lang=ar#top"
TITLE = 'سعر النفط +3% & "الذهب" يرتفع؟ #عاجل = 100/200'


def _query(url: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values()), parsed
    return {key: values[0] for key, values in parsed.items()}


def test_shapes_and_round_trip() -> None:
    rows = share_buttons(URL, TITLE)
    assert len(rows) == 1
    wa, tg, x, fb = rows[0]
    assert tuple(b.text for b in rows[0]) == LABELS == ("واتساب", "تيليجرام", "إكس", "فيسبوك")
    assert all(b.callback_data is None for b in rows[0])

    assert wa.url is not None and wa.url.startswith("https://wa.me/?text=")
    assert _query(wa.url) == {"text": f"{TITLE}\n{URL}"}

    assert tg.url is not None and tg.url.startswith("https://t.me/share/url?url=")
    assert _query(tg.url) == {"url": URL, "text": TITLE}

    assert x.url is not None and x.url.startswith("https://twitter.com/intent/tweet?url=")
    assert _query(x.url) == {"url": URL, "text": TITLE}

    assert fb.url is not None and fb.url.startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert _query(fb.url) == {"u": URL}


def test_button_urls_are_plain_ascii_without_raw_specials() -> None:
    for button in share_buttons(URL, TITLE)[0]:
        assert button.url is not None and button.url.isascii()
        query = urlsplit(button.url).query
        for raw in " #\"+<>\n":
            assert raw not in query


@pytest.mark.parametrize(
    "bad",
    ["javascript:alert(1)", "tg://resolve?domain=x", "ftp://example.com/a", "/relative", "",
     "https://", "https://exa mple.com/", 'https://example.com/"><script>', "data:text/html,x"],
)
def test_no_buttons_for_bad_urls(bad: str) -> None:
    assert share_buttons(bad, "عنوان") == ()


def test_long_titles_are_shortened_on_words_to_keep_urls_short() -> None:
    rng = random.Random(7)
    words = ["الأمم", "المتحدة", "تطالب", "بوقف", "إطلاق", "النار", "فورا", "&", "#", "؟"]
    for size in (10, 100, 300, 301, 500, 1000, 3000, 10_000):
        title = " ".join(rng.choice(words) for _ in range(size))
        rows = share_buttons(URL, title)
        assert rows
        for button in rows[0]:
            assert button.url is not None and len(button.url) <= SHARE_URL_LIMIT
        shared = _query(rows[0][1].url or "")["text"]
        if shared != title:
            assert shared.endswith("…")
            head = shared[:-1]
            assert title.startswith(head) and title[len(head)] == " "
        assert len(shared) > 50  # still a useful amount of the title


def test_huge_url_gets_no_buttons() -> None:
    assert share_buttons("https://example.com/" + "خ" * 2000, "عنوان") == ()
