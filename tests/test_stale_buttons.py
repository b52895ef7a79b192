"""Every button refused for being stale, forged or unknown gets one answer,
``bot.callbacks.STALE_BUTTON`` (followed by what to do next where there is something):
the unknown-button fallback, /forget, /sources, /search and /broadcast buttons."""

from __future__ import annotations

from pathlib import Path

from bot.callbacks import STALE_BUTTON
from bot.render.bidi import rtl_text
from tests.admin_helpers import admin_config
from tests.fakes.telegram import FakeTelegram
from tests.news import ask
from tests.service import running_service


async def test_every_stale_or_forged_button_gets_the_same_answer(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [admin.id], feeds=[])) as service:
        codec = service.services.callbacks
        started = await ask(fake, admin.id, "/start")
        presses = {  # data -> the hint after the shared text ("" for none)
            "garbage": "",  # unknown: nobody's
            codec.encode("zz", 1): "",  # genuine, of a kind nobody handles (since removed)
            "fg:y:AAAAAAAAAAA": "",  # /forget's confirmation, forged
            codec.encode("fg", "x"): "",  # genuine, unknown choice
            "src:t:1:0:AAAAAAAAAAA": "أرسل /sources لعرض القائمة من جديد.",
            codec.encode("src", "p", "x"): "أرسل /sources لعرض القائمة من جديد.",
            "s:p:1:1:AAAAAAAAAAA": "أعد البحث بالأمر /search.",
            codec.encode("s", "q", 1, 1): "أعد البحث بالأمر /search.",
            "bc:c:1:AAAAAAAAAAA": "",  # /broadcast's confirmation, forged
            codec.encode("bc", "c", 999): "",  # genuine, of a broadcast that is not there
        }
        for data in presses:
            fake.inject_callback(admin.id, started.message_id, data)
        answers = await fake.wait_for_callback_answers(len(presses))
        assert [a.text for a in answers] == [
            rtl_text(f"{STALE_BUTTON} {hint}" if hint else STALE_BUTTON)
            for hint in presses.values()]
    fake.assert_no_rate_limits()
