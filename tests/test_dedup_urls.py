"""canonicalize(): one spelling per article URL; canonical_feed_url(): one per feed URL."""

from __future__ import annotations

import pytest

from bot.dedup import canonical_feed_url, canonicalize
from bot.render.urls import is_http_url

ARABIC_RAW = "http://www.alarabiya.net/ar/2018/02/19/انفجار-صاروخ.html"
ARABIC_LOWER_HEX = (
    "http://www.alarabiya.net/ar/2018/02/19/"
    "%d8%a7%d9%86%d9%81%d8%ac%d8%a7%d8%b1-%d8%b5%d8%a7%d8%b1%d9%88%d8%ae.html"
)
ARABIC_CANONICAL = (
    "http://www.alarabiya.net/ar/2018/02/19/"
    "%D8%A7%D9%86%D9%81%D8%AC%D8%A7%D8%B1-%D8%B5%D8%A7%D8%B1%D9%88%D8%AE.html"
)


def test_arabic_path_raw_and_percent_encoded_are_the_same() -> None:
    assert canonicalize(ARABIC_RAW) == ARABIC_CANONICAL
    assert canonicalize(ARABIC_LOWER_HEX) == ARABIC_CANONICAL
    assert canonicalize(ARABIC_CANONICAL) == ARABIC_CANONICAL


def test_mixed_raw_and_encoded_arabic() -> None:
    mixed = "http://www.alarabiya.net/ar/2018/02/19/انفجار-%D8%B5%D8%A7%D8%B1%D9%88%D8%AE.html"
    assert canonicalize(mixed) == ARABIC_CANONICAL


@pytest.mark.parametrize(
    "param",
    ["utm_source=rss", "UTM_Medium=x", "Utm_Campaign=y", "fbclid=abc", "gclid=1", "dclid=2",
     "msclkid=3", "mc_cid=4", "mc_eid=5", "igshid=6", "_ga=7", "ref_src=twsrc", "FBCLID=8"],
)
def test_tracking_parameters_are_removed(param: str) -> None:
    assert canonicalize(f"https://example.com/a?id=7&{param}") == "https://example.com/a?id=7"
    assert canonicalize(f"https://example.com/a?{param}") == "https://example.com/a"


def test_other_parameters_keep_their_order() -> None:
    url = "https://example.com/a?z=1&a=2&utm_source=x&m=3"
    assert canonicalize(url) == "https://example.com/a?z=1&a=2&m=3"


def test_scheme_host_port_fragment_userinfo() -> None:
    assert canonicalize("HTTP://User:Pw@WWW.Example.COM:80/Path/To?x=1#frag") == (
        "http://www.example.com/Path/To?x=1"
    )
    assert canonicalize("https://example.com:443") == "https://example.com/"
    assert canonicalize("https://example.com:8443/x") == "https://example.com:8443/x"
    assert canonicalize("https://example.com./x") == "https://example.com/x"


def test_path_case_kept_and_dot_segments_removed() -> None:
    assert canonicalize("https://e.com/A/./b/../C") == "https://e.com/A/C"


def test_empty_query_removed() -> None:
    assert canonicalize("https://e.com/a?") == "https://e.com/a"
    assert canonicalize("https://e.com/a?&&") == "https://e.com/a"


def test_idna_host() -> None:
    assert canonicalize("https://مثال.مصر/خبر") == (
        "https://xn--mgbh0fb.xn--wgbh1c/%D8%AE%D8%A8%D8%B1"
    )


def test_unreserved_escapes_decoded_reserved_kept() -> None:
    assert canonicalize("https://e.com/a%7Eb%2Fc%2fd") == "https://e.com/a~b%2Fc%2Fd"
    assert canonicalize("https://e.com/a b") == "https://e.com/a%20b"


def test_relative_with_base() -> None:
    assert canonicalize("../c?x=1", base="http://a.com/b/d/feed.xml") == "http://a.com/b/c?x=1"
    assert canonicalize("//cdn.e.com/i.jpg", base="https://e.com/") == "https://cdn.e.com/i.jpg"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "mailto:a@b.c", "ftp://e.com/x", "/relative/only", "", "   ",
     "http://", "https://e.com:99999/", "data:text/html,hi"],
)
def test_rejected(url: str) -> None:
    assert canonicalize(url) is None


def test_whitespace_and_newlines_inside_are_dropped() -> None:
    assert canonicalize("  https://e.com/a\n/b\t ") == "https://e.com/a/b"


def test_idempotent_on_real_links() -> None:
    for url in [ARABIC_RAW, "https://arabic.cnn.com/business/2018/02/20/el-erian?utm_source=x",
                "http://www.bbc.co.uk/arabic/middleeast-43107909"]:
        once = canonicalize(url)
        assert once is not None
        assert canonicalize(once) == once


@pytest.mark.parametrize(("url", "expected"), [
    ("http://[2001:DB8:0::1]:8080/a", "http://[2001:db8::1]:8080/a"),
    ("http://[::1]/", "http://[::1]/"),
    ("http://[::%2e1]/", None),  # was "http://[::.1]/": not a URL, canonicalized to None
    ("http://[fe80::1%25eth0]/", None),  # a zone ID means nothing to anyone else
    ("http://[zz::1]/", None),
    ("http://a%3ab.com/", None),  # was "http://[a:b.com]/"
])
def test_ip_literal_hosts_are_valid_and_canonical_once(url: str, expected: str | None) -> None:
    canonical = canonicalize(url)
    assert canonical == expected
    if canonical is not None:
        assert is_http_url(canonical) and canonicalize(canonical) == canonical


# --- canonical_feed_url: one spelling per feed ------------------------------------------

@pytest.mark.parametrize("spelling", [
    "https://a.example/rss",
    "HTTPS://A.EXAMPLE/rss",
    "https://A.Example:443/rss",
    "https://a.example./rss",
    "https://a.example/rss#top",
    "https://a.example/rss?",
    "  https://a.example/rss ",
])
def test_feed_url_spellings_of_one_resource_are_one(spelling: str) -> None:
    assert canonical_feed_url(spelling) == "https://a.example/rss"


def test_feed_url_idna_ports_and_empty_path() -> None:
    assert canonical_feed_url("https://مثال.مصر/rss") == "https://xn--mgbh0fb.xn--wgbh1c/rss"
    assert canonical_feed_url("https://xn--mgbh0fb.xn--wgbh1c/rss") == (
        "https://xn--mgbh0fb.xn--wgbh1c/rss")
    assert canonical_feed_url("HTTP://A.example:80") == "http://a.example/"
    assert canonical_feed_url("http://a.example:443/x") == "http://a.example:443/x"
    assert canonical_feed_url("https://a.example:8443/x") == "https://a.example:8443/x"
    assert canonical_feed_url("https://[::1]:443/x") == "https://[::1]/x"


def test_feed_url_path_query_and_userinfo_are_kept_as_written() -> None:
    # unlike an article link: case, escapes, order and "tracking" parameters all stay
    url = "https://a.example/Feeds/RSS%2fAr?Section=World&utm_source=x&b=%7e"
    assert canonical_feed_url(url) == url
    assert canonical_feed_url("https://a.example/rss?A=1") != canonical_feed_url(
        "https://a.example/rss?a=1")
    assert canonical_feed_url("https://User:Pw@A.example/rss") == "https://User:Pw@a.example/rss"


def test_feed_url_that_is_not_one_comes_back_stripped() -> None:
    for url in ("ftp://A.example/x", "not a url", "https:///nohost", "https://a.example:99999/"):
        assert canonical_feed_url(f" {url} ") == url
