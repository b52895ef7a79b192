"""``newsbot preview URL``: print the messages a feed's newest items (or an article page)
would produce, without Telegram, a database or a token.

The config file is optional (``--config``, ``$NEWSBOT_CONFIG`` or ./config.toml when it
exists): only its ``[polling]`` limits are used. The SSRF guard is on unless the config
allows private addresses or ``--allow-private`` is given (local testing).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import replace

from bot.config import DEFAULT_PATH, ENV_CONFIG, PollingConfig, load_config
from bot.models import day_of
from bot.render.dates import zone


def add_parser(sub: argparse._SubParsersAction) -> None:
    from bot.cli import add_config_option, bounded_int

    p = sub.add_parser("preview", help="print the messages a feed or article URL would produce")
    p.add_argument("url", metavar="URL", help="a feed URL or an article page URL")
    p.add_argument("-n", "--count", type=bounded_int(1, 1000), default=3, metavar="N",
                   help="how many of the feed's newest items to show (default 3)")
    p.add_argument("--no-extract", action="store_true",
                   help="do not fetch article pages for teaser items")
    p.add_argument("--allow-private", action="store_true",
                   help="allow private and loopback addresses (SSRF guard off; local testing)")
    p.add_argument("--tz", type=_time_zone, default="Asia/Riyadh",
                   help="time zone of the dates (default Asia/Riyadh)")
    add_config_option(p)
    p.set_defaults(func=run)


def _time_zone(name: str) -> str:
    try:
        zone(name)
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown time zone {name!r} (an IANA name such as "
                                         "Asia/Riyadh or Africa/Cairo)") from None
    return name


def polling_config(args: argparse.Namespace) -> PollingConfig:
    path = args.config or os.environ.get(ENV_CONFIG)
    if path is None and os.path.exists(DEFAULT_PATH):
        path = DEFAULT_PATH
    polling = load_config(path, require_token=False).polling if path else PollingConfig()
    if args.allow_private:
        polling = replace(polling, allow_private_addresses=True)
    return polling


def run(args: argparse.Namespace) -> int:
    from bot.fetch import Fetcher
    from bot.ingest.preview import preview
    from bot.render import format_for_terminal, render_article

    polling = polling_config(args)

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(polling) as fetcher:
            return await preview(args.url, fetcher, count=args.count,
                                 extract=not args.no_extract,
                                 page_budget=2 * polling.timeout_seconds)

    result = asyncio.run(go())
    guard = "off" if polling.allow_private_addresses else "on"
    if result.kind == "feed":
        print(f"feed: {result.title} <{result.url}>")
        print(f"{len(result.items)} of {result.total} item(s), newest first; "
              f"article pages {'off' if args.no_extract else 'on'}; SSRF guard {guard}")
    else:
        print(f"article page: <{result.url}> (SSRF guard {guard})")
    for note in result.notes:
        print(f"note: {note}")
    for i, built in enumerate(result.items, 1):
        article = built.article
        print(f"\n══ message {i}/{len(result.items)} " + "═" * 40)
        print(format_for_terminal(render_article(article, tz=args.tz)), end="")
        print("── details")
        print(f"source: {article.source}")
        print(f"credit: {article.author or '-'}")
        day = day_of(article.published)
        when = f"{day.isoformat()} (a day, no time)" if day else article.published.isoformat()
        print(f"published: {when}")
        origin = "article page" if built.from_page else "feed"
        why = f" ({built.page_error})" if built.page_error else ""
        print(f"text: {len(article.text)} characters from the {origin}{why}")
    return 0
