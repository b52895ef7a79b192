"""Only ``telegram.admins`` may use the admin commands: everyone else (a private user, a
group member — even the group's own administrator —, a channel post) gets a polite Arabic
refusal, nothing happens, and the attempt is logged (user id and command, never the
text). Admins see the admin commands in /help and in their own command menu."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.admin_helpers import admin_config
from tests.fakes.telegram import FakeTelegram
from tests.news import ask
from tests.service import running_service

REFUSED = "عذرًا، هذا الأمر متاح لمشرفي البوت فقط."
COMMANDS = ["/broadcast سر الرسالة", "/broadcast https://news.example/1", "/addfeed "
            "https://feeds.example/rss.xml", "/delfeed 1", "/pausefeed 1", "/resumefeed 1",
            "/feeds", "/stats"]
ADMIN_COMMANDS = ("broadcast", "feeds", "addfeed", "delfeed", "pausefeed", "resumefeed", "stats")


async def test_every_admin_command_refuses_everyone_else(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    user = fake.add_private_chat(first_name="مستخدم")
    owner = fake.add_user("صاحب المجموعة")
    group = fake.add_supergroup(creator=owner)
    channel = fake.add_channel("قناة")
    caplog.set_level(logging.WARNING, logger="handlers.admin_guard")
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        assert service.storage is not None
        feeds_before = await service.storage.feeds.list()
        for text in COMMANDS:
            assert (await ask(fake, user.id, text)).plain_text == REFUSED, text
            name, _, rest = text.partition(" ")
            addressed = f"{name}@newsbot_test_bot {rest}".strip()
            said = await ask(fake, group.id, addressed, from_user=owner)  # a group admin
            assert said.plain_text == REFUSED, text
            assert (await ask(fake, channel.id, addressed)).plain_text == REFUSED, text
        assert await service.storage.feeds.list() == feeds_before  # nothing changed
        assert await service.storage.broadcasts.get(1) is None
        assert not fake.edits() and not fake.sent(method="copyMessage")
        assert fake.calls_to("getChatMember") == []  # no per-group admin lookups needed
    refusals = [r.getMessage() for r in caplog.records if r.name == "handlers.admin_guard"]
    assert len(refusals) == 3 * len(COMMANDS)
    assert f"admin: refused /broadcast for user {user.id} in chat {user.id} (not an admin)" \
        in refusals
    assert f"admin: refused /stats for user {owner.id} in chat {group.id} (not an admin)" \
        in refusals
    assert f"admin: refused /feeds for user None in chat {channel.id} (not an admin)" \
        in refusals
    assert not any("سر الرسالة" in r or "news.example" in r for r in refusals)
    fake.assert_no_rate_limits()


async def test_admins_see_admin_commands_in_help_and_menu(tmp_path: Path,
                                                          fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    admin = fake.add_private_chat()
    user = fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [admin.id])):
        text = (await ask(fake, admin.id, "/help")).plain_text or ""
        assert "أوامر المشرفين" in text
        for name in ADMIN_COMMANDS:
            assert f"/{name} — " in text, name
        text = (await ask(fake, user.id, "/help")).plain_text or ""
        assert "أوامر المشرفين" not in text and "/broadcast" not in text
        group = fake.add_supergroup()
        text = (await ask(fake, group.id, "/help@newsbot_test_bot", from_user=admin.user))
        assert "أوامر المشرفين" not in (text.plain_text or "")  # not shown to a group
        public = [c["command"] for c in fake.commands]
        assert not set(ADMIN_COMMANDS) & set(public)
        await fake.wait_for(lambda f: f.my_commands({"type": "chat", "chat_id": admin.id}),
                            what="the admin's command menu")
        menu = [c["command"] for c in fake.my_commands({"type": "chat", "chat_id": admin.id})]
        assert menu[:len(public)] == public and set(ADMIN_COMMANDS) <= set(menu)
        # an unknown command is still answered as unknown; admin commands are known ones
        assert "لا أعرف الأمر" in ((await ask(fake, admin.id, "/frobnicate")).plain_text or "")
        assert (await ask(fake, admin.id, "/stats")).plain_text.startswith("📊 إحصاءات البوت")
