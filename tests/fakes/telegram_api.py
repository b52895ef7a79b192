"""The Bot API methods of the fake server, on top of `TelegramState`.

Each ``api_<lowercased method>`` takes the request's `Params` and returns the ``result``
of a successful call, or raises `ApiError`. Method names are case-insensitive, as on
the real server. Message-producing methods (sendMessage, sendPhoto, copyMessage and the
three edits) pass through the rate limiter; everything else does not.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

from tests.fakes.telegram_model import (
    JSON,
    ApiError,
    CallbackAnswer,
    EditRecord,
    FakeChat,
    InlineAnswer,
    RateLimitHit,
    SentMessage,
    bad_request,
    forbidden,
)
from tests.fakes.telegram_state import NOT_BY_DEFAULT, TelegramState, _scope_key
from tests.fakes.telegram_validate import (
    Params,
    check_callback_answer_text,
    format_text,
    validate_commands,
    validate_inline_results,
    validate_reply_markup,
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class BotApiMethods(TelegramState):
    """Implementations of the Bot API methods the fake speaks."""

    _poll_generation = 0  # bumped by every getUpdates; an older waiting poll gets 409

    # ------------------------------------------------------------------ helpers
    def _resolve_chat(self, value: Any) -> FakeChat:
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
            if chat.blocked or chat.bot_status == "kicked":
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
        self.rate_limited.append(RateLimitHit(method, chat.id, scope, retry_after, self.clock()))
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def _reply_target(self, chat: FakeChat, p: Params) -> JSON | None:
        reply = p.obj("reply_parameters", "reply parameters") or {}
        message_id = reply.get("message_id", p.number("reply_to_message_id"))
        if message_id is None:
            return None
        allow = bool(reply.get("allow_sending_without_reply")) or p.flag(
            "allow_sending_without_reply"
        )
        source = chat
        if reply.get("chat_id") not in (None, chat.id):
            source = self._resolve_chat(reply["chat_id"])
        original = source.messages.get(int(message_id))
        if original is None:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in original.items() if k != "reply_to_message"}

    def _new_message(self, chat: FakeChat, reply_to: JSON | None) -> JSON:
        message: JSON = {"message_id": chat.take_message_id()}
        if chat.type == "channel":
            message["sender_chat"] = chat.json()
        else:
            message["from"] = self.bot.json()
        message["chat"] = chat.json()
        message["date"] = int(time.time())
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

    def _store(self, chat: FakeChat, message: JSON) -> None:
        chat.messages[message["message_id"]] = message
        chat.bot_message_ids.add(message["message_id"])

    def _photo_sizes(self, source: str) -> list[JSON]:
        digest = hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()
        sizes = []
        for suffix, width, height, size in (
            ("s", 90, 60, 1200),
            ("m", 320, 213, 9800),
            ("x", 800, 533, 48000),
        ):
            file_id = f"AgACAgQAAxkBAAI{digest[:24]}{suffix}"
            self._file_ids[file_id] = source
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": f"AQAD{digest[:12]}{suffix}",
                    "file_size": size,
                    "width": width,
                    "height": height,
                }
            )
        return sizes

    def _photo_source(self, value: Any) -> str:
        if isinstance(value, dict) and "_upload" in value:
            return f"upload:{value['_upload']}"
        if not isinstance(value, str) or not value:
            raise bad_request("there is no photo in the request")
        if value in self._file_ids:
            return value
        broken = self.broken_photos.get(value)
        if broken is not None:
            raise bad_request(broken)
        if (
            value.lower().startswith(("http://", "https://"))
            and "://" in value
            and " " not in value
        ):
            return value
        raise bad_request("wrong file identifier/HTTP URL specified")

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

    # ------------------------------------------------------------------ sending
    def api_sendmessage(self, p: Params) -> JSON:
        chat = self._target(p)
        text = p.text("text")
        parse_mode = p.text("parse_mode")
        plain, entities = format_text(
            text, parse_mode, p.obj("entities", "entities"), strict=self.strict_html
        )
        markup = validate_reply_markup(p.obj("reply_markup", "reply keyboard markup"))
        reply_to = self._reply_target(chat, p)
        preview = p.obj("link_preview_options", "link preview options")
        self._rate_limit("sendMessage", chat)
        message = self._new_message(chat, reply_to)
        message["text"] = plain
        if entities:
            message["entities"] = entities
        if preview:
            message["link_preview_options"] = preview
        if markup:
            message["reply_markup"] = markup
        self._store(chat, message)
        self._record_sent(
            SentMessage(
                "sendMessage",
                chat.id,
                message["message_id"],
                self.clock(),
                text=text,
                plain_text=plain,
                entities=entities,
                parse_mode=parse_mode,
                reply_markup=markup,
                disable_notification=p.flag("disable_notification"),
                reply_to_message_id=reply_to["message_id"] if reply_to else None,
                link_preview_options=preview,
                params=p.data,
            )
        )
        return message

    def api_sendphoto(self, p: Params) -> JSON:
        chat = self._target(p)
        source = self._photo_source(p.raw("photo"))
        caption = p.text("caption")
        parse_mode = p.text("parse_mode")
        plain, entities = format_text(
            caption,
            parse_mode,
            p.obj("caption_entities", "entities"),
            caption=True,
            strict=self.strict_html,
        )
        markup = validate_reply_markup(p.obj("reply_markup", "reply keyboard markup"))
        reply_to = self._reply_target(chat, p)
        self._rate_limit("sendPhoto", chat)
        message = self._new_message(chat, reply_to)
        message["photo"] = self._photo_sizes(source)
        if plain:
            message["caption"] = plain
            if entities:
                message["caption_entities"] = entities
        if markup:
            message["reply_markup"] = markup
        self._store(chat, message)
        self._record_sent(
            SentMessage(
                "sendPhoto",
                chat.id,
                message["message_id"],
                self.clock(),
                photo=source,
                caption=caption,
                plain_caption=plain,
                entities=entities,
                parse_mode=parse_mode,
                reply_markup=markup,
                disable_notification=p.flag("disable_notification"),
                reply_to_message_id=reply_to["message_id"] if reply_to else None,
                params=p.data,
            )
        )
        return message

    def api_copymessage(self, p: Params) -> JSON:
        chat = self._target(p)
        source_chat = self._resolve_chat(p.raw("from_chat_id"))
        original = source_chat.messages.get(p.number("message_id") or 0)
        if original is None:
            raise bad_request("message to copy not found")
        if "text" not in original and "photo" not in original:
            raise bad_request("message can't be copied")
        markup = validate_reply_markup(p.obj("reply_markup", "reply keyboard markup"))
        reply_to = self._reply_target(chat, p)
        caption = p.text("caption")
        if "photo" in original and caption is not None:
            plain, entities = format_text(
                caption, p.text("parse_mode"), None, caption=True, strict=self.strict_html
            )
        else:
            plain = original.get("text", original.get("caption", ""))
            entities = original.get("entities", original.get("caption_entities", []))
        self._rate_limit("copyMessage", chat)
        message = self._new_message(chat, reply_to)
        record = SentMessage(
            "copyMessage",
            chat.id,
            message["message_id"],
            self.clock(),
            entities=entities,
            reply_markup=markup,
            params=p.data,
            disable_notification=p.flag("disable_notification"),
        )
        if "text" in original:
            message["text"] = record.text = record.plain_text = plain
            if entities:
                message["entities"] = entities
        else:
            message["photo"] = original["photo"]
            record.photo = original["photo"][-1]["file_id"]
            if plain:
                message["caption"] = record.caption = record.plain_caption = plain
                if entities:
                    message["caption_entities"] = entities
        if markup:
            message["reply_markup"] = markup
        self._store(chat, message)
        self._record_sent(record)
        return {"message_id": message["message_id"]}

    def api_sendchataction(self, p: Params) -> bool:
        self._check_can_send(self._resolve_chat(p.raw("chat_id")))
        if p.text("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ editing
    def _edit_target(self, p: Params) -> tuple[FakeChat | None, JSON | None]:
        if p.text("inline_message_id"):
            return None, None
        chat = self._target(p)
        message_id = p.number("message_id")
        message = chat.messages.get(message_id or 0)
        if message is None:
            raise bad_request("message to edit not found")
        if message_id not in chat.bot_message_ids:
            raise bad_request("message can't be edited")
        return chat, message

    def _record_edit(
        self, method: str, chat: FakeChat | None, message: JSON | None, p: Params, **fields: Any
    ) -> JSON | bool:
        if chat is None or message is None:
            self._edits.append(
                EditRecord(
                    method,
                    None,
                    None,
                    self.clock(),
                    inline_message_id=p.text("inline_message_id"),
                    **fields,
                )
            )
            return True
        message["edit_date"] = int(time.time())
        self._edits.append(
            EditRecord(method, chat.id, message["message_id"], self.clock(), **fields)
        )
        return message

    def api_editmessagetext(self, p: Params) -> JSON | bool:
        chat, message = self._edit_target(p)
        text, parse_mode = p.text("text"), p.text("parse_mode")
        plain, entities = format_text(
            text, parse_mode, p.obj("entities", "entities"), strict=self.strict_html
        )
        markup = validate_reply_markup(p.obj("reply_markup", "reply keyboard markup"))
        if chat is not None and message is not None:
            if "text" not in message:
                raise bad_request("there is no text in the message to edit")
            if (message["text"], message.get("entities", []), message.get("reply_markup")) == (
                plain,
                entities,
                markup,
            ):
                raise bad_request(NOT_MODIFIED)
            self._rate_limit("editMessageText", chat)
            message["text"] = plain
            message.pop("entities", None)
            if entities:
                message["entities"] = entities
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
        return self._record_edit(
            "editMessageText",
            chat,
            message,
            p,
            text=text,
            plain_text=plain,
            parse_mode=parse_mode,
            reply_markup=markup,
        )

    def api_editmessagecaption(self, p: Params) -> JSON | bool:
        chat, message = self._edit_target(p)
        caption, parse_mode = p.text("caption"), p.text("parse_mode")
        plain, entities = format_text(
            caption,
            parse_mode,
            p.obj("caption_entities", "entities"),
            caption=True,
            strict=self.strict_html,
        )
        markup = validate_reply_markup(p.obj("reply_markup", "reply keyboard markup"))
        if chat is not None and message is not None:
            if "photo" not in message:
                raise bad_request("there is no caption in the message to edit")
            current = (
                message.get("caption", ""),
                message.get("caption_entities", []),
                message.get("reply_markup"),
            )
            if current == (plain, entities, markup):
                raise bad_request(NOT_MODIFIED)
            self._rate_limit("editMessageCaption", chat)
            for key in ("caption", "caption_entities", "reply_markup"):
                message.pop(key, None)
            if plain:
                message["caption"] = plain
            if entities:
                message["caption_entities"] = entities
            if markup:
                message["reply_markup"] = markup
        return self._record_edit(
            "editMessageCaption",
            chat,
            message,
            p,
            caption=caption,
            plain_text=plain,
            parse_mode=parse_mode,
            reply_markup=markup,
        )

    def api_editmessagereplymarkup(self, p: Params) -> JSON | bool:
        chat, message = self._edit_target(p)
        markup = validate_reply_markup(p.obj("reply_markup", "reply keyboard markup"))
        if chat is not None and message is not None:
            if message.get("reply_markup") == markup:
                raise bad_request(NOT_MODIFIED)
            self._rate_limit("editMessageReplyMarkup", chat)
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
        return self._record_edit("editMessageReplyMarkup", chat, message, p, reply_markup=markup)

    def api_deletemessage(self, p: Params) -> bool:
        chat = self._resolve_chat(p.raw("chat_id"))
        message_id = p.number("message_id") or 0
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        chat.bot_message_ids.discard(message_id)
        self.deleted.append((chat.id, message_id))
        return True

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
        return _scope_key(p.obj("scope", "bot command scope"), p.text("language_code"))

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


METHODS: dict[str, str] = {name[4:]: name for name in dir(BotApiMethods) if name.startswith("api_")}
