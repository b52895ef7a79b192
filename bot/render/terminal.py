"""A rendered message as plain text for a terminal (``newsbot preview``)."""

from __future__ import annotations

from bot.models import RenderedMessage
from bot.render.escape import visible_length
from bot.render.limits import CAPTION_LIMIT, TEXT_LIMIT


def _rule(title: str) -> str:
    return f"── {title} " + "─" * max(3, 40 - len(title))


def format_for_terminal(msg: RenderedMessage) -> str:
    """The HTML text, the photo and caption if any, and every button with its full URL
    (or callback data), with the visible lengths next to Telegram's limits."""
    parts = [_rule(f"text ({visible_length(msg.text)}/{TEXT_LIMIT})"), msg.text]
    if msg.photo_url:
        parts += [_rule("photo"), msg.photo_url]
    if msg.caption is not None:
        parts += [_rule(f"caption ({visible_length(msg.caption)}/{CAPTION_LIMIT})"), msg.caption]
    if msg.buttons:
        parts.append(_rule("buttons"))
        for r, row in enumerate(msg.buttons, 1):
            for button in row:
                target = button.url or f"callback:{button.callback_data}"
                parts.append(f"[{r}] {button.text}: {target}")
    return "\n".join(parts) + "\n"
