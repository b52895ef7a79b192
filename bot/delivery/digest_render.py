"""Digest and /latest messages: headlines as links, split to Telegram's 4096 (pure).

    <b>📰 موجز الساعة</b>
    عدد الأخبار: 3

    • <a href="URL">HEADLINE</a> — SOURCE

Each headline is one block for :func:`bot.render.split_message`, so a digest longer than
one message is split between headlines, never inside one. There are no share buttons:
sharing a digest as a whole makes no sense, and each link carries its own preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.delivery.schedule import DEFAULT_TZ, valid_timezone
from bot.models import Article
from bot.render import escape, format_dates, split_message, truncate_words
from bot.render.bidi import LRM, RLM, needs_rtl_mark
from bot.render.truncate import clean_line
from bot.render.urls import is_http_url
from bot.storage import DigestItem

TITLE_LIMIT = 200
SOURCE_LIMIT = 40
UNTITLED = "(خبر بلا عنوان)"
HEADERS = {"hourly": "📰 موجز الساعة", "daily": "📰 الموجز اليومي"}


def headline(title: str, url: str, source: str) -> str:
    """One headline line: a link when the URL is http(s), the source after a dash."""
    text = truncate_words(clean_line(title), TITLE_LIMIT) or UNTITLED
    src = truncate_words(clean_line(source), SOURCE_LIMIT)
    body = f'<a href="{escape(url)}">{escape(text)}</a>' if is_http_url(url) else escape(text)
    mark = RLM if needs_rtl_mark(text) else ""
    return f"{mark}• {body}" + (f" — {escape(src)}" if src else "")


def _header(title: str, count: int, when: datetime | None, tz: str, left_out: int = 0) -> str:
    lines = [f"<b>{escape(title)}</b>"]
    if when is not None:
        lines.append(escape(format_dates(when, tz if valid_timezone(tz) else DEFAULT_TZ)))
    if left_out:
        lines.append(f"عدد الأخبار: {count} من أصل {count + left_out} "
                     f"(لم يتّسع الموجز لأقدمها؛ تجدها عبر {LRM}/search)")
    else:
        lines.append(f"عدد الأخبار: {count}")
    return "\n".join(lines)


def _assign(chunks: list[str], blocks: list[str], keys: list[int | None]) -> list[list[int]]:
    """Which keys' blocks ended up in each chunk (blocks are never split: they are short)."""
    out: list[list[int]] = [[] for _ in chunks]
    c, pos = 0, 0
    for block, key in zip(blocks, keys, strict=True):
        while c < len(chunks):
            found = chunks[c].find(block.strip(), pos)
            if found >= 0:
                pos = found + len(block.strip())
                if key is not None:
                    out[c].append(key)
                break
            c, pos = c + 1, 0
    return out


def render_digest(mode: str, items: Sequence[DigestItem], tz: str, now: datetime,
                  limit: int = 4096, left_out: int = 0) -> list[tuple[str, list[int]]]:
    """The digest as (message HTML, outbox row ids in it) chunks, in order. ``left_out``:
    older headlines the digest had no room for (its header says how many)."""
    blocks = [_header(HEADERS.get(mode, HEADERS["hourly"]), len(items),
                      now if mode == "daily" else None, tz, left_out)]
    keys: list[int | None] = [None]
    for item in items:
        blocks.append(headline(item.title, item.url, item.source))
        keys.append(item.row_id)
    chunks = split_message(blocks, limit)
    return list(zip(chunks, _assign(chunks, blocks, keys), strict=True))


def render_latest(articles: Sequence[Article], limit: int = 4096) -> list[str]:
    """The /latest answer: newest first, same lines as a digest."""
    blocks = [f"<b>أحدث الأخبار في اشتراكاتك</b>\nعدد الأخبار: {len(articles)}"]
    blocks += [headline(a.title, a.url, a.source) for a in articles]
    return split_message(blocks, limit)
