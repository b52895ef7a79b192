"""``newsbot reindex``: rebuild the search index from the stored articles.

Needed after a change to how text is indexed (``bot.search.terms``), or to repair the
index. Safe while the bot runs: the new index is built beside the old one in short
transactions and swapped in at the end (see ``bot.storage._fts.rebuild``); searches keep
using the old index until then.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli._db import open_existing
from bot.config import load_config
from bot.storage._reindex import reindex_file


def add_parser(sub: argparse._SubParsersAction) -> None:
    from bot.cli import add_config_option, bounded_int

    p = sub.add_parser("reindex", help="rebuild the search index (safe while the bot runs)")
    add_config_option(p)
    p.add_argument("--batch", type=bounded_int(1, 100_000), default=2000, metavar="N",
                   help="articles per transaction (default 2000)")
    p.add_argument("--no-optimize", action="store_true",
                   help="skip merging the new index into one segment")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config, require_token=False)
    path = config.storage.database

    async def migrate() -> None:  # the schema must be current before we rebuild
        storage = await open_existing(path)
        await storage.close()

    asyncio.run(migrate())

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done:,} / {total:,} articles", end="", file=sys.stderr, flush=True)

    count, seconds = reindex_file(path, batch=args.batch, optimize=not args.no_optimize,
                                  progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"OK: reindexed {count:,} articles in {seconds:.1f} s")
    return 0
