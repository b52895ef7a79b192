"""Rebuilding the search index on its own connection, while the bot keeps running.

Used by ``newsbot reindex`` and, when the stored index holds keys of an older
``TERMS_VERSION`` (:func:`bot.storage._fts.index_is_stale`, after an upgrade that changed
how text is indexed), by the service at start (``jobs/maintenance.py``): the new index is
built beside the old one in short transactions and swapped in
(:func:`bot.storage._fts.rebuild`), so polling, delivery and search go on meanwhile.
Until the swap, searches use the old index: a word whose key changed finds only the
articles stored since the upgrade.

On a full disk (:class:`StorageFull`) the half-built index is dropped at once: it holds
pages the bot needs for its own writes, and the next rebuild starts over anyway (before,
it stayed until the next rebuild, at the next start).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable

from bot.errors import ReindexStopped, StorageError
from bot.storage._db import _configure, full_error, is_full
from bot.storage._fts import SHADOW_TABLE, rebuild

__all__ = ["reindex_file"]


def reindex_file(path: str, *, batch: int = 2000, optimize: bool = True,
                 progress: Callable[[int, int], None] | None = None,
                 stop: threading.Event | None = None) -> tuple[int, float]:
    """Rebuild the index of the database at ``path`` (migrated already) on a connection of
    its own: (articles indexed, seconds). ``progress(done, total)`` after each batch; once
    ``stop`` is set, the next batch raises :class:`ReindexStopped`. Raises
    :class:`StorageError`; the old index stays in place when it fails."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        _configure(conn)
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]

        def step(done: int) -> None:  # between transactions
            if stop is not None and stop.is_set():
                raise ReindexStopped(f"storage: reindex of {path} stopped at {done:,} of "
                                     f"{total:,} articles")
            if progress is not None:
                progress(done, total)

        return rebuild(lambda: conn.execute("BEGIN IMMEDIATE"), lambda: conn.execute("COMMIT"),
                       conn, batch=max(1, batch), optimize=optimize, progress=step)
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if is_full(exc):  # give the half-built index's pages back to the bot
            with contextlib.suppress(sqlite3.Error):
                conn.execute(f"DROP TABLE IF EXISTS {SHADOW_TABLE}")
            raise full_error(exc, path, "rebuild the search index of") from exc
        raise StorageError(f"storage: reindex of {path} failed: {exc}") from exc
    finally:
        conn.close()
