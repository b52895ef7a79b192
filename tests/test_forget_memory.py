"""After /forget the running service holds nothing of the chat in memory either: every
object reachable from the service is walked (tests/memory.py), so a structure added
later that keeps a chat id is caught too. The chats use everything that keeps state in
memory first: replies (the send limiter), deliveries and a digest (the worker, the
gates, the digest runner), /search and /sources pages, an inline query, /latest, an
admin's copy broadcast (the tracker, the worker's broadcast cache), and a group's admin
check (the getChatMember cache). What may stay is listed in ``ALLOWED``, with why; what
goes by itself within seconds is waited for (up to 3 s)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.app import Service
from bot.render.bidi import rtl_text
from tests.admin_helpers import admin_config, buttons, final_edit
from tests.fakes.telegram import FakeTelegram, FakeUser
from tests.memory import holders, service_roots
from tests.news import ask, eventually, store
from tests.service import chat_rows, running_service
from tests.test_forget import CONFIRM, draft, final_reports, sent_out
from tests.test_races import FORGOTTEN, errors, until

PRIVATE = 7_700_000_123  # distinctive: no other number or text of a run holds it
GROUP = -1_007_700_000_456
BOT = "@newsbot_test_bot"


#: What may stay after /forget, each with its reason (the start of its path, as
#: tests/memory.py writes it).
ALLOWED = {
    "service.config.telegram.admins[":
        "the operator's config names the admin (the private chat here): /forget does not "
        "edit the config file, nor what was read of it",
    f"app.bot._rate_limiter._chats<key '{GROUP}'>":
        "a group's send window (20 a minute) is kept until its last send is a minute old, "
        "so a group that comes back at once is still paced; then it goes "
        "(tests/test_ratelimit.py)",
}


async def _held_after(service: Service, seconds: float) -> list[str]:
    """What still holds either chat's id after waiting up to ``seconds`` for what goes
    by itself within seconds (a private chat's send limiter goes a second after the
    chat's last message), ``ALLOWED`` aside."""
    roots = service_roots(service)
    deadline = time.monotonic() + seconds
    while True:
        held = [path for chat_id in (PRIVATE, GROUP) for path in holders(roots, chat_id)
                if not path.startswith(tuple(ALLOWED))]
        if not held or time.monotonic() > deadline:
            return held
        await asyncio.sleep(0.2)


async def _forget(fake: FakeTelegram, chat_id: int, **kwargs: object) -> None:
    prompt = await ask(fake, chat_id, f"/forget{BOT}" if chat_id < 0 else "/forget",
                       **kwargs)
    fake.inject_callback(chat_id, prompt.message_id, prompt.buttons[0]["callback_data"],
                         **kwargs)  # type: ignore[arg-type]
    await fake.wait_for(lambda f: any(e.plain_text == rtl_text(FORGOTTEN)
                                      for e in f.edits(chat_id)))


async def _use_everything(service: Service, fake: FakeTelegram, admin: FakeUser) -> None:
    """The private chat and the group use every command that keeps something."""
    await ask(fake, PRIVATE, "/start")
    await ask(fake, GROUP, f"/start{BOT}", from_user=admin)
    for i in range(7):  # two pages of results
        await store(service, f"الحكومة تعلن الخطة رقم {i}")

    async def delivered() -> bool:
        return all(any("رقم 6" in (m.plain_text or "") for m in fake.sent(c))
                   for c in (PRIVATE, GROUP))

    await eventually(delivered)
    results = await ask(fake, PRIVATE, "/search الحكومة")
    answered = len(fake.callback_answers)
    fake.inject_callback(PRIVATE, results.message_id, results.buttons[-1]["callback_data"])
    listing = await ask(fake, PRIVATE, "/sources")
    fake.inject_callback(PRIVATE, listing.message_id, listing.buttons[1]["callback_data"])
    await fake.wait_for_callback_answers(answered + 2)
    fake.inject_inline_query("الحكومة", from_user=fake.users[PRIVATE])
    await fake.wait_for_inline_answers(1)
    await ask(fake, PRIVATE, "/latest 2")
    await ask(fake, PRIVATE, "/digest hourly")
    await store(service, "الحكومة تعلن خطة الطوارئ")
    before = len(fake.sent(PRIVATE))
    fake.inject_message(PRIVATE, "/digest off")  # what waits goes out as a digest
    await fake.wait_for_messages(PRIVATE, before + 2)
    await ask(fake, GROUP, f"/mysubs{BOT}", from_user=admin)
    # the private chat is an admin's: a copy of its message goes to every chat
    original = fake.inject_message(PRIVATE, "رسالة تُنسخ إلى الجميع")
    footer = await draft(fake, PRIVATE, "/broadcast", reply_to=original["message_id"])
    fake.inject_callback(PRIVATE, footer.message_id, buttons(footer)[CONFIRM])
    await sent_out(service, 1)
    await final_reports(service, 1)
    await fake.wait_for(lambda f: final_edit(f, PRIVATE, 1))
    await _forget(fake, GROUP, from_user=admin)
    await _forget(fake, PRIVATE)


async def test_nothing_of_a_forgotten_chat_stays_in_memory(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    fake.add_private_chat(user_id=PRIVATE)
    admin = fake.add_user("مشرف المجموعة")
    fake.add_supergroup("مجموعة", chat_id=GROUP, admins=[admin.id])
    fake.set_limits(group_per_window=1000)
    async with running_service(admin_config(tmp_path, fake, [PRIVATE])) as service:
        await _use_everything(service, fake, admin)
        assert chat_rows(service, PRIVATE) == {} == chat_rows(service, GROUP)
        app = service.app
        assert app is not None  # the last handler returned (it read the edit's answer)
        await until(lambda: app.update_processor.current_concurrent_updates == 0)
        held = await _held_after(service, seconds=3.0)
        assert not held, "still in memory:\n" + "\n".join(held)
    assert errors(caplog) == []
