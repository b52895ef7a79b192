"""The people of bench/soak.py: chats and what they do, all through the fake Bot API.

:func:`make_world` creates the private chats, the supergroups (each with an admin user)
and the bot admin's chat in the fake; :func:`subscribe_all` sends what a new user sends:
``/start`` (the default feeds), ``/subscribe`` one growing feed by id, sometimes a
category and a keyword, and for some private chats ``/timezone UTC`` + ``/digest daily
HH:MM`` (a time inside the run) or ``/digest hourly``. Then, while the soak runs:
:func:`traffic` (``/search``, a results page button, ``/latest``, inline queries,
``/mysubs``), :func:`broadcast` (``/broadcast`` by the admin, confirmed with its button)
and :func:`block_some` (users block the bot, groups remove it: half of them with the
``my_chat_member`` update Telegram sends, half found out by a 403 on the next send).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from soak_feeds import CATEGORIES, grows

from tests.fakes.telegram_control import RemoteFakeTelegram

KEYWORDS = ["غزة", "النفط", "الانتخابات", "الرئيس", "مجلس الأمن", "كورونا"]


@dataclass
class World:
    bot: str
    admin: int
    private: list[int]
    groups: dict[int, int]  # chat id -> its admin's user id
    digest: list[int] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    commands: int = 0  # commands sent during setup (each gets one reply)
    broadcasts: int = 0
    actions: dict[str, int] = field(default_factory=dict)

    def active(self) -> list[int]:
        return [c for c in [*self.private, *self.groups] if c not in self.blocked]

    def command(self, chat: int, text: str) -> tuple[str, dict[str, Any]]:
        """``text`` as ``chat`` sends it: addressed to the bot and from its admin in groups."""
        if chat in self.groups:
            word, _, rest = text.partition(" ")
            return f"{word}@{self.bot} {rest}".strip(), {"from_user_id": self.groups[chat]}
        return text, {}


async def _gather(jobs: list[Any], limit: int = 32) -> list[Any]:
    sem = asyncio.Semaphore(limit)

    async def one(job: Any) -> Any:
        async with sem:
            return await job

    return list(await asyncio.gather(*(one(j) for j in jobs)))


async def make_world(fake: RemoteFakeTelegram, privates: int, groups: int) -> World:
    admin = int((await fake.add_chat("private", first_name="المشرف"))["id"])
    chats = await _gather([fake.add_chat("private", first_name=f"قارئ {i}")
                           for i in range(privates)])
    users = await _gather([fake.add_user(first_name=f"مشرف مجموعة {i}") for i in range(groups)])
    made = await _gather([fake.add_chat("supergroup", title=f"مجموعة أخبار {i}",
                                        admins=[u["id"]]) for i, u in enumerate(users)])
    info = fake.info["bot"]
    return World(bot=info["username"], admin=admin, private=[int(c["id"]) for c in chats],
                 groups={int(g["id"]): int(u["id"]) for g, u in zip(made, users, strict=True)})


async def send(fake: RemoteFakeTelegram, world: World, chat: int, text: str) -> None:
    text, fields = world.command(chat, text)
    await fake.inject_message(chat, text, **fields)


async def subscribe_all(fake: RemoteFakeTelegram, world: World, feed_ids: dict[int, int],
                        rng: random.Random, minutes: float) -> None:
    """Setup commands (see the module docstring); ``feed_ids``: feed number -> id."""
    growing = [feed_ids[n] for n in sorted(feed_ids) if grows(n)]
    start = datetime.now(UTC)
    scripts: dict[int, list[str]] = {world.admin: ["/start"]}
    for chat in world.private + list(world.groups):
        targets = [str(rng.choice(growing))]
        if rng.random() < 0.2:
            targets.append(rng.choice(CATEGORIES))
        if rng.random() < 0.3:
            targets.append(rng.choice(KEYWORDS))
        scripts[chat] = ["/start", "/subscribe " + "، ".join(targets)]
    for chat in world.private:
        draw = rng.random()
        if draw < 0.10:  # a daily digest due between a quarter and three quarters in
            at = start + timedelta(minutes=minutes * rng.uniform(0.25, 0.75) + 1)
            scripts[chat] += ["/timezone UTC", f"/digest daily {at:%H:%M}"]
            world.digest.append(chat)
        elif draw < 0.15:
            scripts[chat] += ["/digest hourly"]
            world.digest.append(chat)

    async def run(chat: int, lines: list[str]) -> None:
        for line in lines:
            await send(fake, world, chat, line)

    world.commands = sum(len(lines) for lines in scripts.values())
    await _gather([run(c, lines) for c, lines in scripts.items()], limit=16)


async def wait_replies(fake: RemoteFakeTelegram, count: int, timeout: float) -> int:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        sent = int((await fake.stats())["sent"])
        if sent >= count or loop.time() > deadline:
            return sent
        await asyncio.sleep(0.5)


async def traffic(fake: RemoteFakeTelegram, world: World, words: list[str],
                  rng: random.Random) -> None:
    """One reader action (see the module docstring)."""
    chat = rng.choice(world.active())
    draw = rng.random()
    if draw < 0.35:
        kind = "search"
        query = " ".join(rng.sample(words, rng.choice((1, 1, 2))))
        await send(fake, world, chat, f"/search {query}")
    elif draw < 0.42:
        kind = "search page"
        await _search_page(fake, world, chat, rng.choice(words))
    elif draw < 0.65:
        kind = "latest"
        await send(fake, world, chat, f"/latest {rng.choice((3, 5, 10))}")
    elif draw < 0.90:
        kind = "inline"
        user = rng.choice([c for c in world.private if c not in world.blocked])
        query = rng.choice(["", *words])
        await fake.inject_inline_query(query, from_user_id=user)
    else:
        kind = "mysubs"
        await send(fake, world, chat, "/mysubs")
    world.actions[kind] = world.actions.get(kind, 0) + 1


async def _search_page(fake: RemoteFakeTelegram, world: World, chat: int, word: str) -> None:
    """/search, then its next-page button when the answer has one."""
    before = len(await fake.sent(chat))
    await send(fake, world, chat, f"/search {word}")
    message = await _wait_message(fake, chat, before, lambda m: bool(_buttons(m, ":p:")))
    if message is not None:
        button = _buttons(message, ":p:")[0]
        fields = {"from_user_id": world.groups[chat]} if chat in world.groups else {}
        await fake.inject_callback(chat, message["message_id"], button, **fields)


def _buttons(message: dict[str, Any], part: str) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row
            if part in str(b.get("callback_data", ""))]


async def _wait_message(fake: RemoteFakeTelegram, chat: int, since: int, wanted: Any,
                        timeout: float = 20.0) -> dict[str, Any] | None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for message in await fake.sent(chat, since=since):
            if wanted(message):
                return message
        await asyncio.sleep(0.5)
    return None


async def broadcast(fake: RemoteFakeTelegram, world: World) -> bool:
    """The admin broadcasts a short text and confirms it; False when no confirm button
    came (the run goes on; the check counts what was sent)."""
    world.broadcasts += 1
    before = len(await fake.sent(world.admin))
    await fake.inject_message(world.admin, f"/broadcast بث تجريبي رقم {world.broadcasts}: "
                                           "رسالة قصيرة من اختبار التحمّل.")
    message = await _wait_message(fake, world.admin, before,
                                  lambda m: bool(_buttons(m, "bc:c:")))
    if message is None:
        return False
    await fake.inject_callback(world.admin, message["message_id"],
                               _buttons(message, "bc:c:")[0])
    return True


async def block_some(fake: RemoteFakeTelegram, world: World, rng: random.Random,
                     share: float) -> list[int]:
    """``share`` of the private chats block the bot and of the groups remove it."""
    privates = [c for c in world.private if c not in world.blocked]
    groups = [c for c in world.groups if c not in world.blocked]
    chosen = rng.sample(privates, max(1, int(len(privates) * share)))
    chosen += rng.sample(groups, max(1, int(len(groups) * share))) if groups else []
    for i, chat in enumerate(chosen):
        world.blocked.add(chat)
        if i % 2:
            await fake.inject_my_chat_member(chat, "kicked")
        elif chat in world.groups:
            await fake.set_chat_state(chat, kicked=True)
        else:
            await fake.set_chat_state(chat, blocked=True)
    return chosen
