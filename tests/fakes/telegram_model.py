"""Plain data of the fake Telegram server: users, chats, recorded actions, errors, limits.

Nothing here does I/O. `FakeUser`/`FakeChat` render themselves as Bot API JSON; the
record dataclasses (`SentMessage`, `EditRecord`, `CallbackAnswer`, `InlineAnswer`,
`CallRecord`, `RateLimitHit`) are what tests read back; `RateLimiter` implements the
sliding windows described in `RateLimits`.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

JSON = dict[str, Any]
Clock = Callable[[], float]


class ApiError(Exception):
    """A Bot API error response: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str, parameters: JSON | None = None) -> ApiError:
    """400 with Telegram's ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {text}", parameters)


def forbidden(text: str) -> ApiError:
    """403 with Telegram's ``Forbidden: `` prefix."""
    return ApiError(403, f"Forbidden: {text}")


@dataclass(slots=True)
class FakeUser:
    """A Telegram user (``is_bot`` false unless a test says otherwise)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "ar"
    is_bot: bool = False

    def json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(slots=True, eq=False)
class FakeChat:
    """A chat the fake knows. Flip the flags to make the server refuse sends:

    ``blocked`` (private: the user blocked the bot), ``deactivated`` (private: deleted
    account), ``kicked`` (group/supergroup/channel: the bot was removed), ``migrated_to``
    (a basic group upgraded to that supergroup id). ``bot_status`` is the bot's own
    membership: "member", "administrator", "left" or "kicked".
    """

    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    user: FakeUser | None = None  # the other side of a private chat
    blocked: bool = False
    deactivated: bool = False
    kicked: bool = False
    migrated_to: int | None = None
    bot_status: str = "member"
    admins: set[int] = field(default_factory=set)
    creator_id: int | None = None
    members: set[int] = field(default_factory=set)
    next_message_id: int = 1
    messages: dict[int, JSON] = field(default_factory=dict)  # current state, by id
    bot_message_ids: set[int] = field(default_factory=set)

    def json(self) -> JSON:
        """The Chat object embedded in messages and updates."""
        data: JSON = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title or ""
            if self.username:
                data["username"] = self.username
        return data

    def full_info(self) -> JSON:
        """The ChatFullInfo object of getChat (with the fields PTB requires)."""
        return {
            **self.json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(slots=True)
class SentMessage:
    """One message the bot produced (sendMessage, sendPhoto or copyMessage).

    ``text``/``caption`` are exactly what the bot sent (HTML markup intact);
    ``plain_text``/``plain_caption`` are what the user sees after entity parsing, with
    ``entities`` the parsed MessageEntity dicts. ``time`` is the fake's clock
    (monotonic seconds) when the server accepted it; ``params`` the raw request.
    """

    method: str
    chat_id: int
    message_id: int
    time: float
    text: str | None = None
    plain_text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    photo: str | None = None
    caption: str | None = None
    plain_caption: str | None = None
    disable_notification: bool = False
    reply_to_message_id: int | None = None
    link_preview_options: JSON | None = None
    params: JSON = field(default_factory=dict)

    @property
    def buttons(self) -> list[JSON]:
        """All inline keyboard buttons, row by row."""
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]

    def summary(self) -> str:
        body = self.plain_text if self.plain_text is not None else self.plain_caption
        body = (body or "").replace("\n", " ")
        short = body if len(body) <= 60 else body[:57] + "..."
        return f"{self.method} chat={self.chat_id} id={self.message_id}: {short!r}"

    def to_json(self) -> JSON:
        return asdict(self)


@dataclass(slots=True)
class EditRecord:
    """One edit (editMessageText / editMessageCaption / editMessageReplyMarkup)."""

    method: str
    chat_id: int | None
    message_id: int | None
    time: float
    inline_message_id: str | None = None
    text: str | None = None
    plain_text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: JSON | None = None

    def to_json(self) -> JSON:
        return asdict(self)


@dataclass(slots=True)
class CallbackAnswer:
    callback_query_id: str
    time: float
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None

    def to_json(self) -> JSON:
        return asdict(self)


@dataclass(slots=True)
class InlineAnswer:
    inline_query_id: str
    results: list[JSON]
    time: float
    next_offset: str | None = None
    cache_time: int | None = None
    is_personal: bool = False
    button: JSON | None = None

    def to_json(self) -> JSON:
        return asdict(self)


@dataclass(slots=True)
class CallRecord:
    """One Bot API request: method, parsed parameters, when, and the HTTP status answered."""

    method: str
    params: JSON
    time: float
    status: int = 200
    description: str | None = None

    def to_json(self) -> JSON:
        return asdict(self)


@dataclass(slots=True)
class RateLimitHit:
    """A 429 the fake issued. ``scope`` is "global", "private" or "group"; ``window`` the
    times (seconds before the hit) of the sends the refusing window held, oldest first."""

    method: str
    chat_id: int
    scope: str
    retry_after: int
    time: float
    window: list[float] = field(default_factory=list)

    def to_json(self) -> JSON:
        return asdict(self)


@dataclass(slots=True)
class RateLimits:
    """Telegram's flood limits as the fake enforces them (sliding windows).

    Defaults: at most ``global_per_second`` message-producing calls in any
    ``global_window`` seconds across all chats; per private chat at most
    ``private_per_window`` in any ``private_window`` seconds (about 1/s with short
    bursts); per group, supergroup or channel at most ``group_per_window`` in any
    ``group_window`` seconds. ``enabled=False`` turns all of them off.
    """

    global_per_second: int = 30
    global_window: float = 1.0
    private_per_window: int = 3
    private_window: float = 3.0
    group_per_window: int = 20
    group_window: float = 60.0
    enabled: bool = True

    def to_json(self) -> JSON:
        return asdict(self)


def describe_window(window: list[float]) -> str:
    """A refusing window in one line: how many sends, over what span before the 429, and
    its largest gap (a restart or a stall shows as one)."""
    if not window:
        return "window: empty"
    gaps = [(b - a, a) for a, b in pairwise(window)]
    gap, at = max(gaps, default=(0.0, window[0]))
    per_100ms = [0] * 10
    for t in window:
        per_100ms[min(9, max(0, int(round((t + 1.0) * 10, 6))))] += 1
    return (f"window: {len(window)} sends from {window[0]:+.3f} s to {window[-1]:+.3f} s; "
            f"largest gap {gap:.3f} s after {at:+.3f} s; per 100 ms: {per_100ms}")


class RateLimiter:
    """Sliding-window counters; O(1) amortised per call (deques of accepted timestamps)."""

    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._global: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}

    def reset(self) -> None:
        self._global.clear()
        self._per_chat.clear()

    def window(self, chat_id: int, scope: str) -> list[float]:
        """The accepted send times ``scope``'s window holds now (for reporting a 429)."""
        return list(self._global if scope == "global" else self._per_chat.get(chat_id, ()))

    @staticmethod
    def _wait(window: deque[float], limit: int, span: float, now: float) -> float:
        """Seconds until one more event fits (0.0 if it fits now); prunes old entries."""
        horizon = now - span
        while window and window[0] <= horizon:
            window.popleft()
        if len(window) < limit:
            return 0.0
        return window[len(window) - limit] + span - now

    def acquire(self, chat_id: int, chat_type: str) -> tuple[str, int] | None:
        """Count one send; or return (scope, retry_after) without counting it."""
        limits = self.limits
        if not limits.enabled:
            return None
        now = self.clock()
        if chat_type == "private":
            limit, span, scope = limits.private_per_window, limits.private_window, "private"
        else:
            limit, span, scope = limits.group_per_window, limits.group_window, "group"
        chat_window = self._per_chat.get(chat_id)
        if chat_window is None:
            chat_window = self._per_chat[chat_id] = deque()
        chat_wait = self._wait(chat_window, limit, span, now)
        global_wait = self._wait(self._global, limits.global_per_second, limits.global_window, now)
        if chat_wait > 0 or global_wait > 0:
            if global_wait > chat_wait:
                scope, wait = "global", global_wait
            else:
                wait = chat_wait
            return scope, max(1, math.ceil(wait))
        chat_window.append(now)
        self._global.append(now)
        return None


NO_RESULT = "(no result)"


class Hold:
    """A call kept waiting at the fake until :meth:`release` (``hold_next``): a test
    awaits ``arrived`` (the call is in flight), does what must land meanwhile, then
    releases it; the call is then answered as usual."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()


@dataclass(slots=True)
class Fault:
    """An injected failure for ``method`` ("*" = any method except getUpdates).

    Applies to the next ``times`` matching calls, or to all of them until the clock
    passes ``until`` (or forever when both are None). Each affected call first sleeps
    ``delay`` seconds (``math.inf`` = hang until the client gives up), then answers
    ``status`` (500 JSON "Internal Server Error", 502 an HTML "Bad Gateway" page like a
    proxy, 429 "Too Many Requests" with ``parameters.retry_after`` = ``retry_after``, 200
    ``{"ok": true}`` with ``result`` (none when it is :data:`NO_RESULT`), any other code a JSON
    error) or, with ``status=None``, is processed normally. ``parameters`` (a JSON object)
    is sent as the error's ``parameters`` (on a 429 instead of ``retry_after``'s): odd
    answers Telegram never gives, such as ``{"migrate_to_chat_id": <the chat's own id>}`` on
    a 400 or ``{"retry_after": "soon"}`` on a 429. With ``chat_id`` only calls for that chat
    are affected; the first ``skip`` matching calls pass untouched (to fail the second part
    of a split message). With ``hold`` the call waits until the test releases it.
    """

    method: str
    status: int | None = 500
    delay: float = 0.0
    times: int | None = 1
    until: float | None = None
    chat_id: int | None = None
    retry_after: int = 5
    skip: int = 0
    result: Any = NO_RESULT
    parameters: dict[str, Any] | None = None
    hold: Hold | None = None

    def matches(self, method: str, now: float, chat_id: object = None) -> bool:
        if self.method == "*":
            if method == "getupdates":
                return False
        elif self.method.lower() != method:
            return False
        if self.chat_id is not None and str(chat_id) != str(self.chat_id):
            return False
        if self.until is not None and now >= self.until:
            return False
        return self.times is None or self.times > 0

    def expired(self, now: float) -> bool:
        return (self.times is not None and self.times <= 0) or (
            self.until is not None and now >= self.until
        )
