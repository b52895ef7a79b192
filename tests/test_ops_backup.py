"""``newsbot backup`` while ``newsbot run`` is running (and writing), then restore."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sqlite3
from pathlib import Path

from tests.fakes.telegram import FakeTelegram
from tests.service import run_cli, spawn, write_config


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
