"""A disk that fails reads, for the storage's reader connection only: its file
descriptors (the database and its ``-wal``) are pointed at a directory with ``dup2``,
so SQLite's reads of pages it has not cached fail with EISDIR, which it reports as
SQLITE_IOERR_READ ("disk I/O error"), exactly as a failing disk or file system does.

    with ReaderDisk(path) as disk:            # before the storage opens the database
        async with running_service(config) as service:
            with disk.failing():              # the reader's reads fail
                ...
            ...                               # and work again

The database at ``path`` must exist already in WAL mode (``Storage.open`` then
``close``): each connection's hook (``bot.storage._db.CONNECTION_HOOKS``) then opens its
``-wal`` at once, so the descriptors the second connection (the reader; the writer is
opened first) adds are its own. Linux only (``/proc/self/fd``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from bot.storage import _db


def _descriptors(path: str) -> set[int]:
    """This process's file descriptors open on ``path`` or its ``-wal``."""
    found = set()
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{name}") in (path, path + "-wal"):
                found.add(int(name))
    return found


class ReaderDisk:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.reader: set[int] = set()
        self._seen: set[int] = set()
        self._connections = 0

    def hook(self, conn: sqlite3.Connection) -> None:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # opens its -wal
        now = _descriptors(self.path)
        self._connections += 1
        if self._connections == 2:
            self.reader = now - self._seen
        self._seen = now

    @contextlib.contextmanager
    def failing(self) -> Iterator[None]:
        """The reader's reads fail inside this block."""
        assert len(self.reader) == 2, f"the reader's descriptors: {self.reader}"
        folder = os.open(os.path.dirname(self.path), os.O_RDONLY)
        saved = {fd: os.dup(fd) for fd in self.reader}
        try:
            for fd in saved:
                os.dup2(folder, fd)
            yield
        finally:
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            os.close(folder)

    def __enter__(self) -> ReaderDisk:
        _db.CONNECTION_HOOKS.append(self.hook)
        return self

    def __exit__(self, *exc: object) -> None:
        _db.CONNECTION_HOOKS.remove(self.hook)
