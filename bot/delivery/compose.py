"""What to send for a claimed outbox row: a news message or a broadcast, with caches.

News rows render with ``render_article(article, tz=chat's time zone)``; a render is
cached per (article, time zone), so 10,000 chats in one zone cost one render. Articles
and broadcasts are loaded in one read per claimed batch (:meth:`Composer.prepare`); a
broadcast is re-read after ``BROADCAST_TTL`` seconds so a cancellation stops its rows.
Every cache is bounded: before, each broadcast the worker sent stayed in memory, text and
all, for the life of the process (a bot broadcasting daily grew for months).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.delivery.schedule import DEFAULT_TZ, valid_timezone
from bot.models import Article
from bot.render import render_article, split_message
from bot.render.markup import to_reply_markup
from bot.storage import OutboxRow, Storage
from bot.storage._outbox_broadcasts import Broadcast

BROADCAST_TTL = 2.0
CACHE_SIZE = 2048  # articles, and renders
BROADCAST_CACHE = 64  # broadcasts (a few run at once; one evicted is read again)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One thing to send. ``kind``: ``message`` (``chunks`` of HTML, optionally tried
    first as a photo with ``caption``), ``copy`` or ``skip`` (``reason`` says why)."""

    kind: str
    chunks: tuple[str, ...] = ()
    photo_url: str | None = None
    caption: str | None = None
    markup: str | None = None  # inline keyboard as Bot API JSON
    disable_preview: bool = False
    from_chat_id: int | None = None
    from_message_id: int | None = None
    reason: str = ""


def parts_key(chunks: Sequence[str]) -> str:
    """Names a split text (stored with the parts delivered, ``outbox.parts_key``): a
    row whose text now splits into other parts is not resumed in the middle."""
    digest = hashlib.sha256()
    for chunk in chunks:
        data = chunk.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:32]


def _put(cache: dict, key: object, value: object, size: int = CACHE_SIZE) -> None:
    if key not in cache and len(cache) >= size:
        del cache[next(iter(cache))]
    cache[key] = value


class Composer:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._articles: dict[int, Article] = {}
        self._broadcasts: dict[int, tuple[float, Broadcast]] = {}
        self._news: dict[tuple[int, str], Outgoing] = {}

    async def prepare(self, rows: Sequence[OutboxRow]) -> None:
        """Load what ``rows`` need and is not cached (one read)."""
        stale = time.monotonic() - BROADCAST_TTL
        articles = {r.article_id for r in rows
                    if r.article_id is not None and r.article_id not in self._articles}
        broadcasts = {r.broadcast_id for r in rows if r.broadcast_id is not None
                      and self._broadcasts.get(r.broadcast_id, (0.0,))[0] < stale}
        if not articles and not broadcasts:
            return
        found, casts = await self._storage.outbox.payloads(articles, broadcasts)
        for aid, article in found.items():
            _put(self._articles, aid, article)
        loaded = time.monotonic()
        for bid, cast in casts.items():
            _put(self._broadcasts, bid, (loaded, cast), BROADCAST_CACHE)

    def forget(self, chat_id: int) -> None:
        """Drop the cached broadcasts that copy a message of ``chat_id`` (after /forget:
        it stopped those still running, whose claimed rows are then not sent)."""
        for bid in [b for b, (_, cast) in self._broadcasts.items()
                    if cast.from_chat_id == chat_id]:
            del self._broadcasts[bid]

    def outgoing(self, row: OutboxRow) -> Outgoing:
        if row.article_id is not None:
            return self.news(row.article_id, row.timezone)
        entry = self._broadcasts.get(row.broadcast_id or 0)
        if entry is None:
            return Outgoing("skip", reason="broadcast not found")
        cast = entry[1]
        if cast.status == "cancelled":
            return Outgoing("skip", reason="cancelled")
        if cast.kind == "copy" and cast.from_chat_id and cast.from_message_id:
            return Outgoing("copy", from_chat_id=cast.from_chat_id,
                            from_message_id=cast.from_message_id)
        if cast.kind == "article" and cast.article_id is not None:
            return self.news(cast.article_id, row.timezone)
        if cast.kind == "text" and cast.text and cast.text.strip():
            return Outgoing("message", chunks=tuple(split_message([cast.text])))
        return Outgoing("skip", reason=f"broadcast {cast.id} has nothing to send")

    def news(self, article_id: int, tz: str) -> Outgoing:
        key = (article_id, tz)
        out = self._news.get(key)
        if out is not None:
            return out
        article = self._articles.get(article_id)
        if article is None:
            return Outgoing("skip", reason="article not found")
        msg = render_article(article, tz=tz if valid_timezone(tz) else DEFAULT_TZ)
        markup = to_reply_markup(msg.buttons)
        out = Outgoing("message", chunks=(msg.text,), photo_url=msg.photo_url,
                       caption=msg.caption, disable_preview=msg.disable_preview,
                       markup=json.dumps(markup.to_dict(), ensure_ascii=False)
                       if markup is not None else None)
        _put(self._news, key, out)
        return out
