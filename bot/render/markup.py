"""Our plain :class:`~bot.models.Button` rows to python-telegram-bot's keyboard.

The only module of ``bot.render`` that imports ``telegram``.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.models import Button
from bot.render.limits import CALLBACK_DATA_LIMIT


def to_button(button: Button) -> InlineKeyboardButton:
    """One button; raises ValueError unless exactly one of url / callback_data is set
    and callback_data fits Telegram's 64 bytes."""
    if (button.url is None) == (button.callback_data is None):
        raise ValueError(f"render: button {button.text!r} needs exactly one of url, callback_data")
    if button.url is not None:
        return InlineKeyboardButton(text=button.text, url=button.url)
    data = button.callback_data or ""
    if len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"render: callback_data of {button.text!r} is over 64 bytes")
    return InlineKeyboardButton(text=button.text, callback_data=data)


def to_reply_markup(buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard for ``buttons`` (rows of buttons), or None when there are none."""
    rows = [[to_button(b) for b in row] for row in buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None
