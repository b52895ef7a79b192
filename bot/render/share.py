"""Share buttons: WhatsApp, Telegram, X and Facebook (URL shapes from DESIGN.md).

Every query value is percent-encoded with ``quote(safe="")`` so Arabic, ``& # ? + =``
and spaces survive the round trip. The shared title is shortened (on a word boundary) so
that every button URL stays within :data:`~bot.render.limits.SHARE_URL_LIMIT`; a URL so
long that even an empty title does not fit gets no share buttons at all.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from bot.models import Button
from bot.render.limits import SHARE_URL_LIMIT
from bot.render.truncate import clean_line, truncate_words
from bot.render.urls import is_http_url

LABELS = ("واتساب", "تيليجرام", "إكس", "فيسبوك")


def _q(value: str) -> str:
    return quote(value, safe="")


def whatsapp_url(url: str, title: str) -> str:
    text = f"{title}\n{url}" if title else url
    return f"https://wa.me/?text={_q(text)}"


def telegram_url(url: str, title: str) -> str:
    return f"https://t.me/share/url?url={_q(url)}&text={_q(title)}"


def x_url(url: str, title: str) -> str:
    return f"https://twitter.com/intent/tweet?url={_q(url)}&text={_q(title)}"


def facebook_url(url: str, title: str = "") -> str:
    return f"https://www.facebook.com/sharer/sharer.php?u={_q(url)}"


_BUILDERS: tuple[Callable[[str, str], str], ...] = (
    whatsapp_url,
    telegram_url,
    x_url,
    facebook_url,
)


def _longest(url: str, title: str) -> int:
    return max(len(build(url, title)) for build in _BUILDERS)


def fit_share_title(url: str, title: str, max_url: int = SHARE_URL_LIMIT) -> str | None:
    """The longest word-boundary prefix of ``title`` whose share URLs all fit ``max_url``;
    None when the URL alone does not fit."""
    if _longest(url, "") > max_url:
        return None
    if _longest(url, title) <= max_url:
        return title
    # The encoded length grows with the prefix length: binary-search the largest limit.
    low, high = 0, len(title)
    best = ""
    while low <= high:
        mid = (low + high) // 2
        candidate = truncate_words(title, mid)
        if _longest(url, candidate) <= max_url:
            best, low = candidate, mid + 1
        else:
            high = mid - 1
    return best


def share_buttons(url: str, title: str) -> tuple[tuple[Button, ...], ...]:
    """One row of four URL buttons (واتساب، تيليجرام، إكس، فيسبوك) sharing ``url``.

    Returns ``()`` when ``url`` is not an http(s) URL or is too long to share.
    """
    if not is_http_url(url):
        return ()
    shared = fit_share_title(url, clean_line(title))
    if shared is None:
        return ()
    row = tuple(
        Button(text=label, url=build(url, shared))
        for label, build in zip(LABELS, _BUILDERS, strict=True)
    )
    return (row,)
