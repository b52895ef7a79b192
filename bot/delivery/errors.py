"""What a Bot API error means for an outbox row (pure; DESIGN.md "Reliability rules").

==================================  ==========  =========================================
error                               kind        what delivery does
==================================  ==========  =========================================
429 RetryAfter                      rate        row back to pending after retry_after;
                                                the chat waits (not counted as an attempt)
400 ChatMigrated                    migrated    chat moved to the new id, row resent there
400 ChatMigrated to the chat's own  failed      row failed (there is nowhere to move; it
id (or to no id at all)                         was resent at once, 20 times)
403 Forbidden (blocked, kicked,     gone        chat deactivated, its pending rows dropped
deactivated, not a member ...)
400 "chat not found"                gone        same: there is nobody to send to
other 400                           failed      row failed with the reason, never retried
                                                (a 400 about a news photo never gets here:
                                                ``send.py`` falls back to the text message)
5xx, network errors, timeouts       retry       row back to pending with backoff; after
                                                MAX_ATTEMPTS it fails
anything else (a bug)               failed      row failed with the exception's repr
==================================  ==========  =========================================
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

MAX_ATTEMPTS = 20
BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0

_PHOTO_WORDS = ("photo", "image", "url", "file", "web page content", "dimensions")
_CHAT_WORDS = ("chat not found", "rights", "not a member", "kicked", "blocked")


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # rate | migrated | gone | photo | failed | retry
    reason: str
    retry_after: float = 0.0
    new_chat_id: int | None = None


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


def _gone_reason(message: str) -> str:
    text = message.lower()
    for word in ("blocked", "deactivated", "kicked", "not a member", "chat not found"):
        if word in text:
            return word.replace(" ", "_")
    return "forbidden"


def _chat_id(value: object) -> int | None:
    """``value`` as a chat id, or None when it is no integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def classify(exc: BaseException, chat_id: int | None = None) -> Outcome:
    """The :class:`Outcome` of a failed send to ``chat_id``."""
    if isinstance(exc, RetryAfter):
        # at least 1 s: a 429 saying 0 or less, every time, was retried in a tight loop
        # (it is not counted as an attempt)
        return Outcome("rate", str(exc), retry_after=max(_seconds(exc.retry_after), 1.0))
    if isinstance(exc, ChatMigrated):
        new_chat_id = _chat_id(exc.new_chat_id)
        if new_chat_id is None or new_chat_id == chat_id:
            # Telegram's answer is wrong; "moving" the chat changed nothing and the row was
            # sent again at once, 20 times (a digest: at every run, for ever)
            return Outcome("failed", f"migrated to {exc.new_chat_id!r}, not another chat: "
                                     f"{exc}"[:500])
        return Outcome("migrated", str(exc), new_chat_id=new_chat_id)
    if isinstance(exc, Forbidden):
        return Outcome("gone", _gone_reason(exc.message))
    if isinstance(exc, BadRequest):
        text = exc.message.lower()
        if "chat not found" in text:
            return Outcome("gone", "chat_not_found")
        return Outcome("failed", exc.message)
    if isinstance(exc, NetworkError | InvalidToken):  # 5xx, timeouts, connection errors
        return Outcome("retry", str(exc) or type(exc).__name__)
    if isinstance(exc, TelegramError):
        return Outcome("failed", str(exc))
    return Outcome("failed", f"internal error: {exc!r}"[:500])


def is_photo_problem(exc: BaseException) -> bool:
    """A 400 from sendPhoto that a text message would not have (bad or unreachable image)."""
    if not isinstance(exc, BadRequest) or isinstance(exc, ChatMigrated):
        return False
    text = exc.message.lower()
    if any(word in text for word in _CHAT_WORDS):
        return False
    return any(word in text for word in _PHOTO_WORDS) or "caption" in text


def backoff(attempts: int, jitter: float = 1.0) -> float:
    """Seconds before retry number ``attempts`` (1, 2, 4 ... capped), times ``jitter``
    (pass a random number in [0.5, 1] to spread a crowd of retries)."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts, 0)) * jitter
