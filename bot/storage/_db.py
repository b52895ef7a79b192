"""The SQLite connection pair: one writer, one reader, both on aiosqlite threads.

Every write is a plain function ``fn(conn) -> T`` run on the writer's thread inside one
``BEGIN IMMEDIATE`` transaction (committed on return, rolled back on any exception), so
a batch costs one thread hop instead of one per statement (NOTES.md: ~120 µs each) and
no two coroutines can interleave statements of their transactions. Reads run the same
way on a second connection; WAL lets them proceed while a write is in progress.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite

from bot.errors import SchemaVersionError, StorageError
from bot.storage._schema import MIGRATIONS

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000


def _configure(conn: sqlite3.Connection) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def _check_folder(path: str) -> None:
    if path == ":memory:":
        return
    parent = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
    if not os.path.isdir(parent):
        raise StorageError(f"storage: folder {parent} does not exist (database {path})")


def _translate(exc: sqlite3.Error, path: str) -> StorageError:
    msg = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in msg or "malformed" in msg or "file is encrypted" in msg
    ):
        return StorageError(f"storage: {path} is not a usable SQLite database ({msg})")
    if "unable to open" in msg:
        return StorageError(f"storage: cannot open {path} ({msg}); does its folder exist?")
    if "readonly" in msg or "read-only" in msg:
        return StorageError(f"storage: {path} is read-only ({msg})")
    if "locked" in msg or "busy" in msg:
        return StorageError(f"storage: {path} is locked by another process ({msg})")
    return StorageError(f"storage: {msg}")


class Database:
    """One SQLite file: ``write(fn)`` and ``read(fn)`` run ``fn(sqlite3.Connection)``."""

    def __init__(self, path: str, writer: aiosqlite.Connection,
                 reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._closed = False

    @classmethod
    async def open(cls, path: str, *, migrate: bool = True) -> Database:
        """Open (creating if needed) and migrate the database at ``path``.

        Raises :class:`StorageError` with one clear line for a missing folder, a file that
        is not SQLite, a locked or read-only file, and :class:`SchemaVersionError` when the
        database is newer than this code. Nothing is written before the checks pass.
        """
        _check_folder(path)
        writer = reader = None
        try:
            writer = await aiosqlite.connect(path, isolation_level=None,
                                             check_same_thread=False)
            await writer._execute(_configure, writer._conn)
            if migrate:
                await writer._execute(_migrate, writer._conn, path)
            reader = await aiosqlite.connect(path, isolation_level=None,
                                             check_same_thread=False)
            await reader._execute(_configure, reader._conn)
        except sqlite3.Error as exc:
            for conn in (writer, reader):
                if conn is not None:
                    await conn.close()
            raise _translate(exc, path) from None
        except BaseException:
            for conn in (writer, reader):
                if conn is not None:
                    await conn.close()
            raise
        return cls(path, writer, reader)

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` as one transaction on the writer thread and return its result."""
        return await self._run(self._writer, fn, write=True)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on the reader connection (a consistent snapshot)."""
        return await self._run(self._reader, fn, write=False)

    async def _run(self, conn: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T],
                   *, write: bool) -> T:
        if self._closed:
            raise StorageError("storage: the database is closed")

        def run() -> T:
            raw = conn._conn
            raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                result = fn(raw)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
            return result

        # Shield: once queued, the transaction finishes on its thread even if the caller is
        # cancelled, so the caller must not assume it did not happen.
        try:
            return await asyncio.shield(conn._execute(run))
        except sqlite3.OperationalError as exc:
            raise _translate(exc, self.path) from exc
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.IntegrityError):
                raise
            raise _translate(exc, self.path) from exc

    async def backup(self, target: str) -> None:
        """Copy the database to ``target`` with SQLite's online backup (safe while running)."""
        def run() -> None:
            dest = sqlite3.connect(target)
            try:
                self._reader._conn.backup(dest)
            finally:
                dest.close()

        try:
            await self._reader._execute(run)
        except sqlite3.Error as exc:
            raise _translate(exc, target) from exc

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._writer._execute(_optimize, self._writer._conn)
        except sqlite3.Error as exc:  # closing must not fail
            log.warning("storage: PRAGMA optimize failed at close: %s", exc)
        await self._reader.close()
        await self._writer.close()


def _optimize(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA optimize")


def schema_version(conn: sqlite3.Connection) -> int:
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if not has:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the schema up to date, one transaction per migration."""
    current = schema_version(conn)  # raises DatabaseError for a non-SQLite file
    latest = len(MIGRATIONS)
    if current > latest:
        raise SchemaVersionError(
            f"storage: {path} has schema version {current}, newer than this newsbot "
            f"supports ({latest}); upgrade newsbot or restore a matching backup"
        )
    if current == latest:
        return
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if path != ":memory:" and str(mode).lower() != "wal":
        log.warning("storage: journal_mode is %s, not WAL", mode)
    for version in range(current + 1, latest + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version - 1](conn)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        log.info("storage: migrated %s to schema version %d", path, version)


def row_to_dict(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None
