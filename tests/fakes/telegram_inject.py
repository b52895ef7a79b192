"""Injecting updates into the fake Telegram: what users, channels and Telegram itself do.

Each ``inject_*`` builds a well-formed Update (the shapes PTB de-jsons), queues it for
the bot's next getUpdates and returns what a test needs to follow up (the Message, or the
query id to expect an answer for).
"""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.telegram_html import utf16_len
from tests.fakes.telegram_model import JSON, FakeChat, FakeUser
from tests.fakes.telegram_state import TelegramState


class UpdateInjection(TelegramState):
    """The ``inject_*`` half of the test API."""

    # ------------------------------------------------------------------ updates
    def inject_update(self, update: JSON) -> JSON:
        """Queue a raw update (its ``update_id`` is assigned when missing)."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
        self._updates.append(update)
        self._notify_updates()
        return update

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot (getUpdates offset)."""
        return len(self._updates)

    def _now(self) -> int:
        return int(time.time())

    def _sender_fields(self, chat: FakeChat, from_user: FakeUser | None) -> JSON:
        if chat.type == "channel":
            return {"sender_chat": chat.json()}
        if from_user is None:
            from_user = chat.user if chat.type == "private" and chat.user else self.default_user
        chat.members.add(from_user.id)
        return {"from": from_user.json()}

    def _user_message(self, chat: FakeChat, from_user: FakeUser | None, **content: Any) -> JSON:
        message: JSON = {"message_id": chat.take_message_id()}
        message.update(self._sender_fields(chat, from_user))
        message.update({"chat": chat.json(), "date": self._now()})
        message.update(content)
        chat.messages[message["message_id"]] = message
        return message

    def inject_message(
        self,
        chat_id: int,
        text: str,
        *,
        from_user: FakeUser | None = None,
        reply_to: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A user (or, in a channel, the channel) writes ``text``; returns the Message.

        A leading ``/command`` (also ``/command@botname args``) gets its bot_command
        entity; ``reply_to`` makes it a reply to that message of the same chat.
        """
        chat = self.chat(chat_id)
        content: JSON = {"text": text}
        ents = list(entities or [])
        if text.startswith("/") and len(text) > 1 and not entities:
            command = text.split(maxsplit=1)[0]
            ents.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        if ents:
            content["entities"] = ents
        if reply_to is not None:
            original = chat.messages.get(reply_to)
            if original is None:
                raise ValueError(f"chat {chat_id} has no message {reply_to} to reply to")
            content["reply_to_message"] = {
                k: v for k, v in original.items() if k != "reply_to_message"
            }
        message = self._user_message(chat, from_user, **content)
        kind = "channel_post" if chat.type == "channel" else "message"
        self.inject_update({kind: message})
        return message

    def inject_callback(
        self, chat_id: int, message_id: int, data: str, *, from_user: FakeUser | None = None
    ) -> str:
        """A user presses a callback button on a message the bot sent; returns the query id."""
        chat = self.chat(chat_id)
        message = chat.messages.get(message_id)
        if message is None or message_id not in chat.bot_message_ids:
            raise ValueError(f"the bot sent no message {message_id} in chat {chat_id}")
        if from_user is None:
            from_user = chat.user if chat.type == "private" and chat.user else self.default_user
        query_id = str(next(self._query_ids))
        query = {
            "id": query_id,
            "from": from_user.json(),
            "message": message,
            "chat_instance": str(abs(chat.id) * 7919 % 10**18),
            "data": data,
        }
        self._pending_callbacks[query_id] = query
        self.inject_update({"callback_query": query})
        return query_id

    def inject_inline_query(
        self,
        query: str,
        *,
        offset: str = "",
        from_user: FakeUser | None = None,
        chat_type: str | None = "sender",
    ) -> str:
        """A user types ``@bot query``; returns the inline query id to expect answers for."""
        user = from_user or self.default_user
        query_id = str(next(self._query_ids))
        payload: JSON = {"id": query_id, "from": user.json(), "query": query, "offset": offset}
        if chat_type:
            payload["chat_type"] = chat_type
        self._pending_inline[query_id] = payload
        self.inject_update({"inline_query": payload})
        return query_id

    def _member_json(self, user: FakeUser, status: str) -> JSON:
        data: JSON = {"user": user.json(), "status": status}
        if status == "kicked":
            data["until_date"] = 0
        elif status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_post_messages=True,
                can_edit_messages=True,
                can_pin_messages=True,
            )
        return data

    def inject_my_chat_member(
        self,
        chat_id: int,
        status: str,
        *,
        old_status: str | None = None,
        from_user: FakeUser | None = None,
    ) -> JSON:
        """The bot's membership changes (added, promoted, removed, blocked/unblocked).

        ``status``: "member", "administrator", "left" or "kicked" (for a private chat
        "kicked" means the user blocked the bot). The chat's state follows.
        """
        chat = self.chat(chat_id)
        if old_status is None:
            old_status = "kicked" if chat.blocked or chat.kicked else chat.bot_status
        if from_user is None:
            from_user = chat.user if chat.type == "private" and chat.user else self.default_user
        if chat.type == "private":
            chat.blocked = status == "kicked"
        else:
            chat.kicked = status == "kicked"
        chat.bot_status = status
        payload = {
            "chat": chat.json(),
            "from": from_user.json(),
            "date": self._now(),
            "old_chat_member": self._member_json(self.bot, old_status),
            "new_chat_member": self._member_json(self.bot, status),
        }
        self.inject_update({"my_chat_member": payload})
        return payload

    def migrate_group(
        self, chat_id: int, *, new_chat_id: int | None = None, from_user: FakeUser | None = None
    ) -> FakeChat:
        """Upgrade a basic group to a supergroup, queueing both service messages.

        Afterwards sends to the old id answer 400 "group chat was upgraded to a
        supergroup chat" with ``parameters.migrate_to_chat_id`` (PTB: ChatMigrated).
        """
        old = self.chat(chat_id)
        if old.type != "group":
            raise ValueError(f"only basic groups migrate; chat {chat_id} is a {old.type}")
        new = self.add_supergroup(old.title or "", chat_id=new_chat_id, admins=old.admins)
        new.creator_id, new.members, new.bot_status = (
            old.creator_id,
            set(old.members),
            old.bot_status,
        )
        old.migrated_to = new.id
        user = from_user or (self.users.get(old.creator_id) if old.creator_id else None)
        self.inject_update({"message": self._user_message(old, user, migrate_to_chat_id=new.id)})
        self.inject_update({"message": self._user_message(new, user, migrate_from_chat_id=old.id)})
        return new
