"""``newsbot check-config``: validate the configuration file."""

from __future__ import annotations

import argparse

from bot.config import load_config


def add_parser(sub: argparse._SubParsersAction) -> None:
    from bot.cli import add_config_option

    p = sub.add_parser("check-config", help="validate the config file and exit (2 if bad)")
    add_config_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    print(f"OK: {config.path}: {config.summary()}")
    return 0
