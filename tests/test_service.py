"""End to end: the real service against the fake Bot API, in-process and as a process."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.fakes.telegram import FakeTelegram
from tests.news import fast_config, register, store
from tests.service import run_cli, running_service, spawn, write_config

FEEDS = [
    {"url": "https://a.example/rss", "name": "المصدر أ", "category": "عام", "default": True},
    {"url": "https://b.example/rss", "name": "المصدر ب", "default": False},
]


async def test_start_welcomes_in_arabic_and_registers(tmp_path: Path,
                                                      fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat(first_name="سارة")
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)
    async with running_service(config) as service:
        assert [c["command"] for c in fake_telegram.commands][:2] == ["start", "help"]
        assert all(c["description"] for c in fake_telegram.commands)
        fake_telegram.inject_message(chat.id, "/start")
        [welcome] = await fake_telegram.wait_for_messages(chat.id, 1)
        assert "أهلًا بك" in welcome.plain_text
        assert "(1)" in welcome.plain_text  # one default feed
        subs = await service.storage.subscriptions.list(chat.id)
        assert [s.display for s in subs] == ["المصدر أ"]
        fake_telegram.inject_message(chat.id, "/help")
        _, help_msg = await fake_telegram.wait_for_messages(chat.id, 2)
        assert "/start" in help_msg.plain_text and "الأوامر" in help_msg.plain_text
    fake_telegram.assert_no_rate_limits()


async def test_restart_keeps_the_chat(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)
    async with running_service(config):
        fake_telegram.inject_message(chat.id, "/start")
        await fake_telegram.wait_for_messages(chat.id, 1)
    async with running_service(config) as service:
        fake_telegram.inject_message(chat.id, "/start")
        _, again = await fake_telegram.wait_for_messages(chat.id, 2)
        assert "بعودتك" in again.plain_text
        assert (await service.storage.stats())["chats_active"] == 1


async def test_group_command_addressed_to_the_bot(tmp_path: Path,
                                                  fake_telegram: FakeTelegram) -> None:
    admin = fake_telegram.add_user("مشرف")
    group = fake_telegram.add_supergroup("مجموعة الأخبار", admins=[admin.id])
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)
    async with running_service(config) as service:
        fake_telegram.inject_message(group.id, f"/start@{fake_telegram.bot.username}",
                                     from_user=admin)
        await fake_telegram.wait_for_messages(group.id, 1)
        fake_telegram.inject_message(group.id, "/start@some_other_bot", from_user=admin)
        await fake_telegram.wait_for_updates_consumed()
        chat = await service.storage.chats.get(group.id)
        assert chat is not None and chat.type == "supergroup" and chat.title == "مجموعة الأخبار"
    assert len(fake_telegram.sent(group.id)) == 1


async def test_process_answers_survives_sigterm_and_restarts(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)
    child = await spawn("run", "--config", str(config))
    try:
        await fake_telegram.wait_for_polling(timeout=20)
        fake_telegram.inject_message(chat.id, "/start")
        await fake_telegram.wait_for_messages(chat.id, 1, timeout=10)
    finally:
        code = await child.terminate(signal.SIGTERM)
    assert code == 0, child.text
    assert "stopped cleanly" in child.text
    assert fake_telegram.token not in child.text  # never logged

    child = await spawn("run", "--config", str(config))
    try:
        await fake_telegram.wait_for_polling(timeout=20)
        fake_telegram.inject_message(chat.id, "/start")
        _, again = await fake_telegram.wait_for_messages(chat.id, 2, timeout=10)
        assert "بعودتك" in again.plain_text
    finally:
        assert await child.terminate(signal.SIGINT) == 0, child.text

    code, out = await run_cli("stats", "--config", str(config))
    assert code == 0 and "chats_active         1" in out, out


async def test_rejected_token_is_one_line_and_exit_1(tmp_path: Path,
                                                     fake_telegram: FakeTelegram) -> None:
    bad = "999999:WrongTokenWrongTokenWrongToken123"
    config = write_config(tmp_path, fake_telegram, token=bad)
    code, out = await run_cli("run", "--config", str(config))
    assert code == 1
    assert "token was rejected by the server (401)" in out
    assert "Traceback" not in out and bad not in out


async def test_unopenable_database_is_one_line_without_a_thread_traceback(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """SQLite cannot open the file (a link into a missing folder): one line, exit 1. Before,
    two tracebacks from aiosqlite's thread followed it ("Event loop is closed")."""
    config = write_config(tmp_path, fake_telegram)
    (tmp_path / "newsbot.sqlite3").symlink_to(tmp_path / "missing" / "db.sqlite3")
    code, out = await run_cli("run", "--config", str(config))
    assert code == 1
    assert out.strip().splitlines() == [
        f"newsbot: storage: cannot open {tmp_path / 'newsbot.sqlite3'} (unable to open"
        " database file); does its folder exist?"], out


async def test_corrupt_database_is_one_line_and_exit_1(tmp_path: Path,
                                                       fake_telegram: FakeTelegram) -> None:
    config = write_config(tmp_path, fake_telegram)
    (tmp_path / "newsbot.sqlite3").write_bytes(b"garbage" * 1000)
    code, out = await run_cli("run", "--config", str(config))
    assert code == 1 and "not a usable SQLite database" in out
    assert "Traceback" not in out
    assert (tmp_path / "newsbot.sqlite3").read_bytes() == b"garbage" * 1000


async def test_check_config_cli(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    config = write_config(tmp_path, fake_telegram, feeds=FEEDS)
    code, out = await run_cli("check-config", "--config", str(config))
    assert code == 0 and out.startswith("OK: ") and "2 feed(s)" in out
    config.write_text(config.read_text() + "\n[polling]\nbogus = 1\n")
    code, out = await run_cli("check-config", "--config", str(config))
    assert code == 2 and "Traceback" not in out
    broken = tmp_path / "broken.toml"
    broken.write_text('[telegram]\ntoken = "1:x"\nadmins = ["me"]\n[delivery]\nnope = 1\n')
    code, out = await run_cli("check-config", "--config", str(broken))
    assert code == 2
    assert "telegram.admins" in out and "delivery.nope: unknown key" in out


async def test_a_slow_start_still_starts_delivery(tmp_path: Path,
                                                  fake_telegram: FakeTelegram) -> None:
    """The delivery worker starts from a one-off job scheduled before the application
    starts, and PTB's job queue skipped a job more than a second late: when start-up took
    longer (here getMe answers after 1.5 s; in bench/soak.py a busy machine), nothing was
    ever delivered until a restart."""
    chat = fake_telegram.add_private_chat()
    fake_telegram.delay_next("getMe", 1.5)
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        await register(service, chat.id)
        await store(service, "خبر بعد بداية بطيئة")
        [news] = await fake_telegram.wait_for_messages(chat.id, 1)
    assert "خبر بعد بداية بطيئة" in (news.plain_text or "")
