"""The Bot API calls for one :class:`~bot.delivery.compose.Outgoing`, through the
delivery bot (so the SendLimiter paces them) with plain-dict results.

A news photo that Telegram refuses (bad or unreachable image) falls back to the text
message, and the URL is remembered so other chats go straight to text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import BadRequest

from bot.delivery.compose import Outgoing
from bot.delivery.errors import is_photo_problem
from bot.delivery.http import DeliveryBot
from bot.delivery.pacing import Throttle

log = logging.getLogger(__name__)

NO_PREVIEW = '{"is_disabled":true}'
MAX_BAD_PHOTOS = 10_000


def _message_id(result: dict[str, Any]) -> int:
    return int(result["message_id"])


async def send(bot: DeliveryBot, chat_id: int, out: Outgoing, *, silent: bool,
               bad_photos: set[str], throttle: Throttle, sent: list[int] | None = None,
               part_sent: Callable[[list[int]], Awaitable[object]] | None = None) -> int:
    """Send ``out`` to ``chat_id``; return the (first) message id. Raises TelegramError.
    Every request passes ``throttle`` (then the bot's SendLimiter).

    ``sent``: the message ids of the parts of a split text already delivered by an
    earlier attempt (or run), extended as parts go out: the remaining parts only are sent,
    not the first ones again (nor the photo: it would come after them). ``part_sent`` is
    awaited with ``sent`` after each part but the last, before the next one goes."""

    async def post(endpoint: str, data: dict[str, Any]) -> int:
        async with throttle:
            return _message_id(await bot.post(endpoint, data))

    quiet = True if silent else None
    if out.kind == "copy":
        return (await post("copyMessage", {
            "chat_id": chat_id, "from_chat_id": out.from_chat_id,
            "message_id": out.from_message_id, "disable_notification": quiet}))
    if out.photo_url and out.caption and not sent and out.photo_url not in bad_photos:
        try:
            return await post("sendPhoto", {
                "chat_id": chat_id, "photo": out.photo_url, "caption": out.caption,
                "parse_mode": "HTML", "reply_markup": out.markup,
                "disable_notification": quiet})
        except BadRequest as exc:
            if not is_photo_problem(exc):
                raise
            log.info("delivery: photo refused (%s), sending text instead: %s",
                     exc.message, out.photo_url[:200])
            if len(bad_photos) < MAX_BAD_PHOTOS:
                bad_photos.add(out.photo_url)
    sent = [] if sent is None else sent
    last = len(out.chunks) - 1
    for i, chunk in enumerate(out.chunks):
        if i < len(sent):
            continue  # delivered by an earlier attempt
        sent.append(await post("sendMessage", {
            "chat_id": chat_id, "text": chunk, "parse_mode": "HTML",
            "reply_markup": out.markup if i == last else None,
            "disable_notification": quiet,
            "link_preview_options": NO_PREVIEW if out.disable_preview or i < last else None}))
        if i < last and part_sent is not None:
            await part_sent(sent)
    if not sent:
        raise ValueError("delivery: nothing to send")
    return sent[0]
