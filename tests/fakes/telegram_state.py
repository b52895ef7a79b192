"""The fake Telegram's world: users, chats, queued updates and the record of what the bot did.

`TelegramState` is the base of `FakeTelegram` (see ``tests/fakes/telegram.py`` for the
overview and the class chain): create chats and users, flip chat states, configure
limits and faults, and read back what the bot did. All of it is synchronous; updates are
injected by `tests.fakes.telegram_inject`.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from tests.fakes.telegram_model import (
    JSON,
    NO_RESULT,
    CallbackAnswer,
    CallRecord,
    Clock,
    EditRecord,
    FakeChat,
    FakeUser,
    Fault,
    Hold,
    InlineAnswer,
    RateLimiter,
    RateLimitHit,
    RateLimits,
    SentMessage,
)

DEFAULT_TOKEN = "123456789:AAFakeTokenForNewsbotTests_0123456789"
BROKEN_PHOTO_REASONS = {
    "wrong": "wrong file identifier/HTTP URL specified",
    "fetch": "failed to get HTTP URL content",
}
# Sent to the bot unless allowed_updates names them (Telegram's default).
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def scope_key(scope: JSON | None, language_code: str | None) -> str:
    scope = scope or {"type": "default"}
    parts = [scope.get("type", "default")] + [
        f"{k}={scope[k]}" for k in sorted(scope) if k != "type"
    ]
    return ",".join(parts) + "|" + (language_code or "")


class TelegramState:
    """Registries, update queue and records. All methods are synchronous."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "newsbot_test_bot",
        bot_name: str = "NewsBot",
        limits: RateLimits | None = None,
        clock: Clock | None = None,
        strict_html: bool = True,
    ) -> None:
        head = token.split(":", 1)[0]
        self.token = token
        self.bot = FakeUser(
            int(head) if head.isdigit() else 123456789,
            bot_name,
            username=bot_username,
            is_bot=True,
            language_code=None,
        )
        self.clock: Clock = clock or time.monotonic
        self.limits = limits or RateLimits()
        self.limiter = RateLimiter(self.limits, self.clock)
        self.strict_html = strict_html
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self._by_username: dict[str, FakeChat] = {}
        self._user_ids = itertools.count(1_000_001)
        self._group_ids = itertools.count(4_000_001)
        self._super_ids = itertools.count(1_001_000_000_001)
        self._query_ids = itertools.count(7_000_000_000_000_001)
        self._default_user: FakeUser | None = None
        # updates
        self._updates: deque[JSON] = deque()
        self._next_update_id = 10_000_001
        self.allowed_updates: list[str] | None = None
        self.webhook_url = ""
        self._pending_callbacks: dict[str, JSON] = {}
        self._pending_inline: dict[str, JSON] = {}
        # behaviour switches
        self.broken_photos: dict[str, str] = {}
        self.faults: list[Fault] = []
        self._file_ids: dict[str, str] = {}
        # records
        self._sent: list[SentMessage] = []
        self._sent_by_chat: dict[int, list[SentMessage]] = {}
        self._edits: list[EditRecord] = []
        self.deleted: list[tuple[int, int]] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        self.calls: list[CallRecord] = []
        self._calls_by_method: dict[str, list[CallRecord]] = {}
        self.active_polls = 0  # getUpdates requests currently waiting
        self.rate_limited: list[RateLimitHit] = []
        self._my_commands: dict[str, list[JSON]] = {}
        # wake-ups: replaced (and the old one set) on every change
        self._changed = asyncio.Event()
        self._updates_changed = asyncio.Event()

    # ------------------------------------------------------------------ notifications
    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def _notify_updates(self) -> None:
        event, self._updates_changed = self._updates_changed, asyncio.Event()
        event.set()
        self._notify()

    # ------------------------------------------------------------------ users and chats
    def add_user(
        self,
        first_name: str = "مستخدم",
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "ar",
        user_id: int | None = None,
        is_bot: bool = False,
    ) -> FakeUser:
        """Register a user (ids count up from 1,000,001 unless given)."""
        uid = user_id if user_id is not None else next(self._user_ids)
        user = FakeUser(uid, first_name, last_name, username, language_code, is_bot)
        self.users[uid] = user
        return user

    def _register(self, chat: FakeChat) -> FakeChat:
        if chat.id in self.chats:
            raise ValueError(f"chat {chat.id} already exists")
        self.chats[chat.id] = chat
        if chat.username:
            self._by_username[chat.username.lower()] = chat
        return chat

    def add_private_chat(self, user: FakeUser | None = None, **user_kwargs: Any) -> FakeChat:
        """A private chat with ``user`` (created from ``user_kwargs`` when None); id = user id."""
        if user is None:
            user = self.add_user(**user_kwargs)
        elif user.id not in self.users:
            self.users[user.id] = user
        return self._register(FakeChat(user.id, "private", user=user, members={user.id}))

    def add_group(
        self,
        title: str = "مجموعة تجريبية",
        *,
        chat_id: int | None = None,
        admins: Iterable[int] = (),
        creator: FakeUser | None = None,
    ) -> FakeChat:
        """A basic group (negative id); ``creator`` becomes its owner."""
        cid = chat_id if chat_id is not None else -next(self._group_ids)
        return self._group_like(cid, "group", title, None, admins, creator)

    def add_supergroup(
        self,
        title: str = "مجموعة كبرى",
        *,
        username: str | None = None,
        chat_id: int | None = None,
        admins: Iterable[int] = (),
        creator: FakeUser | None = None,
    ) -> FakeChat:
        """A supergroup (id -100...)."""
        cid = chat_id if chat_id is not None else -next(self._super_ids)
        return self._group_like(cid, "supergroup", title, username, admins, creator)

    def add_channel(
        self,
        title: str = "قناة الأخبار",
        *,
        username: str | None = None,
        chat_id: int | None = None,
        admins: Iterable[int] = (),
        creator: FakeUser | None = None,
        bot_status: str = "administrator",
    ) -> FakeChat:
        """A channel (id -100...); the bot is an administrator unless told otherwise."""
        cid = chat_id if chat_id is not None else -next(self._super_ids)
        chat = self._group_like(cid, "channel", title, username, admins, creator)
        chat.bot_status = bot_status
        return chat

    def _group_like(
        self,
        cid: int,
        kind: str,
        title: str,
        username: str | None,
        admins: Iterable[int],
        creator: FakeUser | None,
    ) -> FakeChat:
        chat = FakeChat(cid, kind, title=title, username=username, admins=set(admins))
        if creator is not None:
            self.users.setdefault(creator.id, creator)
            chat.creator_id = creator.id
            chat.members.add(creator.id)
        chat.members.update(chat.admins)
        return self._register(chat)

    def add_chat(self, chat_type: str, **kwargs: Any) -> FakeChat:
        """Create a chat by type name: "private", "group", "supergroup" or "channel"."""
        makers = {
            "private": self.add_private_chat,
            "group": self.add_group,
            "supergroup": self.add_supergroup,
            "channel": self.add_channel,
        }
        if chat_type not in makers:
            raise ValueError(f"unknown chat type {chat_type!r}")
        return makers[chat_type](**kwargs)  # type: ignore[operator]

    def chat(self, chat_id: int) -> FakeChat:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise KeyError(f"the fake has no chat {chat_id}; known: {sorted(self.chats)}") from None

    def set_chat_state(
        self,
        chat_id: int,
        *,
        blocked: bool | None = None,
        deactivated: bool | None = None,
        kicked: bool | None = None,
        bot_status: str | None = None,
    ) -> FakeChat:
        """Flip what the server will answer for sends to this chat (403s and friends)."""
        chat = self.chat(chat_id)
        if blocked is not None:
            chat.blocked = blocked
        if deactivated is not None:
            chat.deactivated = deactivated
        if kicked is not None:
            chat.kicked = kicked
        if bot_status is not None:
            chat.bot_status = bot_status
        elif (blocked is False or kicked is False) and chat.bot_status == "kicked":
            chat.bot_status = "administrator" if chat.type == "channel" else "member"
        return chat

    def block(self, chat_id: int) -> None:
        """The user of a private chat blocks the bot: sends get 403 "bot was blocked"."""
        self.set_chat_state(chat_id, blocked=True)

    def break_photo(self, url: str, *, reason: str = "wrong") -> None:
        """sendPhoto with ``url`` answers 400; ``reason`` "wrong" or "fetch" picks the text."""
        self.broken_photos[url] = BROKEN_PHOTO_REASONS[reason]

    @property
    def default_user(self) -> FakeUser:
        """The user that speaks in groups and inline queries when no ``from_user`` is given."""
        if self._default_user is None:
            self._default_user = self.add_user("عضو", username="member_user")
        return self._default_user

    # ------------------------------------------------------------------ limits and faults
    def set_limits(self, **changes: Any) -> RateLimits:
        """Change `RateLimits` fields in place, e.g. ``set_limits(global_per_second=1000)``."""
        for name, value in changes.items():
            if not hasattr(self.limits, name):
                raise AttributeError(f"RateLimits has no field {name!r}")
            setattr(self.limits, name, value)
        return self.limits

    def disable_rate_limits(self) -> None:
        self.limits.enabled = False

    def inject_fault(
        self,
        method: str = "*",
        *,
        status: int | None = 500,
        delay: float = 0.0,
        times: int | None = 1,
        duration: float | None = None,
        chat_id: int | None = None,
        retry_after: int = 5,
        skip: int = 0,
        result: Any = NO_RESULT,
        parameters: dict[str, Any] | None = None,
    ) -> Fault:
        """Make calls fail or stall; see `Fault`. ``duration`` (seconds) ends it by time."""
        until = None if duration is None else self.clock() + duration
        fault = Fault(method, status, delay, times, until, chat_id, retry_after, skip, result,
                      parameters)
        self.faults.append(fault)
        return fault

    def fail_next(self, method: str = "*", times: int = 1, status: int = 500) -> Fault:
        """The next ``times`` calls of ``method`` answer ``status`` (500 or 502 ...)."""
        return self.inject_fault(method, status=status, times=times)

    def fail_for(self, seconds: float, method: str = "*", status: int = 500) -> Fault:
        """Every call of ``method`` answers ``status`` for the next ``seconds``."""
        return self.inject_fault(method, status=status, times=None, duration=seconds)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> Fault:
        """The next calls stall ``seconds`` before being answered normally."""
        return self.inject_fault(method, status=None, delay=seconds, times=times)

    def hang_next(self, method: str, times: int = 1) -> Fault:
        """The next calls never answer (the client times out)."""
        return self.inject_fault(method, status=None, delay=float("inf"), times=times)

    def hold_next(self, method: str, *, chat_id: int | None = None, times: int = 1,
                  status: int | None = None, skip: int = 0) -> Hold:
        """The next ``times`` calls of ``method`` (for ``chat_id`` only, if given; after
        the first ``skip`` of them) wait until ``hold.release()``, then are answered as
        usual (or with ``status``, as ``inject_fault`` does); ``hold.arrived`` is set when
        the first one is there."""
        hold = Hold()
        fault = self.inject_fault(method, status=status, times=times, chat_id=chat_id,
                                  skip=skip)
        fault.hold = hold
        return hold

    def clear_faults(self) -> None:
        self.faults.clear()

    def _take_fault(self, method: str, chat_id: object = None) -> Fault | None:
        if not self.faults:
            return None
        now = self.clock()
        chosen = None
        for fault in self.faults:
            if fault.matches(method, now, chat_id) and fault.skip > 0:
                fault.skip -= 1
                continue
            if fault.matches(method, now, chat_id):
                chosen = fault
                if fault.times is not None:
                    fault.times -= 1
                break
        self.faults = [f for f in self.faults if not f.expired(now)]
        return chosen

    # ------------------------------------------------------------------ reading back
    def sent(self, chat_id: int | None = None, *, method: str | None = None) -> list[SentMessage]:
        """Messages the bot produced, oldest first (optionally one chat / one method)."""
        found = self._sent if chat_id is None else self._sent_by_chat.get(chat_id, [])
        if method is not None:
            return [m for m in found if m.method == method]
        return list(found)

    def last_sent(self, chat_id: int | None = None) -> SentMessage:
        found = self.sent(chat_id)
        if not found:
            raise AssertionError(
                f"the bot sent nothing{'' if chat_id is None else f' to {chat_id}'}"
            )
        return found[-1]

    def edits(self, chat_id: int | None = None) -> list[EditRecord]:
        if chat_id is None:
            return list(self._edits)
        return [e for e in self._edits if e.chat_id == chat_id]

    def calls_to(self, method: str) -> list[CallRecord]:
        return list(self._calls_by_method.get(method.lower(), []))

    @property
    def commands(self) -> list[JSON]:
        """The command list last set for the default scope and no language."""
        return self.my_commands()

    def my_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return list(self._my_commands.get(scope_key(scope, language_code), []))

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The message as it stands now (after edits), or None if unknown or deleted."""
        return self.chat(chat_id).messages.get(message_id)

    def stats(self) -> JSON:
        return {
            "sent": len(self._sent),
            "edits": len(self._edits),
            "deleted": len(self.deleted),
            "calls": len(self.calls),
            "rate_limited": len(self.rate_limited),
            "callback_answers": len(self.callback_answers),
            "inline_answers": len(self.inline_answers),
            "pending_updates": len(self._updates),
            "chats": len(self.chats),
        }

    def reset_records(self) -> None:
        """Forget what the bot did (records, call log, 429s, rate windows); keep chats."""
        self._sent.clear()
        self._sent_by_chat.clear()
        self._edits.clear()
        self.deleted.clear()
        self.callback_answers.clear()
        self.inline_answers.clear()
        self.calls.clear()
        self._calls_by_method.clear()
        self.rate_limited.clear()
        self.limiter.reset()
        self._notify()

    def _record_sent(self, record: SentMessage) -> None:
        self._sent.append(record)
        self._sent_by_chat.setdefault(record.chat_id, []).append(record)

    def describe(self, last: int = 15) -> str:
        """A readable tail of what happened, for assertion messages."""
        lines = [f"sent ({len(self._sent)} total):"]
        lines += [f"  {m.summary()}" for m in self._sent[-last:]] or ["  (nothing)"]
        polls = len(self._calls_by_method.get("getupdates", []))
        lines.append(f"calls ({len(self.calls)} total, {polls} getUpdates not shown):")
        shown = [c for c in self.calls[-(last + polls) :] if c.method.lower() != "getupdates"]
        lines += [
            f"  {c.method} -> {c.status}{'' if c.description is None else ' ' + c.description}"
            for c in shown[-last:]
        ] or ["  (none)"]
        if self.rate_limited:
            lines.append(f"429s issued: {len(self.rate_limited)}")
        lines.append(f"updates not yet fetched/confirmed: {len(self._updates)}")
        return "\n".join(lines)
