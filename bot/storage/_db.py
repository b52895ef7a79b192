"""The SQLite connection pair: one writer, one reader, both on aiosqlite threads.

Every write is a plain function ``fn(conn) -> T`` run on the writer's thread inside one
``BEGIN IMMEDIATE`` transaction (committed on return, rolled back on any exception), so
a batch costs one thread hop instead of one per statement (NOTES.md: ~120 µs each) and
no two coroutines can interleave statements of their transactions. Reads run the same
way on a second connection; WAL lets them proceed while a write is in progress.

A full disk (SQLITE_FULL, "database or disk is full") comes out as :class:`StorageFull`.
In WAL mode every commit appends to the ``-wal`` file, so on a full disk *every* write
fails, even one that changes a row in place, and a database opened after a clean stop
cannot even create its ``-shm`` file (SQLITE_IOERR_SHMSIZE: read as full too). The
:class:`Database` logs one line when writes start being refused and one when they work
again (an *episode*), and :attr:`Database.full` says whether one is under way (/healthz).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.request import pathname2url

import aiosqlite

from bot.errors import SchemaVersionError, StorageError, StorageFull
from bot.storage._schema import MIGRATIONS

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
#: A "database full" episode ends at the first successful write after this many seconds
#: without a refused one: a small write may fit while larger ones are still refused, and
#: the episode must not end (and be logged again) at each of those.
FULL_QUIET_SECONDS = 60.0
_SQLITE_IOERR_SHMSIZE = getattr(sqlite3, "SQLITE_IOERR_SHMSIZE", 4874)

#: Called with every new connection once it is configured (the writer, the reader, the
#: search-index rebuild's own connection). Empty in production: tests use it to simulate
#: a full disk with ``PRAGMA max_page_count`` (tests/diskfull.py).
CONNECTION_HOOKS: list[Callable[[sqlite3.Connection], None]] = []


def _configure(conn: sqlite3.Connection) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    for hook in CONNECTION_HOOKS:
        hook(conn)


def is_full(exc: sqlite3.Error) -> bool:
    """Did ``exc`` come from a full disk? SQLITE_FULL, or SQLITE_IOERR_SHMSIZE (the
    ``-shm`` file could not be created or grown: SQLite's documentation names a full
    volume as its cause)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_FULL, _SQLITE_IOERR_SHMSIZE) \
        or "database or disk is full" in str(exc)


def full_error(exc: sqlite3.Error, path: str, doing: str = "write") -> StorageFull:
    """The :class:`StorageFull` for ``exc`` (see :func:`is_full`) on the database ``path``."""
    what = (f"cannot create or grow {path}-shm"
            if getattr(exc, "sqlite_errorcode", None) == _SQLITE_IOERR_SHMSIZE
            else f"cannot {doing} {path}")
    return StorageFull(f"storage: database full: {what} ({exc}); free space on its disk")


def _check_folder(path: str) -> None:
    if path == ":memory:":
        return
    parent = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
    if not os.path.isdir(parent):
        raise StorageError(f"storage: folder {parent} does not exist (database {path})")
    if os.path.isdir(path):
        raise StorageError(f"storage: {path} is a folder, not a database file")


def _translate(exc: sqlite3.Error, path: str) -> StorageError:
    msg = str(exc)
    if is_full(exc):
        return full_error(exc, path)
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
    # the code says what kind of failure when the text does not ("vtable constructor
    # failed: articles_fts" is a read error as FTS5 opens the index: SQLITE_IOERR)
    name = getattr(exc, "sqlite_errorname", None)
    return StorageError(f"storage: {msg}" + (f" ({name})" if name else ""))


async def _connect(path: str) -> aiosqlite.Connection:
    """An aiosqlite connection to ``path``. When SQLite cannot open the file, aiosqlite
    stops its thread without waiting for it; the thread then reports to an event loop
    that ``asyncio.run`` may have closed already (a traceback on stderr after the clear
    error). So wait here for the thread to end before raising."""
    conn = aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    try:
        return await conn
    except BaseException:
        await asyncio.to_thread(conn._thread.join, 5)
        raise


@dataclass(slots=True)
class FullEpisode:
    """Writes are being refused because the disk is full (see :meth:`Database.note_full`)."""

    since: float  # time.time() of the first refused write
    last: float  # time.monotonic() of the latest one
    refused: int  # writes refused so far
    error: str  # the latest error

    def describe(self, path: str, now: float | None = None) -> str:
        age = max(0.0, (time.time() if now is None else now) - self.since)
        return (f"database full: cannot write {path} for {age:.0f}s ({self.refused} "
                "write(s) refused); free space on its disk")


class Database:
    """One SQLite file: ``write(fn)`` and ``read(fn)`` run ``fn(sqlite3.Connection)``."""

    def __init__(self, path: str, writer: aiosqlite.Connection,
                 reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._closed = False
        self.full_quiet = FULL_QUIET_SECONDS
        self._full: FullEpisode | None = None

    @property
    def full(self) -> FullEpisode | None:
        """The "database full" episode under way, if any."""
        return self._full

    def note_full(self, exc: StorageFull) -> None:
        """A write was refused because the disk is full: the first one of an episode is
        logged (once), the others only counted."""
        now = time.monotonic()
        episode = self._full
        if episode is not None:
            episode.last, episode.error = now, str(exc)
            episode.refused += 1
            return
        self._full = FullEpisode(time.time(), now, 1, str(exc))
        log.error("%s. Writes are refused until space is freed: new articles, delivery "
                  "outcomes and chat commands wait (reads go on); the service retries by "
                  "itself and carries on without a restart once there is space", exc)

    def note_written(self) -> None:
        """A write succeeded: ends the episode once no write was refused for
        :attr:`full_quiet` seconds."""
        episode = self._full
        if episode is None or time.monotonic() - episode.last < self.full_quiet:
            return
        self._full = None
        log.warning("storage: %s can be written again (database full for %.0f s, %d write(s) "
                    "refused)", self.path, time.time() - episode.since, episode.refused)

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
            writer = await _connect(path)
            await writer._execute(_configure, writer._conn)
            if migrate:
                await writer._execute(_migrate, writer._conn, path)
            reader = await _connect(path)
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
                raw.execute("COMMIT")
            except BaseException:
                # SQLite rolls a transaction back itself on some errors (SQLITE_FULL at a
                # COMMIT, or in the middle of a statement): a ROLLBACK then fails with "no
                # transaction is active", and that error used to replace the real one.
                if raw.in_transaction:
                    try:
                        raw.execute("ROLLBACK")
                    except sqlite3.Error as exc:
                        log.warning("storage: ROLLBACK failed: %s", exc)
                raise
            return result

        # Shield: once queued, the transaction finishes on its thread even if the caller is
        # cancelled, so the caller must not assume it did not happen.
        try:
            result = await asyncio.shield(conn._execute(run))
        except sqlite3.OperationalError as exc:
            raise self._failed(exc) from exc
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.IntegrityError):
                raise
            raise self._failed(exc) from exc
        if write:
            self.note_written()
        return result

    def _failed(self, exc: sqlite3.Error) -> StorageError:
        error = _translate(exc, self.path)
        if isinstance(error, StorageFull):
            self.note_full(error)
        return error

    async def backup(self, target: str) -> int:
        """Copy the database to the new file ``target`` with SQLite's online backup (safe
        while running); return its size in bytes. See :func:`_backup_to`."""
        try:
            return await self._reader._execute(_backup_to, self._reader._conn, target)
        except sqlite3.Error as exc:  # nothing is left at ``target``
            raise StorageError(f"storage: backup to {target} failed ({exc})") from exc
        except OSError as exc:
            raise StorageError(f"storage: cannot write the backup {target} "
                               f"({exc.strerror or exc})") from exc

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


def _backup_to(source: sqlite3.Connection, target: str) -> int:
    """Copy ``source`` to the new file ``target``; its size in bytes.

    The copy is written to a temporary file beside ``target`` and linked into place only
    when complete, so a failed backup (a full disk) leaves nothing at ``target``, and an
    existing ``target`` is never overwritten, not even one created meanwhile.
    """
    if not target.strip():
        raise StorageError("storage: no backup file named")
    path = os.path.abspath(os.path.expanduser(target))
    if target.endswith(os.sep) or os.path.isdir(path):
        raise StorageError(f"storage: backup target {target} is a folder path; name a file")
    exists = StorageError(f"storage: {target} already exists; refusing to overwrite it")
    if os.path.lexists(path):
        raise exists
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise StorageError(f"storage: folder {folder} does not exist (backup {target})")
    fd, part = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                dir=folder)
    try:
        try:
            os.fchmod(fd, 0o666 & ~_umask())  # as SQLite creates files, not 0600
        finally:
            os.close(fd)
        # a URI, so that SQLite opens exactly this file (it would read "file:..." in a
        # plain name as a URI, and drop a trailing "/")
        dest = sqlite3.connect(f"file:{pathname2url(part)}?mode=rw", uri=True)
        try:
            source.backup(dest)
        finally:
            dest.close()
        try:
            os.link(part, path)  # fails if ``path`` exists: never overwrites
        except FileExistsError:
            raise exists from None
        except OSError:  # no hard links here (some network file systems)
            if os.path.lexists(path):
                raise exists from None
            os.rename(part, path)
        return os.path.getsize(path)
    finally:
        for leftover in (part, *(part + s for s in ("-journal", "-wal", "-shm"))):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _optimize(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA optimize")


def schema_version(conn: sqlite3.Connection) -> int:
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if not has:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    if row is None:
        return 0
    if not isinstance(row[0], int):
        raise StorageError(f"storage: the schema version is not a number ({row[0]!r}); "
                           "the database is damaged or not newsbot's")
    return row[0]


def _refuse_foreign(conn: sqlite3.Connection, path: str) -> None:
    """A database without newsbot's schema must be empty: newsbot's tables are never added
    to another program's database (a wrong ``storage.database``)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 4")]
    if names:
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise StorageError(f"storage: {path} holds another program's tables ({shown}), not "
                           "newsbot's; refusing to add newsbot's tables to it")


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the schema up to date, one transaction per migration."""
    try:
        current = schema_version(conn)  # raises DatabaseError for a non-SQLite file
    except StorageError as exc:
        raise StorageError(f"storage: {path}: {str(exc).removeprefix('storage: ')}") from None
    if current == 0:
        _refuse_foreign(conn, path)
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
