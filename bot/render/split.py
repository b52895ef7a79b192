"""Splitting long Telegram HTML into messages that each fit the limit.

For digests, broadcast texts and search results: the caller renders a list of blocks
(each a well-formed Telegram HTML fragment, e.g. one article line) and
:func:`split_message` packs them greedily into as few chunks as it can, never splitting
a block that fits in a message of its own. A block longer than the limit starts a new
chunk and is cut at line breaks, else at spaces (a line break that would leave the chunk
less than half full loses to a later space), and only as a last resort between two
characters (never between a letter and its harakat). A cut is never inside a tag or an
entity; a tag open across a cut is closed at the end of the chunk and reopened, with
the same attributes, at the start of the next, so every chunk is well-formed on its own.

Chunks also hold at most :data:`~bot.render.limits.ENTITY_LIMIT` formatting entities (each
opening tag counts one, reopened ones included): Telegram shows the markup past the 100th
as plain text, so a long digest of short headlines would lose its last links.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from bot.render.escape import TOKEN_RE, decode_entity, html_to_text, utf16_length
from bot.render.limits import ENTITY_LIMIT, TEXT_LIMIT

_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_OPEN_TAG = re.compile(r"<\s*[A-Za-z]")


def entity_count(html: str) -> int:
    """The formatting entities ``html`` makes, at most: one per opening tag."""
    return len(_OPEN_TAG.findall(html))


class _Tok(NamedTuple):
    raw: str
    width: int = 0  # visible UTF-16 units
    kind: str = "text"  # "open", "close" or "text"
    name: str = ""  # tag name
    char: str = ""  # the visible character of a text token


def _tokens(html: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in TOKEN_RE.finditer(html):
        raw = m.group()
        if m.lastgroup == "tag":
            found = _TAG_NAME.match(raw)
            name = found.group(1).lower() if found else ""
            out.append(_Tok(raw, 0, "close" if raw.startswith("</") else "open", name))
        elif m.lastgroup == "entity":
            ch = decode_entity(raw)
            out.append(_Tok(raw, utf16_length(ch), char=ch))
        else:
            out.extend(_Tok(ch, utf16_length(ch), char=ch) for ch in raw)
    return out


def _is_mark(ch: str) -> bool:
    return bool(ch) and unicodedata.category(ch) in ("Mn", "Me", "Mc")


def _after(tokens: list[_Tok], start: int, end: int, stack: list[_Tok]) -> list[_Tok]:
    """The tags open after ``tokens[start:end]``, given ``stack`` open before ``start``."""
    stack = list(stack)
    for tok in tokens[start:end]:
        if tok.kind == "open":
            stack.append(tok)
        elif tok.kind == "close":
            for i in range(len(stack) - 1, -1, -1):
                if stack[i].name == tok.name:
                    del stack[i:]
                    break
    return stack


def _find_cut(tokens: list[_Tok], start: int, limit: int, entities: int) -> int:
    """End index (exclusive) of the chunk that begins at ``tokens[start]``, which may
    open ``entities`` more tags."""
    used = 0
    line = space = char = 0  # best cut index of each kind (0: none yet)
    line_fill = 0
    for i in range(start, len(tokens)):
        tok = tokens[i]
        if i > start:
            if tok.char == "\n":
                line, line_fill = i, used
            elif tok.char.isspace():
                space = i
            if not _is_mark(tok.char):
                char = i
        if used + tok.width > limit:
            break
        if tok.kind == "open":
            if entities == 0:  # out of entities, not of room: any line break will do
                if line:
                    return line
                break
            entities -= 1
        used += tok.width
    else:
        return len(tokens)
    if line and (line_fill * 2 >= limit or not space):
        return line
    return space or char or max(i, start + 1)


def _split_block(html: str, limit: int, max_entities: int) -> list[str]:
    tokens = _tokens(html)
    chunks: list[str] = []
    stack: list[_Tok] = []
    start = 0
    while start < len(tokens):
        if tokens[start].char.isspace():  # no chunk starts with whitespace
            start += 1
            continue
        end = _find_cut(tokens, start, limit, max(0, max_entities - len(stack)))
        body_end = end
        while body_end > start and tokens[body_end - 1].char.isspace():
            body_end -= 1
        inner = _after(tokens, start, body_end, stack)
        if any(t.char and not t.char.isspace() for t in tokens[start:body_end]):
            reopen = "".join(tok.raw for tok in stack)
            body = "".join(tok.raw for tok in tokens[start:body_end])
            close = "".join(f"</{tok.name}>" for tok in reversed(inner))
            chunks.append(reopen + body + close)
        stack = _after(tokens, body_end, end, inner)
        start = end
    return chunks


def split_message(
    blocks: Iterable[str], limit: int = TEXT_LIMIT, *, separator: str = "\n\n",
    max_entities: int = ENTITY_LIMIT,
) -> list[str]:
    """Pack HTML ``blocks``, joined by ``separator``, into chunks of at most ``limit``
    visible UTF-16 units and ``max_entities`` opening tags each (see the module docstring
    for where cuts go).

    Blocks are stripped; blank blocks are skipped, and so is any chunk without visible
    text (Telegram rejects empty messages). Each block must be well-formed Telegram HTML.
    """
    if limit < 2:
        raise ValueError("render: split limit must be at least 2")
    if max_entities < 1:
        raise ValueError("render: max_entities must be at least 1")
    sep_width = utf16_length(html_to_text(separator))
    chunks: list[str] = []
    current: list[str] = []
    used = tags = 0
    for raw in blocks:
        block = raw.strip()
        text = html_to_text(block)
        if not text.strip():
            continue
        width = utf16_length(text)
        count = entity_count(block)
        if current and used + sep_width + width <= limit and tags + count <= max_entities:
            current.append(block)
            used += sep_width + width
            tags += count
            continue
        if current:
            chunks.append(separator.join(current))
            current, used, tags = [], 0, 0
        if width <= limit and count <= max_entities:
            current, used, tags = [block], width, count
        else:
            chunks.extend(_split_block(block, limit, max_entities))
    if current:
        chunks.append(separator.join(current))
    return chunks
