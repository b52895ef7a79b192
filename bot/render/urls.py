"""Which URLs may become a link or a share button."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

# Never legal in a URL, and dangerous next to HTML (quotes, angle brackets) or read as
# "/" by browsers (backslash, which enables "https://evil.example\\@good.example").
_FORBIDDEN = frozenset('"<>\\`')


def is_http_url(url: str | None) -> bool:
    """True for an absolute ``http``/``https`` URL with a host and no whitespace or
    control characters. Anything else (``javascript:``, ``tg:``, relative paths, data
    URLs, garbage) must not be linked: it is either dangerous or rejected by Telegram.
    Also refused: ``" < > \\ ` `` anywhere in the URL (never legal in a URL)."""
    if not url or not isinstance(url, str):
        return False
    if any(
        ch.isspace() or ch in _FORBIDDEN or unicodedata.category(ch) in ("Cc", "Cf")
        for ch in url
    ):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)
