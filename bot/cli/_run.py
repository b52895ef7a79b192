"""``newsbot run``: run the service until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal

from bot.config import load_config
from bot.logs import setup_logging
from bot.ops.lease import DEFAULT_TTL, MIN_TTL


def _lease_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value < MIN_TTL:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_TTL:g}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    from bot.cli import add_config_option

    p = sub.add_parser("run", help="run the bot (polling mode by default)")
    add_config_option(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--standby", dest="exit_if_running", action="store_false",
                       help="if another instance is running on the database, wait and take "
                            "over when it stops (the default)")
    group.add_argument("--exit-if-running", dest="exit_if_running", action="store_true",
                       help="if another instance is running on the database, exit 1 at once")
    p.add_argument("--lease-seconds", type=_lease_seconds, default=DEFAULT_TTL,
                   metavar="S", help="single-instance lease expiry: how long a standby waits "
                                     f"after a crash before taking over (default {DEFAULT_TTL:g})")
    p.set_defaults(func=run, exit_if_running=False)


def run(args: argparse.Namespace) -> int:
    # A SIGTERM or SIGINT from here on stops the service cleanly (exit 0), also while the
    # wiring is still being imported (~1 s), before serve() installs its own handlers:
    # until then these set the same event, which serve() finds set and returns at once.
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _sig, _frame: stop.set())
    config = load_config(args.config)
    setup_logging(config.logging.level, config.logging.format,
                  secrets=[config.telegram.token.reveal(), config.telegram.secret_token.reveal()])
    from bot.app import serve  # imported late: the wiring pulls in PTB and every handler

    return asyncio.run(serve(config, stop=stop, standby=not args.exit_if_running,
                             lease_seconds=args.lease_seconds))
