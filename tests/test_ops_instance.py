"""Single instance: two ``newsbot run`` on one database; only the lease holder answers,
the standby takes over after the holder is SIGKILLed."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from pathlib import Path

from bot.app import serve
from bot.errors import NewsbotError
from bot.storage import _lease
from tests.fakes.telegram import FakeTelegram
from tests.service import Child, load, run_cli, spawn, write_config

LEASE = 3.0


async def read_until(child: Child, text: str, timeout: float) -> None:  # noqa: ASYNC109
    """Read the child's output line by line (kept in ``child.output``) until ``text``."""
    assert child.proc.stdout is not None
    deadline = time.monotonic() + timeout
    while text not in child.text:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {text!r} within {timeout}s; output:\n{child.text}")
        try:
            line = await asyncio.wait_for(child.proc.stdout.readline(), left)
        except TimeoutError:
            continue
        if not line:
            raise AssertionError(f"exited before {text!r}; output:\n{child.text}")
        child.output += line


async def test_standby_takes_over_after_sigkill(tmp_path: Path,
                                                fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    config = write_config(tmp_path, fake_telegram)
    args = ("run", "--config", str(config), "--lease-seconds", str(LEASE))
    first = await spawn(*args)
    second: Child | None = None
    try:
        await read_until(first, "app: running as", 20)
        second = await spawn(*args)
        await read_until(second, "waiting as a standby", 20)
        assert "holding it for" in second.text  # names the holder and its age

        fake_telegram.inject_message(chat.id, "/start")
        await fake_telegram.wait_for_messages(chat.id, 1, timeout=10)
        await asyncio.sleep(0.5)
        assert len(fake_telegram.sent(chat.id)) == 1  # answered once, by the holder
        assert len(fake_telegram.calls_to("getMe")) == 1  # the standby never called out

        # A third one told not to wait exits at once with a clear message.
        code, out = await run_cli(*args, "--exit-if-running")
        assert code == 1 and "another newsbot is running" in out, out
        assert "Traceback" not in out

        first.proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        assert await first.wait() == -signal.SIGKILL
        await read_until(second, "took over the database lease", LEASE + 10)
        assert time.monotonic() - killed <= LEASE + 1.5
        await read_until(second, "app: running as", 10)
        fake_telegram.inject_message(chat.id, "/start")
        messages = await fake_telegram.wait_for_messages(chat.id, 2, timeout=10)
        assert "بعودتك" in messages[-1].plain_text
    finally:
        if first.proc.returncode is None:
            first.proc.kill()
            await first.wait()
        if second is not None:
            code = await second.terminate(signal.SIGTERM)
            assert code == 0, second.text
    assert "released the database lease" in second.text


async def test_losing_the_lease_at_run_time_stops_the_service(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    config = load(write_config(tmp_path, fake_telegram))
    serving = asyncio.create_task(serve(config, install_signals=False, lease_seconds=2))
    await fake_telegram.wait_for_polling(timeout=10)
    # Another process, its clock far ahead, decides our lease expired and takes it.
    conn = sqlite3.connect(tmp_path / "newsbot.sqlite3", timeout=10)
    with conn:
        assert _lease.try_acquire(conn, "elsewhere:1:ffff", 2, time.time() + 3600)[0]
    conn.close()
    try:
        await asyncio.wait_for(serving, 5)
        raise AssertionError("serve returned normally")
    except NewsbotError as exc:
        assert "lost the database lease" in str(exc)
    chat = fake_telegram.add_private_chat()
    fake_telegram.inject_message(chat.id, "/start")
    await asyncio.sleep(0.5)
    assert fake_telegram.sent(chat.id) == []  # nobody answers any more
    assert fake_telegram.active_polls == 0


def catches(pid: int, sig: int) -> bool:
    """Whether process ``pid`` has a handler for ``sig`` (SigCgt in /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as f:
        caught = next(line for line in f if line.startswith("SigCgt:")).split()[1]
    return bool(int(caught, 16) >> (sig - 1) & 1)


async def test_sigterm_while_starting_up_exits_cleanly(tmp_path: Path,
                                                       fake_telegram: FakeTelegram) -> None:
    """A SIGTERM in the second or so ``newsbot run`` spends importing the wiring used to
    kill it with -15 and no log line; now it exits 0 without starting anything."""
    config = write_config(tmp_path, fake_telegram)
    child = await spawn("run", "--config", str(config))
    deadline = time.monotonic() + 20
    while not catches(child.proc.pid, signal.SIGTERM):  # as soon as a handler is there
        assert time.monotonic() < deadline and child.proc.returncode is None, child.text
        await asyncio.sleep(0.005)
    code = await child.terminate(signal.SIGTERM)
    assert code == 0, child.text
    assert "stop requested before the service started" in child.text
    assert "Traceback" not in child.text
    assert not fake_telegram.calls  # nothing was started: not even getMe
    assert not (tmp_path / "newsbot.sqlite3").exists()
