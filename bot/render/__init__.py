"""Message rendering: pure functions from plain data to Telegram HTML (no I/O).

Public surface (import from here):

- :func:`render_article` — the news message of DESIGN.md, within Telegram's limits.
- :func:`escape`, :func:`visible_length`, :func:`utf16_length` — Telegram HTML helpers.
- :func:`truncate_words` — shorten plain text on a word boundary.
- :func:`split_message` — split long HTML into valid chunks (digests, broadcasts, search),
  each within :data:`TEXT_LIMIT` and :data:`ENTITY_LIMIT`; :func:`entity_count`.
- :func:`format_dates` — "الأحد 2 جمادى الآخرة 1439 هـ — 18 فبراير 2018".
- :func:`share_buttons` — WhatsApp / Telegram / X / Facebook share row.
- :func:`format_for_terminal` — a plain dump for ``newsbot preview``.

:func:`bot.render.markup.to_reply_markup` is the only function that needs
python-telegram-bot; it is not re-exported here so that importing the rendering core
never imports ``telegram``.
"""

from __future__ import annotations

from bot.render.article import render_article
from bot.render.dates import format_dates
from bot.render.escape import escape, utf16_length, visible_length
from bot.render.limits import CAPTION_LIMIT, ENTITY_LIMIT, TEXT_LIMIT
from bot.render.share import share_buttons
from bot.render.split import entity_count, split_message
from bot.render.terminal import format_for_terminal
from bot.render.truncate import truncate_words

__all__ = [
    "CAPTION_LIMIT",
    "ENTITY_LIMIT",
    "TEXT_LIMIT",
    "entity_count",
    "escape",
    "format_dates",
    "format_for_terminal",
    "render_article",
    "share_buttons",
    "split_message",
    "truncate_words",
    "utf16_length",
    "visible_length",
]
