"""Message-producing Bot API methods of the fake: send, copy, edit, delete, chat action.

sendMessage, sendPhoto, copyMessage and the three edits pass through the rate limiter
(`RateLimits`); deleteMessage and sendChatAction do not. Every accepted message is
stored in its chat (``FakeChat.messages``, current state after edits) and recorded as a
`SentMessage` or `EditRecord`.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from tests.fakes.telegram_api import BotApiMethods
from tests.fakes.telegram_model import JSON, EditRecord, FakeChat, SentMessage, bad_request
from tests.fakes.telegram_validate import Params, format_text, validate_reply_markup

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class MessageMethods(BotApiMethods):
    """sendMessage, sendPhoto, copyMessage, sendChatAction, edits and deleteMessage."""

    # ------------------------------------------------------------------ helpers
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
        plain: str
        entities: list[JSON]
        if "photo" in original and caption is not None:
            plain, entities = format_text(
                caption, p.text("parse_mode"), None, caption=True, strict=self.strict_html
            )
        else:
            plain = str(original.get("text") or original.get("caption") or "")
            entities = list(original.get("entities") or original.get("caption_entities") or [])
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
