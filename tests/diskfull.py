"""A full disk, simulated with SQLite itself: ``PRAGMA max_page_count``.

    await fill(storage)                      # the database file cannot grow any more
    await fill(storage, every_write=True)    # ... and every write fails
    await free(storage)                      # space is back

``max_page_count`` caps the pages of the main file on one connection: a statement that
needs a new page fails with SQLITE_FULL ("database or disk is full"), exactly the error a
full disk gives; one that fits in a page with room still succeeds. :func:`fill` also uses
up the free pages inside the file, so that "full" means full.

On a real full disk (measured on a 3 MB tmpfs) *every* write fails, also an UPDATE that
changes a row in place (the instance-lease renewal): in WAL mode each commit appends its
pages to the ``-wal`` file, which cannot grow. ``every_write=True`` models that: a TEMP
trigger (this connection only) on every table writes two pages of zeros into a filler
table after each row written, so every write statement needs new pages and fails.

:func:`full_from_the_start` applies the same to every connection opened meanwhile (a
service started on a full disk, the search-index rebuild's own connection) through
``bot.storage._db.CONNECTION_HOOKS``. Only the writer of ``storage`` is freed by
:func:`free`; connections opened later are normal again once the context is left.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from bot.storage import Storage, _db
from bot.storage._maintenance import run_outside_transaction

FILLER = "diskfull_filler"
NO_LIMIT = 4_294_967_294  # SQLite clamps it to its own maximum


def _triggers(conn: sqlite3.Connection) -> None:
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    rows = conn.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'table'"
                        " AND name NOT LIKE 'sqlite_%'").fetchall()
    virtual = [r[0] for r in rows if (r[1] or "").upper().startswith("CREATE VIRTUAL")]
    for name, _ in rows:
        if name == FILLER or name in virtual or any(name.startswith(v + "_") for v in virtual):
            continue
        for op in ("INSERT", "UPDATE", "DELETE"):
            conn.execute(
                f'CREATE TEMP TRIGGER IF NOT EXISTS "diskfull_{name}_{op.lower()}" AFTER {op}'
                f' ON main."{name}" BEGIN INSERT INTO {FILLER} VALUES (zeroblob({2 * page}));'
                " END")


def fill_connection(conn: sqlite3.Connection, every_write: bool = False,
                    spare: int = 0) -> int:
    """Make ``conn`` (outside a transaction) unable to grow the database past ``spare``
    more pages; returns the page count it is held at."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {FILLER} (pad BLOB)")
    if every_write:
        _triggers(conn)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    with contextlib.suppress(sqlite3.OperationalError):  # use up the free pages
        for _ in range(100_000):
            conn.execute(f"INSERT INTO {FILLER} VALUES (zeroblob({page // 2}))")
    if spare:
        conn.execute(f"PRAGMA max_page_count = {pages + spare}")
    return int(pages) + spare


def free_connection(conn: sqlite3.Connection) -> None:
    for (name,) in conn.execute("SELECT name FROM temp.sqlite_master WHERE type = 'trigger'"
                                " AND name LIKE 'diskfull_%'").fetchall():
        conn.execute(f'DROP TRIGGER temp."{name}"')
    conn.execute(f"PRAGMA max_page_count = {NO_LIMIT}")
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (FILLER,)).fetchone():
        conn.execute(f"DELETE FROM {FILLER}")


async def fill(storage: Storage, *, every_write: bool = False) -> int:
    """The disk under ``storage`` is full from now on (its writer connection)."""
    return await run_outside_transaction(storage.db, lambda c: fill_connection(c, every_write))


async def free(storage: Storage) -> None:
    """Space is back (for the writer of ``storage``)."""
    await run_outside_transaction(storage.db, free_connection)


@contextlib.contextmanager
def full_from_the_start(*, every_write: bool = False, spare: int = 0) -> Iterator[None]:
    """Every connection newsbot opens inside this block starts on a full disk (with room
    for ``spare`` more pages)."""
    def hook(conn: sqlite3.Connection) -> None:
        fill_connection(conn, every_write, spare)

    _db.CONNECTION_HOOKS.append(hook)
    try:
        yield
    finally:
        _db.CONNECTION_HOOKS.remove(hook)
