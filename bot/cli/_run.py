"""``newsbot run``: run the service until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio

from bot.config import load_config
from bot.logs import setup_logging


def add_parser(sub: argparse._SubParsersAction) -> None:
    from bot.cli import add_config_option

    p = sub.add_parser("run", help="run the bot (polling mode by default)")
    add_config_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    setup_logging(config.logging.level, config.logging.format,
                  secrets=[config.telegram.token.reveal(), config.telegram.secret_token.reveal()])
    from bot.app import serve  # imported late: the wiring pulls in PTB and every handler

    return asyncio.run(serve(config))
