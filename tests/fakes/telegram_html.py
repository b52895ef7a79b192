"""Telegram's HTML parse mode, as the fake Bot API server enforces it.

`parse_html(text)` turns a message written for ``parse_mode=HTML`` into the visible text
and the list of MessageEntity dicts Telegram would return, or raises `HtmlParseError`
with Telegram's own wording (the fake prefixes it with ``Bad Request: can't parse
entities: ``). The scanner follows the rules of TDLib's ``parse_html`` (the code behind
the Bot API server): the same tags, the same attribute syntax and the same messages with
UTF-8 byte offsets, e.g. ``Unsupported start tag "div" at byte offset 0``.

One deliberate difference, on by default (``strict=True``): Telegram shows an unknown
named entity such as ``&nbsp;`` or a bare ``&`` literally, which in a bot means feed text
reached a message without ``html.escape`` (the next ``<`` in such text breaks the whole
message). Strict mode rejects them with ``Unsupported HTML entity "&nbsp;" at byte
offset N`` / ``Unescaped "&" at byte offset N``. Pass ``strict=False`` for Telegram's
lenient behaviour.

Lengths are counted in UTF-16 code units, like Telegram: `utf16_len`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["ALLOWED_TAGS", "HtmlParseError", "parse_html", "strip_entities", "utf16_len"]

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = frozenset(" \t\r\n\v\f")
_SPECIAL = re.compile(r"[<&]")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_ALPHA = re.compile(r"[A-Za-z]*")
_HEX = re.compile(r"[0-9A-Fa-f]*")
_DIGITS = re.compile(r"[0-9]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ENTITY_TOKEN = re.compile(r"&#?[xX]?[A-Za-z0-9]*;?")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


class HtmlParseError(ValueError):
    """Telegram refused the markup; ``str(exc)`` is Telegram's message (no prefix)."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """TDLib's decode_html_entity: (character, index after it) or None if not an entity."""
    n = len(text)
    if pos + 1 < n and text[pos + 1] == "#":
        if pos + 2 < n and text[pos + 2] == "x":
            m = _HEX.match(text, pos + 3)
            assert m is not None
            code = int(m.group(), 16) if m.group() else 0
        else:
            m = _DIGITS.match(text, pos + 2)
            assert m is not None
            code = int(m.group()) if m.group() else 0
        end = m.end()
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        m = _ALPHA.match(text, pos + 1)
        assert m is not None
        end = m.end()
        found = _NAMED.get(m.group())
        if found is None:
            return None
        char = found
    if end < n and text[end] == ";":
        end += 1
    return char, end


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    utf16_offset: int
    out_index: int  # len(out) when the tag opened: the visible text starts there


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Return (visible text, entities) for ``parse_mode=HTML`` or raise `HtmlParseError`."""
    if "<" not in text and "&" not in text:
        return text, []
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    utf16 = 0
    n = len(text)
    i = 0
    while i < n:
        m = _SPECIAL.search(text, i)
        stop = m.start() if m else n
        if stop > i:
            chunk = text[i:stop]
            out.append(chunk)
            utf16 += utf16_len(chunk)
            i = stop
            if i >= n:
                break
        if text[i] == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                if strict:
                    raise _entity_error(text, i)
                out.append("&")
                utf16 += 1
                i += 1
            else:
                char, i = decoded
                out.append(char)
                utf16 += 2 if ord(char) > 0xFFFF else 1
            continue
        begin = i
        if begin + 1 < n and text[begin + 1] == "/":
            i = _end_tag(text, begin, stack, entities, out, utf16)
        else:
            opened, i = _start_tag(text, begin, utf16, len(out))
            stack.append(opened)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    plain = "".join(out)
    if not plain.isascii() and _SURROGATE.search(plain):
        raise HtmlParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # only <pre><code class="language-x"> keeps one
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, entities


def _entity_error(text: str, pos: int) -> HtmlParseError:
    m = _ENTITY_TOKEN.match(text, pos)
    token = m.group() if m else "&"
    where = _byte_offset(text, pos)
    if token == "&":
        return HtmlParseError(f'Unescaped "&" at byte offset {where}')
    return HtmlParseError(f'Unsupported HTML entity "{token}" at byte offset {where}')


def _start_tag(text: str, begin: int, utf16: int, out_index: int) -> tuple[_Open, int]:
    """Parse ``<tag attr="v" ...>`` at ``begin``; return the open tag and the index after '>'."""
    n = len(text)
    i = begin
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    tag = text[begin + 1 : i].lower()
    if tag not in ALLOWED_TAGS:
        raise HtmlParseError(
            f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
        )
    argument = ""
    while i < n and text[i] != ">":
        while i < n and text[i] in _SPACES:
            i += 1
        if i < n and text[i] == ">":
            break
        attr_begin = i
        while i < n and text[i] not in _SPACES and text[i] not in "=>/\"'":
            i += 1
        attribute = text[attr_begin:i]
        if not attribute:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        if text[i] != "=":
            if tag == "blockquote" and attribute == "expandable":
                argument = "1"
            continue
        i += 1
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        value, i = _attribute_value(text, i)
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if (tag, attribute) in (("a", "href"), ("tg-emoji", "emoji-id")):
            argument = value
        elif tag == "code" and attribute == "class" and value.startswith("language-"):
            argument = value[9:]
        elif tag == "span" and attribute == "class" and value.startswith("tg-"):
            argument = value[3:]
        elif tag == "blockquote" and attribute == "expandable":
            argument = "1"
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    if tag == "span" and argument != "spoiler":
        raise HtmlParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
        )
    return _Open(tag, argument, utf16, out_index), i + 1


def _attribute_value(text: str, i: int) -> tuple[str, int]:
    """An unquoted name token (lower-cased) or a quoted string with entities decoded."""
    n = len(text)
    quote = text[i]
    if quote not in "'\"":
        m = _NAME_TOKEN.match(text, i)
        assert m is not None
        end = m.end()
        if end < n and text[end] not in _SPACES and text[end] != ">":
            raise HtmlParseError(
                f"Unexpected end of name token at byte offset {_byte_offset(text, i)}"
            )
        return m.group().lower(), end
    i += 1
    parts: list[str] = []
    while i < n and text[i] != quote:
        if text[i] == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                parts.append(decoded[0])
                i = decoded[1]
                continue
        parts.append(text[i])
        i += 1
    if i < n:
        i += 1  # the closing quote
    return "".join(parts), i


def _end_tag(
    text: str,
    begin: int,
    stack: list[_Open],
    entities: list[dict[str, Any]],
    out: list[str],
    utf16: int,
) -> int:
    """Close the innermost tag at ``</...>``; return the index after '>'."""
    n = len(text)
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    i = begin + 2
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    end_name = text[begin + 2 : i].lower()
    while i < n and text[i] in _SPACES:
        i += 1
    if i >= n or text[i] != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    opened = stack.pop()
    if end_name and end_name != opened.tag:
        raise HtmlParseError(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
            f'expected "</{opened.tag}>", found "</{end_name}>"'
        )
    if utf16 > opened.utf16_offset:
        _add_entity(entities, opened, utf16 - opened.utf16_offset, out)
    return i + 1


def _add_entity(entities: list[dict[str, Any]], opened: _Open, length: int, out: list[str]) -> None:
    offset = opened.utf16_offset
    tag = opened.tag
    simple = _SIMPLE_ENTITY_TYPES.get(tag)
    if simple is not None:
        entities.append({"type": simple, "offset": offset, "length": length})
        return
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag == "tg-emoji":
        if not opened.argument.isdigit() or int(opened.argument) <= 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": opened.argument,
            }
        )
    elif tag == "a":
        url = opened.argument or "".join(out[opened.out_index :])
        url = url.strip()
        if url and not any(ch in _SPACES for ch in url):
            if not _URL_SCHEME.match(url):
                url = "http://" + url
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "pre":
        if last is not None and same_span and last["type"] == "code" and "language" in last:
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if last is not None and same_span and last["type"] == "pre" and opened.argument:
            last["language"] = opened.argument
        else:
            entity: dict[str, Any] = {"type": "code", "offset": offset, "length": length}
            if opened.argument:
                entity["language"] = opened.argument  # kept only if a <pre> wraps it
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if opened.argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def strip_entities(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace like Telegram does and shift/clip the entities to match.

    Entities that end up empty are dropped.
    """
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result
