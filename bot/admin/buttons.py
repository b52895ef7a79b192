"""Inline keyboards of the broadcast messages (signed callback data, kind ``bc``):
``bc:c:ID`` confirm a draft, ``bc:x:ID`` discard a draft or stop a sending broadcast."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackCodec

KIND = "bc"
CONFIRM, CANCEL = "c", "x"


def confirm_keyboard(codec: CallbackCodec, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("✅ تأكيد الإرسال",
                             callback_data=codec.encode(KIND, CONFIRM, broadcast_id)),
        InlineKeyboardButton("❌ إلغاء", callback_data=codec.encode(KIND, CANCEL, broadcast_id)),
    ]])


def stop_keyboard(codec: CallbackCodec, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("⏹ إيقاف الإرسال",
                             callback_data=codec.encode(KIND, CANCEL, broadcast_id)),
    ]])


def parse(codec: CallbackCodec, data: str | None) -> tuple[str, int] | None:
    """(action, broadcast id) of a genuine ``bc`` button, else None."""
    decoded = codec.decode(data, KIND)
    if decoded is None:
        return None
    fields = decoded[1]
    if len(fields) != 2 or fields[0] not in (CONFIRM, CANCEL) or not fields[1].isdecimal() \
            or len(fields[1]) > 18:
        return None
    return fields[0], int(fields[1])
