"""``newsbot import-opml FILE`` and ``newsbot export-opml [-o FILE]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import stat
import sys
import tempfile

from bot.cli._db import open_existing
from bot.config import load_config
from bot.dedup.urls import canonical_feed_url
from bot.errors import NewsbotError
from bot.ops.feeds import NewFeed, add_all
from bot.ops.opml import OpmlError, parse_opml, render_opml
from bot.storage import Feed


def add_parser(sub: argparse._SubParsersAction) -> None:
    from bot.cli import add_config_option

    p = sub.add_parser("import-opml", help="add the feeds of an OPML file (all or nothing)")
    add_config_option(p)
    p.add_argument("file", metavar="FILE", help="the OPML file ('-' for standard input)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the file and show what would be added; change nothing")
    p.set_defaults(func=import_command)

    p = sub.add_parser("export-opml", help="write every feed as OPML 2.0")
    add_config_option(p)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE (replaced atomically) instead of standard output")
    p.set_defaults(func=export_command)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise NewsbotError(f"opml: cannot read {path}: {exc.strerror or exc}") from None


def import_command(args: argparse.Namespace) -> int:
    config = load_config(args.config, require_token=False)
    source = "standard input" if args.file == "-" else args.file
    try:
        parsed = parse_opml(_read(args.file), source)
    except OpmlError as exc:
        print(f"newsbot: opml: {source}: {len(exc.problems)} problem(s); nothing imported:",
              file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    for warning in parsed.warnings:
        print(f"warning: {warning}", file=sys.stderr)

    async def go() -> tuple[list, list]:
        storage = await open_existing(config.storage.database)
        try:
            if args.dry_run:
                urls = {f.url for f in await storage.feeds.list()}  # stored canonical
                new: list[NewFeed] = []
                present: list[NewFeed] = []
                for f in parsed.feeds:
                    (present if canonical_feed_url(f.url) in urls else new).append(f)
                return new, present
            # One transaction: every feed or none.
            return await storage.db.write(lambda c: add_all(c, parsed.feeds, "opml"))
        finally:
            await storage.close()

    added, present = asyncio.run(go())
    verb = "would add" if args.dry_run else "added"
    for feed in added:
        ident = "" if args.dry_run else f"#{feed.id} "
        print(f"{verb} {ident}{feed.name} <{feed.url}>")
    for feed in present:
        print(f"already present: {feed.name} <{feed.url}>")
    print(f"{'dry run: ' if args.dry_run else ''}{len(added)} feed(s) {verb}, "
          f"{len(present)} already present")
    return 0


def export_command(args: argparse.Namespace) -> int:
    config = load_config(args.config, require_token=False)

    async def go() -> list[Feed]:
        storage = await open_existing(config.storage.database)
        try:
            return await storage.feeds.list()
        finally:
            await storage.close()

    feeds = asyncio.run(go())
    data = render_opml(feeds).encode("utf-8")
    if not args.output or args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        _write_file(args.output, data)
    except OSError as exc:
        raise NewsbotError(f"opml: cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"OK: exported {len(feeds)} feed(s) to {args.output}", file=sys.stderr)
    return 0


def _write_file(name: str, data: bytes) -> None:
    """Replace the file ``name`` with ``data`` in one step (a temporary file renamed over
    it: a reader never sees half a file), keeping an existing file's permissions (a new
    one gets what the umask gives); through a symbolic link, its target is replaced.
    What is not a regular file (``/dev/stdout``, a pipe) is written to directly."""
    path = os.path.realpath(name)
    try:
        st: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(path, "wb") as fh:
            fh.write(data)
        return
    if st is not None:
        mode = stat.S_IMODE(st.st_mode)
    else:
        mask = os.umask(0o022)
        os.umask(mask)
        mode = 0o666 & ~mask
    fd, tmp = tempfile.mkstemp(prefix=".opml-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
