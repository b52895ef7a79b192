"""``newsbot stats`` and ``newsbot backup PATH``: database commands."""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime

from bot.config import load_config
from bot.errors import StorageError
from bot.search.terms import TERMS_VERSION
from bot.storage import Storage


def add_parser(sub: argparse._SubParsersAction) -> None:
    from bot.cli import add_config_option

    p = sub.add_parser("stats", help="print counts from the database")
    add_config_option(p)
    p.set_defaults(func=stats)
    p = sub.add_parser("backup", help="copy the database safely (works while running)")
    add_config_option(p)
    p.add_argument("path", help="where to write the backup (must not exist)")
    p.set_defaults(func=backup)


def require_database(path: str) -> None:
    """Commands other than ``run`` never create a database: it must exist."""
    if not os.path.exists(path):
        raise StorageError(f"storage: database {path} does not exist (start the bot first)")
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise StorageError(f"storage: database {path} is an empty file (start the bot first)")


async def open_existing(path: str) -> Storage:
    require_database(path)
    return await Storage.open(path)


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    ago = int(time.time() - ts)
    stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{stamp} ({ago}s ago)"


def stats(args: argparse.Namespace) -> int:
    config = load_config(args.config, require_token=False)

    async def go() -> dict:
        storage = await open_existing(config.storage.database)
        try:
            return await storage.stats()
        finally:
            await storage.close()

    counts = asyncio.run(go())
    for key, value in counts.items():
        shown = _when(value) if key.endswith("_at") else value
        if key == "search_terms_version":
            stale = isinstance(value, int) and value < TERMS_VERSION
            shown = (f"{value} (this newsbot's: {TERMS_VERSION}"
                     + ("; the index is rebuilt at the service's start, or by `newsbot reindex`)"
                        if stale else ")"))
        print(f"{key:<20} {shown}")
    return 0


def backup(args: argparse.Namespace) -> int:
    config = load_config(args.config, require_token=False)

    async def go() -> int:
        storage = await open_existing(config.storage.database)
        try:
            return await storage.backup(args.path)
        finally:
            await storage.close()

    size = asyncio.run(go())
    print(f"OK: backed up {config.storage.database} to {args.path} ({size} bytes)")
    return 0
