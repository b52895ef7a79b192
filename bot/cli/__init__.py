"""The command line: ``newsbot COMMAND`` (also ``python -m bot``).

Each command lives in its own module with ``add_parser(subparsers)`` registering it and a
``run(args) -> int`` doing it. Errors from the core end here as one line on stderr and a
non-zero exit (2 for a bad config or usage, 1 for anything else); tracebacks only with
``--debug``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence

from bot import __version__
from bot.cli import _config, _db, _feeds, _opml, _preview, _run, _search
from bot.errors import ConfigError, NewsbotError
from bot.logs import RedactFilter

COMMAND_MODULES = [_run, _config, _db, _feeds, _opml, _search, _preview]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot", description="Arabic-first news distribution bot for Telegram.")
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.add_parser(sub)
    return parser


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH",
                        help="config file (default: $NEWSBOT_CONFIG or ./config.toml)")


def bounded_int(least: int, most: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer from ``least`` to ``most`` (a usage error, exit 2,
    otherwise; a 20-digit id would overflow SQLite's INTEGER later)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if not least <= value <= most:
            raise argparse.ArgumentTypeError(f"must be from {least} to {most:,}, got {value}")
        return value

    return parse


def print_config_error(exc: ConfigError) -> None:
    where = exc.path or "config"
    print(f"newsbot: {where}: {len(exc.problems)} problem(s):", file=sys.stderr)
    for problem in exc.problems:
        print(f"  - {problem}", file=sys.stderr)


def _redact(text: str) -> str:
    """Errors printed here bypass logging; strip anything shaped like a bot token."""
    return RedactFilter().redact(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print_config_error(exc)
        return 2
    except NewsbotError as exc:
        if args.debug:
            logging.getLogger("newsbot").exception("error")
        print(_redact(f"newsbot: {exc}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `newsbot feeds list | head -1`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # for the exit flush
        return 128 + signal.SIGPIPE
    except Exception as exc:
        if args.debug:
            raise
        print(_redact(f"newsbot: unexpected error: {type(exc).__name__}: {exc} "
                      "(run with --debug for details)"), file=sys.stderr)
        return 1
