"""``newsbot backup`` while ``newsbot run`` is running (and writing), then restore."""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import Storage
from tests.fakes.telegram import FakeTelegram
from tests.service import ROOT, run_cli, spawn, write_config


async def test_backup_while_running_then_restore(tmp_path: Path,
                                                 fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    live = tmp_path / "live"
    live.mkdir()
    config = write_config(live, fake_telegram,
                          feeds=[{"url": "https://a.example/rss", "name": "المصدر أ",
                                  "default": True}])
    child = await spawn("run", "--config", str(config))
    writing = True

    async def keep_writing() -> int:
        """Another writer on the live database during the backup (as ingestion would)."""
        n = 0
        conn = sqlite3.connect(live / "newsbot.sqlite3", timeout=10)
        try:
            while writing:
                conn.execute("INSERT INTO meta (key, value, updated_at) VALUES (?, 'x', 0)",
                             (f"test-{n}",))
                conn.commit()
                n += 1
                await asyncio.sleep(0.002)
        finally:
            conn.close()
        return n

    try:
        await fake_telegram.wait_for_polling(timeout=20)
        fake_telegram.inject_message(chat.id, "/start")
        await fake_telegram.wait_for_messages(chat.id, 1, timeout=10)
        writer = asyncio.create_task(keep_writing())
        code, out = await run_cli("backup", "--config", str(config), str(tmp_path / "copy.db"))
        writing = False
        writes = await writer
        assert code == 0 and out.startswith("OK: backed up"), out
        assert writes > 0
        # the service is still fine after the backup
        fake_telegram.inject_message(chat.id, "/help")
        await fake_telegram.wait_for_messages(chat.id, 2, timeout=10)
        code, out = await run_cli("backup", "--config", str(config), str(tmp_path / "copy.db"))
        assert code == 1 and "already exists" in out
    finally:
        assert await child.terminate(signal.SIGTERM) == 0, child.text

    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copy.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
        assert copy.execute("SELECT version FROM schema_version").fetchone()[0] >= 1
        assert copy.execute("SELECT COUNT(*) FROM chats").fetchone()[0] == 1
        assert copy.execute("SELECT name FROM feeds").fetchall() == [("المصدر أ",)]
    finally:
        copy.close()

    # Restore: the copy becomes the database of a new home; the CLI reads it.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(tmp_path / "copy.db", restored / "newsbot.sqlite3")
    code, out = await run_cli("stats", "--config", str(write_config(restored, fake_telegram)))
    assert code == 0 and "chats_active         1" in out, out


def _database(tmp_path: Path, padding: int = 0) -> Path:
    """A newsbot database (``padding`` rows of 10 KB in ``meta`` make it larger)."""
    path = tmp_path / "newsbot.sqlite3"

    async def create() -> None:
        await (await Storage.open(str(path))).close()

    asyncio.run(create())
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO meta (key, value, updated_at) VALUES (?, ?, 0)",
                     [(f"pad{i}", "x" * 10_000) for i in range(padding)])
    conn.commit()
    conn.close()
    return path


def _backup(tmp_path: Path, target: str, capsys: pytest.CaptureFixture) -> tuple[int, str]:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "newsbot.sqlite3"}"\n')
    code = main(["backup", "--config", str(config), target])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_backup_never_writes_over_a_file_however_it_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite reads "file:..." as a URI and drops a trailing "/": the old check looked at
    one file and the backup wrote another, replacing another program's database."""
    _database(tmp_path)
    precious = tmp_path / "precious.sqlite3"
    conn = sqlite3.connect(precious)
    conn.execute("CREATE TABLE precious (x)")
    conn.commit()
    conn.close()
    before = precious.read_bytes()
    monkeypatch.chdir(tmp_path)
    for target, said in ((f"file:{precious}", "does not exist"),
                         (f"{precious}/", "is a folder path"),
                         (str(precious), "already exists; refusing to overwrite it"),
                         ("", "no backup file named"),
                         (str(tmp_path), "is a folder path")):
        code, out = _backup(tmp_path, target, capsys)
        assert code == 1, out
        assert out.startswith("newsbot: storage: ") and said in out, out
        assert "unexpected error" not in out
    assert precious.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "config.toml", "newsbot.sqlite3", "precious.sqlite3"]


def test_backup_has_the_permissions_sqlite_would_give(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _database(tmp_path)
    old = os.umask(0o027)
    try:
        code, out = _backup(tmp_path, str(tmp_path / "copy.sqlite3"), capsys)
    finally:
        os.umask(old)
    assert code == 0, out
    assert stat.S_IMODE((tmp_path / "copy.sqlite3").stat().st_mode) == 0o640


def test_a_failed_backup_leaves_nothing_behind(tmp_path: Path) -> None:
    """A backup cut short (here: a 1 MB file-size limit, as a full disk) leaves no file at
    PATH: before, an empty database was left there that passed integrity_check, and the
    next try was refused because PATH existed."""
    _database(tmp_path, padding=300)  # ~3 MB
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "newsbot.sqlite3"}"\n')
    backups = tmp_path / "backups"
    backups.mkdir()

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))

    done = subprocess.run(
        [sys.executable, "-m", "bot", "backup", "--config", str(config),
         str(backups / "copy.sqlite3")],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=limited,
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith(f"newsbot: storage: backup to {backups / 'copy.sqlite3'}"
                                  " failed ("), done.stderr
    assert "Traceback" not in done.stderr
    assert list(backups.iterdir()) == []
