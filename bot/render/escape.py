"""Telegram HTML escaping and length measuring.

Telegram's HTML parse mode knows four named entities (``&lt; &gt; &amp; &quot;``) and
numeric ones (``&#1575;``, ``&#x627;``). :func:`escape` produces only the named four;
:func:`visible_length` understands all of them.
"""

from __future__ import annotations

import re

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# One token of Telegram HTML: a tag, an entity, or a run of plain text.
TOKEN_RE = re.compile(
    r"(?P<tag><[^<>]*>)"
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);)"
    r"|(?P<text>[^<&]+|[<&])"
)


def escape(text: str) -> str:
    """Escape ``& < > "`` for Telegram HTML (text and attribute values); nothing else.

    >>> escape('<b>"A & B"</b>')
    '&lt;b&gt;&quot;A &amp; B&quot;&lt;/b&gt;'
    """
    return text.translate(_ESCAPES)


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts in."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def decode_entity(entity: str) -> str:
    """The character an entity such as ``&amp;`` or ``&#x627;`` stands for."""
    body = entity[1:-1]
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED[body]
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return "\ufffd"


def html_to_text(html: str) -> str:
    """The text Telegram shows for ``html``: tags removed, entities decoded."""
    out: list[str] = []
    for m in TOKEN_RE.finditer(html):
        if m.lastgroup == "entity":
            out.append(decode_entity(m.group()))
        elif m.lastgroup == "text":
            out.append(m.group())
    return "".join(out)


def visible_length(html: str) -> int:
    """Length Telegram counts for ``html`` after entity parsing, in UTF-16 code units.

    Tags count 0, an entity counts as the character it stands for.

    >>> visible_length('<b>A &amp; B</b>')
    5
    """
    return utf16_length(html_to_text(html))
