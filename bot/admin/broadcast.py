"""Preparing a text broadcast. Pure.

The text is the admin's message as Telegram HTML (their bold, italics, links … kept).
It is sent the way the delivery worker sends every text broadcast:
``split_message([html])``, so a text longer than Telegram's 4,096 characters arrives as
several messages, cut at line breaks or spaces and never inside a tag. Up to
:data:`MAX_MESSAGES` messages per chat are accepted (about 16,000 characters); a longer
text is refused with its length, since every extra message multiplies the sends.
"""

from __future__ import annotations

from bot.admin.arabic import count_phrase
from bot.admin.errors import AdminError
from bot.render import TEXT_LIMIT, split_message, visible_length

MAX_MESSAGES = 4

EMPTY = "نص البث فارغ."


def text_chunks(html: str) -> list[str]:
    """The messages each chat will get for ``html``; AdminError when empty or too long."""
    chunks = split_message([html])
    if not chunks:
        raise AdminError(EMPTY)
    if len(chunks) > MAX_MESSAGES:
        limit = count_phrase(MAX_MESSAGES * TEXT_LIMIT, "char")
        raise AdminError(
            f"النص طويل جدًا (عدد حروفه {visible_length(html)})، ويحتاج إلى"
            f" {count_phrase(len(chunks), 'message')} لكل محادثة، والحد"
            f" {count_phrase(MAX_MESSAGES, 'message')} (نحو {limit})."
            " اختصره، أو انشره في صفحة وأرسل رابطها.")
    return chunks
