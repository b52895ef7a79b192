"""Subscription operations behind the chat commands (async, over storage).

Limits keep one chat from making matching expensive for everyone: at most
``MAX_KEYWORDS`` keyword subscriptions and ``MAX_SUBSCRIPTIONS`` in all per chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage import Chat, Storage
from bot.subscribers.targets import (
    MAX_CHARS,
    MAX_TARGETS,
    Target,
    matches_subscription,
    resolve,
    split_targets,
)

MAX_KEYWORDS = 50
MAX_SUBSCRIPTIONS = 200


@dataclass(frozen=True, slots=True)
class Change:
    """One target's result: ``status`` added, exists, removed, missing, limit, refused
    (then ``target.error`` says why) or skipped (past the first :data:`MAX_TARGETS` of
    one command: not looked at)."""

    target: Target
    status: str


async def start(storage: Storage, chat_id: int, chat_type: str, title: str | None,
                username: str | None) -> tuple[Chat, str, int]:
    """/start: register the chat. Returns (chat, "new" | "back" | "restarted", number of
    subscriptions). A returning chat without subscriptions (after /stop) gets the
    default sources again."""
    chat, is_new = await storage.chats.register(chat_id, chat_type, title, username)
    count = await storage.subscriptions.count(chat.id)
    if is_new:
        return chat, "new", count
    if count == 0:
        return chat, "restarted", await storage.subscriptions.add_defaults(chat.id)
    return chat, "back", count


def _skipped(parts: list[str]) -> list[Change]:
    return [Change(Target("keyword", display=part), "skipped") for part in parts[MAX_TARGETS:]]


async def subscribe(storage: Storage, chat_id: int, text: str) -> list[Change]:
    parts = split_targets(text)
    if not parts:
        return [Change(Target("keyword", display=text, error="empty"), "refused")]
    feeds = await storage.feeds.list()
    categories = await storage.subscriptions.categories()
    changes = []
    for part in parts[:MAX_TARGETS]:
        target = resolve(part, feeds, categories)
        if target.error:
            changes.append(Change(target, "refused"))
            continue
        total = await storage.subscriptions.count(chat_id)
        keywords = await storage.subscriptions.count(chat_id, "keyword")
        if total >= MAX_SUBSCRIPTIONS or (target.kind == "keyword" and keywords >= MAX_KEYWORDS):
            changes.append(Change(target, "limit"))
            continue
        added = await storage.subscriptions.add(chat_id, target.kind, target.value,
                                                target.display, target.feed_id)
        changes.append(Change(target, "added" if added else "exists"))
    if any(c.status == "added" for c in changes):
        await storage.chat_settings.reactivate(chat_id)
    return changes + _skipped(parts)


async def unsubscribe(storage: Storage, chat_id: int, text: str) -> list[Change]:
    parts = split_targets(text)
    if not parts:
        return [Change(Target("keyword", display=text, error="empty"), "refused")]
    subs = await storage.subscriptions.list(chat_id)
    changes = []
    for part in parts[:MAX_TARGETS]:
        if len(part) > MAX_CHARS:
            changes.append(Change(Target("keyword", display=part, error="too_long"), "refused"))
            continue
        found = next((s for s in subs
                      if matches_subscription(part, s.kind, s.value, s.display)), None)
        if found is None:
            changes.append(Change(Target("keyword", display=part.lstrip("#")), "missing"))
            continue
        await storage.subscriptions.remove(chat_id, found.kind, found.value)
        subs.remove(found)
        changes.append(Change(Target(found.kind, found.value, found.display, found.feed_id),
                              "removed"))
    return changes + _skipped(parts)


async def toggle_feed(storage: Storage, chat_id: int, feed_id: int) -> tuple[str, str] | None:
    """The /sources button: subscribe or unsubscribe a feed. Returns (added | removed,
    feed name) or None when the feed no longer exists."""
    feed = await storage.feeds.get(feed_id)
    if feed is None:
        return None
    if await storage.subscriptions.remove(chat_id, "feed", str(feed.id)):
        return "removed", feed.name
    await storage.subscriptions.add(chat_id, "feed", str(feed.id), feed.name, feed.id)
    await storage.chat_settings.reactivate(chat_id)
    return "added", feed.name
