"""A database as an earlier release left it, for upgrade tests.

    conn = database_at(path, 7)    # schema version 7: what that release created
    conn.execute("INSERT INTO ...")  # rows as it could store them
    conn.close()
    storage = await Storage.open(str(path))  # migrates to the current version

The migrations up to ``version`` run as ``bot.storage._db._migrate`` runs them (one
transaction each, the version recorded with it), on a connection configured like
newsbot's.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.storage._db import _configure
from bot.storage._schema import MIGRATIONS


def database_at(path: Path | str, version: int) -> sqlite3.Connection:
    """A new database at ``path`` at schema ``version``; the open connection (autocommit)."""
    conn = sqlite3.connect(path, isolation_level=None)
    _configure(conn)
    conn.execute("PRAGMA journal_mode = WAL")
    for number, migration in enumerate(MIGRATIONS[:version], 1):
        conn.execute("BEGIN IMMEDIATE")
        migration(conn)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version(version) VALUES (?)", (number,))
        conn.execute("COMMIT")
    return conn
