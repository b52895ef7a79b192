"""``newsbot feeds list|add|remove``: manage the feed list from the shell.

Works while the service runs (the poller reads the list from the database). Feeds added
here have origin ``cli``; feeds from the config file are managed in the config file (a
``remove`` of one is refused: the next start would add it back).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.cli._db import open_existing
from bot.config import load_config
from bot.errors import NewsbotError
from bot.ops.feeds import NewFeed, add_all, default_name, feed_url_problem, status_line
from bot.storage import Storage, _feeds
from bot.storage._feeds import Feed

T = TypeVar("T")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from bot.cli import add_config_option, bounded_int

    p = sub.add_parser("feeds", help="list, add or remove feeds")
    fsub = p.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)

    q = fsub.add_parser("list", help="every feed: id, name, URL, origin and status")
    add_config_option(q)
    q.set_defaults(func=list_command)

    q = fsub.add_parser("add", help="add a feed (origin 'cli')")
    add_config_option(q)
    q.add_argument("url", metavar="URL", help="the feed's http(s) URL")
    q.add_argument("--name", help="display name (default: the host name)")
    q.add_argument("--category", default="", help="category (e.g. عام)")
    q.add_argument("--default", action="store_true",
                   help="subscribe new chats to it on /start")
    q.set_defaults(func=add_command)

    q = fsub.add_parser("remove", help="remove a feed and its subscriptions (articles stay)")
    add_config_option(q)
    q.add_argument("id", type=bounded_int(1, 2**63 - 1), metavar="ID",
                   help="the feed id (see `feeds list`)")
    q.set_defaults(func=remove_command)


def _run(config_path: str | None, fn: Callable[[Storage], Awaitable[T]]) -> T:
    config = load_config(config_path, require_token=False)

    async def go() -> T:
        storage = await open_existing(config.storage.database)
        try:
            return await fn(storage)
        finally:
            await storage.close()

    return asyncio.run(go())


def format_feed(feed: Feed) -> list[str]:
    flags = [feed.origin]
    if feed.is_default:
        flags.append("default")
    if feed.category:
        flags.append(f"category {feed.category}")
    if feed.interval_seconds:
        flags.append(f"every {feed.interval_seconds}s")
    return [f"#{feed.id}  {feed.name}  [{', '.join(flags)}]",
            f"    {feed.url}",
            f"    {status_line(feed)}"]


def list_command(args: argparse.Namespace) -> int:
    feeds: list[Feed] = _run(args.config, lambda s: s.feeds.list())
    if not feeds:
        print("no feeds (add one with `newsbot feeds add URL` or in the config file)")
        return 0
    for feed in feeds:
        print("\n".join(format_feed(feed)))
    print(f"{len(feeds)} feed(s)")
    return 0


def add_command(args: argparse.Namespace) -> int:
    url = args.url.strip()
    problem = feed_url_problem(url)
    if problem:
        raise NewsbotError(f"feeds: {problem}")
    name = " ".join((args.name or "").split()) or default_name(url)
    new = NewFeed(url=url, name=name, category=args.category.strip(), is_default=args.default)

    async def add(storage: Storage) -> tuple[list[Feed], list[Feed]]:
        return await storage.db.write(lambda c: add_all(c, [new], "cli"))

    added, present = _run(args.config, add)
    if present:
        print(f"already present: #{present[0].id} {present[0].name} ({present[0].origin}); "
              "nothing changed")
        return 0
    print(f"added #{added[0].id} {added[0].name} <{added[0].url}>")
    return 0


def _remove(conn: sqlite3.Connection, feed_id: int) -> tuple[Feed | None, int]:
    feed = _feeds.get(conn, feed_id)
    if feed is None or feed.origin == "config":
        return feed, 0
    subs = conn.execute("SELECT COUNT(*) FROM subscriptions WHERE feed_id = ?",
                        (feed_id,)).fetchone()[0]
    _feeds.remove(conn, feed_id)
    return feed, int(subs)


def remove_command(args: argparse.Namespace) -> int:
    feed, subs = _run(args.config, lambda s: s.db.write(lambda c: _remove(c, args.id)))
    if feed is None:
        raise NewsbotError(f"feeds: no feed #{args.id} (see `newsbot feeds list`)")
    if feed.origin == "config":
        raise NewsbotError(
            f"feeds: #{feed.id} {feed.name} comes from the config file; remove it there "
            "(it would be added back at the next start)")
    print(f"removed #{feed.id} {feed.name} <{feed.url}> and {subs} subscription(s); "
          "its articles stay")
    return 0
