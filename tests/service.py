"""Run the real newsbot service against the fakes, in-process or as a subprocess.

    config = write_config(tmp_path, fake_telegram, feeds=[...])
    async with running_service(config) as service:
        fake_telegram.inject_message(chat.id, "/start")
        await fake_telegram.wait_for_messages(chat.id, 1)
        await service.storage.stats()

``spawn_service`` starts ``python -m bot run`` as a child process for the tests that
need signals, exit codes and restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.app import Service
from bot.config import Config, load_config
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def write_config(tmp_path: Path, fake: FakeTelegram, *, feeds: list[dict[str, Any]] | None = None,
                 admins: list[int] | None = None, token: str | None = None,
                 **sections: dict[str, Any]) -> Path:
    """Write a config.toml pointing at ``fake`` with a database in ``tmp_path``."""
    data: dict[str, dict[str, Any]] = {
        "telegram": {"token": token or fake.token, "api_url": fake.base_url,
                     "admins": admins or []},
        "storage": {"database": str(tmp_path / "newsbot.sqlite3")},
        "polling": {"allow_private_addresses": True},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in data.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
        lines.append("")
    for feed in feeds or []:
        lines.append("[[feeds]]")
        lines += [f"{k} = {_toml(v)}" for k, v in feed.items()]
        lines.append("")
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def load(path: Path) -> Config:
    return load_config(str(path), env={})


@contextlib.asynccontextmanager
async def running_service(config: Config | Path, *,
                          lease_seconds: float | None = None) -> AsyncIterator[Service]:
    """The real service (database, Application, handlers, jobs) running in this loop.
    ``lease_seconds``: its instance lease's expiry (default the service's): shorter for a
    test that restarts after a stop that could not release the lease."""
    if isinstance(config, Path):
        config = load(config)
    service = (Service(config) if lease_seconds is None
               else Service(config, lease_seconds=lease_seconds))
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


def id_pattern(chat_id: int) -> re.Pattern[str]:
    """``chat_id`` as a whole number inside a text (not part of a longer one)."""
    return re.compile(rf"(?<![0-9]){re.escape(str(chat_id))}(?![0-9])")


def chat_rows(service: Service, chat_id: int) -> dict[str, int]:
    """Rows of the service's database that name ``chat_id``, per ``table.column``: every
    column of every table (the search index's own tables included), a number equal to
    the id or a text or blob holding it as a whole number. After /forget it must be
    empty, whatever tables are added later."""
    assert service.storage is not None
    pattern = id_pattern(chat_id)
    conn = sqlite3.connect(service.storage.db.path)
    try:
        found: dict[str, int] = {}
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("latin-1")
                    if (value == chat_id if isinstance(value, int | float)
                            else isinstance(value, str) and pattern.search(value)):
                        key = f"{table}.{column}"
                        found[key] = found.get(key, 0) + 1
        return found
    finally:
        conn.close()


class Child:
    """A ``newsbot`` subprocess with its output collected."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.output = b""

    async def terminate(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:  # noqa: ASYNC109
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await self.wait(timeout)

    async def wait(self, timeout: float = 15) -> int:  # noqa: ASYNC109
        out, _ = await asyncio.wait_for(self.proc.communicate(), timeout)
        self.output += out or b""
        assert self.proc.returncode is not None
        return self.proc.returncode

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")


async def spawn(*args: str, env: dict[str, str] | None = None) -> Child:
    """Start ``python -m bot ARGS`` with stdout+stderr captured."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("NEWSBOT_TOKEN", None)
    full_env.pop("NEWSBOT_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=str(ROOT), env=full_env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    return Child(proc)


async def run_cli(*args: str, timeout: float = 30) -> tuple[int, str]:  # noqa: ASYNC109
    child = await spawn(*args)
    code = await child.wait(timeout)
    return code, child.text
