"""The Bot API methods of the fake server that are not about messages, plus shared checks.

Each ``api_<lowercased method>`` takes the request's `Params` and returns the ``result``
of a successful call, or raises `ApiError`. Method names are case-insensitive, as on
the real server. Sending and editing live in `tests.fakes.telegram_messages`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.fakes.telegram_inject import UpdateInjection
from tests.fakes.telegram_model import (
    JSON,
    ApiError,
    CallbackAnswer,
    FakeChat,
    InlineAnswer,
    RateLimitHit,
    bad_request,
    forbidden,
)
from tests.fakes.telegram_state import NOT_BY_DEFAULT, scope_key
from tests.fakes.telegram_validate import (
    Params,
    check_callback_answer_text,
    validate_commands,
    validate_inline_results,
)

QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class BotApiMethods(UpdateInjection):
    """Bot, webhook, getUpdates, queries, commands and chat methods; shared chat checks."""

    _poll_generation = 0  # bumped by every getUpdates; an older waiting poll gets 409

    # ------------------------------------------------------------------ helpers
    def _resolve_chat(self, value: Any) -> FakeChat:
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            chat = self._by_username.get(value[1:].lower())
            if chat is None:
                raise bad_request("chat not found")
            return chat
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            if chat_id in self.users:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return chat

    def _check_can_send(self, chat: FakeChat) -> None:
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private":
            if chat.deactivated:
                raise forbidden("user is deactivated")
            if chat.blocked:
                raise forbidden("bot was blocked by the user")
            if chat.user is not None and chat.user.is_bot:
                raise forbidden("bot can't send messages to bots")
            return
        if chat.kicked or chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        if chat.type == "channel" and chat.bot_status != "administrator":
            raise bad_request("need administrator rights in the channel chat")

    def _target(self, p: Params) -> FakeChat:
        chat = self._resolve_chat(p.raw("chat_id"))
        self._check_can_send(chat)
        return chat

    def _rate_limit(self, method: str, chat: FakeChat) -> None:
        hit = self.limiter.acquire(chat.id, chat.type)
        if hit is None:
            return
        scope, retry_after = hit
        now = self.clock()
        window = [t - now for t in self.limiter.window(chat.id, scope)]
        self.rate_limited.append(RateLimitHit(method, chat.id, scope, retry_after, now, window))
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    # ------------------------------------------------------------------ bot and webhook
    def api_getme(self, p: Params) -> JSON:
        return {
            **self.bot.json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def api_logout(self, p: Params) -> bool:
        return True

    def api_close(self, p: Params) -> bool:
        return True

    def api_setwebhook(self, p: Params) -> bool:
        url = p.text("url") or ""
        if url and not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        return True

    def api_deletewebhook(self, p: Params) -> bool:
        self.webhook_url = ""
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        return True

    def api_getwebhookinfo(self, p: Params) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.allowed_updates is not None:
            info["allowed_updates"] = list(self.allowed_updates)
        return info

    # ------------------------------------------------------------------ updates
    def _take_updates(self, offset: int | None, limit: int) -> list[JSON]:
        queue = self._updates
        if offset is not None and offset < 0:
            while len(queue) > -offset:
                queue.popleft()
        elif offset:
            while queue and queue[0]["update_id"] < offset:
                queue.popleft()
        allowed = self.allowed_updates
        result: list[JSON] = []
        kept: list[JSON] = []
        while queue and len(result) < limit:
            update = queue.popleft()
            kind = next((k for k in update if k != "update_id"), "")
            if (allowed and kind not in allowed) or (not allowed and kind in NOT_BY_DEFAULT):
                continue  # Telegram never delivers (nor keeps) filtered-out updates
            result.append(update)
            kept.append(update)
        queue.extendleft(reversed(kept))  # stay queued until confirmed by a later offset
        return result

    async def api_getupdates(self, p: Params) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        offset = p.number("offset")
        limit = max(1, min(100, p.number("limit", 100) or 100))
        timeout = max(0, p.number("timeout", 0) or 0)
        allowed = p.obj("allowed_updates", "allowed updates")
        if allowed is not None:
            self.allowed_updates = list(allowed)
        self._poll_generation += 1
        generation = self._poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._notify_updates()  # a waiting older poll learns it was replaced
        while True:
            event = self._updates_changed
            updates = self._take_updates(offset, limit)
            offset = None  # confirmed once
            if updates:
                return updates
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            self.active_polls += 1
            self._notify()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return []
            finally:
                self.active_polls -= 1
            if self._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make "
                    "sure that only one bot instance is running",
                )

    # ------------------------------------------------------------------ queries
    def api_answercallbackquery(self, p: Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        if query_id not in self._pending_callbacks:
            raise bad_request(QUERY_INVALID)
        text = p.text("text")
        check_callback_answer_text(text)
        del self._pending_callbacks[query_id]
        self.callback_answers.append(
            CallbackAnswer(
                query_id,
                self.clock(),
                text=text,
                show_alert=p.flag("show_alert"),
                url=p.text("url"),
                cache_time=p.number("cache_time"),
            )
        )
        return True

    def api_answerinlinequery(self, p: Params) -> bool:
        query_id = p.text("inline_query_id") or ""
        if query_id not in self._pending_inline:
            raise bad_request(QUERY_INVALID)
        next_offset = p.text("next_offset")
        results = validate_inline_results(
            p.obj("results", "inline query results"), next_offset, strict=self.strict_html
        )
        del self._pending_inline[query_id]
        self.inline_answers.append(
            InlineAnswer(
                query_id,
                results,
                self.clock(),
                next_offset=next_offset,
                cache_time=p.number("cache_time"),
                is_personal=p.flag("is_personal"),
                button=p.obj("button", "inline query results button"),
            )
        )
        return True

    # ------------------------------------------------------------------ commands
    def _commands_key(self, p: Params) -> str:
        return scope_key(p.obj("scope", "bot command scope"), p.text("language_code"))

    def api_setmycommands(self, p: Params) -> bool:
        commands = validate_commands(p.obj("commands", "commands"))
        self._my_commands[self._commands_key(p)] = commands
        return True

    def api_getmycommands(self, p: Params) -> list[JSON]:
        return list(self._my_commands.get(self._commands_key(p), []))

    def api_deletemycommands(self, p: Params) -> bool:
        self._my_commands.pop(self._commands_key(p), None)
        return True

    # ------------------------------------------------------------------ chats
    def _readable_chat(self, p: Params) -> FakeChat:
        chat = self._resolve_chat(p.raw("chat_id"))
        if chat.type != "private" and (chat.kicked or chat.bot_status == "kicked"):
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        return chat

    def api_getchat(self, p: Params) -> JSON:
        return self._readable_chat(p).full_info()

    def _status_of(self, chat: FakeChat, user_id: int) -> str:
        if user_id == self.bot.id:
            return "kicked" if chat.kicked else chat.bot_status
        if chat.creator_id == user_id:
            return "creator"
        if user_id in chat.admins:
            return "administrator"
        return "member" if user_id in chat.members else "left"

    def api_getchatmember(self, p: Params) -> JSON:
        chat = self._readable_chat(p)
        user_id = p.number("user_id")
        user = self.bot if user_id == self.bot.id else self.users.get(user_id or 0)
        if user is None:
            raise bad_request("user not found")
        return self._member_json(user, self._status_of(chat, user.id))

    def api_getchatadministrators(self, p: Params) -> list[JSON]:
        chat = self._readable_chat(p)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        ids = ([chat.creator_id] if chat.creator_id else []) + sorted(chat.admins)
        result = [
            self._member_json(self.users[i], self._status_of(chat, i))
            for i in ids
            if i in self.users
        ]
        if chat.bot_status == "administrator" and not chat.kicked:
            result.append(self._member_json(self.bot, "administrator"))
        return result
