"""The full-text index row of an article: what goes into ``articles_fts``.

The index holds *index terms*, not text (NOTES.md: FTS5's unicode61 does not fold
Arabic): normalized, stopword-free, light-stemmed keys from :mod:`bot.search.terms`, the
same function the query side uses. Columns: ``title``, ``summary``, ``text`` and
``source`` (the source's display name plus the labels of the article URL's host, for the
``مصدر:`` filter). The row is written in the same transaction as the article, and this is
the one place that writes the index.

Changing :func:`index_fields` changes what the index must hold: bump
``bot.search.terms.TERMS_VERSION``. Whatever builds the index (:func:`reindex_all`,
:func:`rebuild`) records the version it built with in ``meta`` (:data:`TERMS_META_KEY`);
an index of an older version is rebuilt by the service at start
(:mod:`bot.storage._reindex`), or by ``newsbot reindex``.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from bot.errors import RebuildInProgress
from bot.search.terms import TERMS_VERSION, index_terms, source_key, source_keys
from bot.storage import _meta

FTS_TABLE = "articles_fts"
FTS_COLUMNS = ("title", "summary", "text", "source")

# Host labels that say nothing about the source (www.bbc.co.uk -> bbc).
_GENERIC_HOST_LABELS = frozenset(
    {"www", "m", "amp", "com", "net", "org", "co", "info", "news", "uk", "ar", "arabic",
     "feeds", "rss", "edu", "gov", "tv"})


def fts_ddl(name: str = FTS_TABLE) -> str:
    """The CREATE statement of the index (also used for the rebuild's shadow table).

    ``_`` is a token character so that the source column's ``src_`` keys are tokens of
    their own (text keys never contain ``_``): words need no column filter, which would
    make FTS5 read every position list (~3x slower on common words).
    """
    return (f"CREATE VIRTUAL TABLE {name} USING fts5(title, summary, text, source,"
            " tokenize = \"unicode61 remove_diacritics 2 tokenchars '_'\")")


#: Segments of one level FTS5 lets accumulate before merging them (its default is 4). The
#: bot writes one segment per stored poll; with 16, storing costs ~17 % less
#: (``bench/search.py --batch 50``: 1,699 -> 2,047 articles/s at 300,000 articles) and
#: searches on that index stay far inside their target (p95 9-18 ms against 10-17 ms).
AUTOMERGE = 16


def configure_index(conn: sqlite3.Connection, name: str = FTS_TABLE) -> None:
    """Apply the index settings (stored in the index: they survive reopening)."""
    conn.execute(f"INSERT INTO {name}({name}, rank) VALUES ('automerge', ?)", (AUTOMERGE,))


def source_terms(source: str, url: str = "") -> str:
    """The ``source`` column: the display name's keys (stopwords kept: "بي بي سي") and
    the URL host's labels, each as ``src_KEY`` (see :func:`bot.search.terms.source_key`)."""
    return _source_terms(source, (urlsplit(url).hostname or "") if url else "")


@functools.lru_cache(maxsize=4096)
def _source_terms(source: str, host: str) -> str:
    """(A feed's articles share their source and host: computed once per pair.)"""
    labels = [lb for lb in host.split(".") if lb and lb not in _GENERIC_HOST_LABELS]
    keys = source_keys(source) + source_keys(" ".join(labels))
    return " ".join(source_key(k) for k in keys)


def index_fields(title: str, summary: str, text: str, source: str = "",
                 url: str = "") -> tuple[str, str, str, str]:
    """The (title, summary, text, source) columns as stored in the index."""
    return index_terms(title), index_terms(summary), index_terms(text), source_terms(source, url)


def _insert_sql(table: str) -> str:
    return f"INSERT INTO {table} (rowid, title, summary, text, source) VALUES (?, ?, ?, ?, ?)"


INSERT_SQL = _insert_sql(FTS_TABLE)
DELETE_SQL = f"DELETE FROM {FTS_TABLE} WHERE rowid = ?"

Fields = tuple[str, str, str, str]


def index_article(conn: sqlite3.Connection, article_id: int, title: str, summary: str,
                  text: str, source: str | None = None, url: str | None = None, *,
                  fields: Fields | None = None) -> None:
    """(Re)write the index row of one article; the source and URL are read from the
    article row when not given. ``fields``: its :func:`index_fields`, when already
    computed (then nothing but SQL runs here)."""
    if fields is None:
        if source is None or url is None:
            row = conn.execute("SELECT source, url FROM articles WHERE id = ?",
                               (article_id,)).fetchone()
            source = source if source is not None else (row[0] if row else "")
            url = url if url is not None else (row[1] if row else "")
        fields = index_fields(title, summary, text, source, url)
    conn.execute(DELETE_SQL, (article_id,))
    conn.execute(INSERT_SQL, (article_id, *fields))


def index_rows(conn: sqlite3.Connection, rows: list[tuple[int, str, str, str, str]]) -> None:
    """(Re)write the index rows ``(article id, *fields)`` of many articles at once, in the
    rebuild's shadow table too when one is being filled (:func:`rebuild`): an article
    stored under an id the rebuild has passed already would be missing from the index
    swapped in. (Ids are taken again once the newest articles are pruned: a bot whose
    feeds fell silent for ``retention.articles_days``.)"""
    if not rows:
        return
    conn.executemany(DELETE_SQL, [(r[0],) for r in rows])
    conn.executemany(INSERT_SQL, rows)
    if _rebuilding(conn):
        conn.executemany(f"DELETE FROM {SHADOW_TABLE} WHERE rowid = ?", [(r[0],) for r in rows])
        conn.executemany(_insert_sql(SHADOW_TABLE), rows)


def _rebuilding(conn: sqlite3.Connection) -> bool:
    """Is a rebuild filling its shadow table (:func:`rebuild`)?"""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (SHADOW_TABLE,)).fetchone() is not None


def unindex_article(conn: sqlite3.Connection, article_id: int) -> None:
    unindex_articles(conn, [article_id])


def unindex_articles(conn: sqlite3.Connection, article_ids: list[int]) -> None:
    """Delete the index rows of these articles, from the rebuild's shadow table too when
    one is being filled (:func:`rebuild`): a row it already holds would otherwise outlive
    its article in the index swapped in."""
    params = [(i,) for i in article_ids]
    conn.executemany(DELETE_SQL, params)
    if _rebuilding(conn):
        conn.executemany(f"DELETE FROM {SHADOW_TABLE} WHERE rowid = ?", params)


def _article_rows(conn: sqlite3.Connection, after: int, upto: int | None,
                  batch: int) -> list[tuple]:
    sql = ("SELECT id, title, summary, text, source, url FROM articles WHERE id > ?"
           + (" AND id <= ?" if upto is not None else "") + " ORDER BY id LIMIT ?")
    args = (after, upto, batch) if upto is not None else (after, batch)
    return conn.execute(sql, args).fetchall()


def index_range(conn: sqlite3.Connection, table: str, after: int = 0,
                upto: int | None = None, batch: int = 2000,
                progress: Callable[[int], None] | None = None, *,
                skip_indexed: bool = False) -> int:
    """Index the articles with ``after < id <= upto`` into ``table``; returns how many.
    ``skip_indexed``: leave out those ``table`` holds already (the rebuild's shadow
    table, which the bot's own stores write too: :func:`index_rows`)."""
    sql = _insert_sql(table)
    done = 0
    while True:
        rows = _article_rows(conn, after, upto, batch)
        if not rows:
            return done
        if skip_indexed:
            present = {r[0] for r in conn.execute(
                f"SELECT rowid FROM {table} WHERE rowid > ? AND rowid <= ?",
                (after, rows[-1][0]))}
        else:
            present = set()
        conn.executemany(sql, [(r[0], *index_fields(r[1], r[2], r[3], r[4], r[5]))
                               for r in rows if r[0] not in present])
        after = rows[-1][0]
        done += len(rows)
        if progress:
            progress(done)


#: ``meta`` key: the ``TERMS_VERSION`` the index was built with (absent: 1, before it).
TERMS_META_KEY = "search_terms_version"


def terms_version(conn: sqlite3.Connection) -> int:
    """The version of the index keys the stored index holds."""
    value = _meta.get(conn, TERMS_META_KEY)
    return int(value) if value and value.isdecimal() else 1


def record_terms_version(conn: sqlite3.Connection) -> None:
    """Record that the index holds the current keys (in the caller's transaction)."""
    _meta.put(conn, TERMS_META_KEY, str(TERMS_VERSION))


def index_is_stale(conn: sqlite3.Connection) -> bool:
    """True when the index was built with older keys than the code gives."""
    return terms_version(conn) < TERMS_VERSION


def reindex_all(conn: sqlite3.Connection) -> int:
    """Drop and refill the index inside the caller's transaction (used by migrations)."""
    conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    conn.execute(fts_ddl())
    count = index_range(conn, FTS_TABLE)
    record_terms_version(conn)
    return count


SHADOW_TABLE = "articles_fts_rebuild"
OLD_TABLE = "articles_fts_old"


#: ``meta`` key of the rebuild under way: "OWNER HEARTBEAT" (heartbeat: ``time.time()``).
REBUILD_META_KEY = "search_rebuild"
#: A rebuild whose heartbeat is older than this has died: another may take over.
REBUILD_STALE_SECONDS = 120.0


def _claim_rebuild(conn: sqlite3.Connection, owner: str, *, first: bool) -> None:
    """Record ``owner``'s heartbeat for the rebuild, in the caller's transaction. Raises
    :class:`RebuildInProgress` when another live rebuild holds it (``first``: starting),
    or when another has taken it over (later: this one was presumed dead)."""
    now = time.time()
    value = _meta.get(conn, REBUILD_META_KEY)
    holder, _, beat = (value or "").rpartition(" ")
    if value and holder != owner:
        try:
            age = now - float(beat)
        except ValueError:
            age = REBUILD_STALE_SECONDS
        if first and age < REBUILD_STALE_SECONDS:
            raise RebuildInProgress(
                f"storage: another process is rebuilding the search index (its last batch"
                f" {max(age, 0):.0f} s ago; a rebuild silent for {REBUILD_STALE_SECONDS:.0f} s"
                " is taken over)")
        if not first:
            raise RebuildInProgress("storage: another process took over the search index rebuild")
    elif not value and not first:
        raise RebuildInProgress("storage: the search index rebuild was taken over")
    _meta.put(conn, REBUILD_META_KEY, f"{owner} {now}")


def rebuild(begin: Callable[[], object], commit: Callable[[], object],
            conn: sqlite3.Connection, *, batch: int = 2000, optimize: bool = True,
            progress: Callable[[int], None] | None = None) -> tuple[int, float]:
    """Rebuild the index while the bot keeps running: fill a shadow table in short
    transactions of ``batch`` articles (``begin``/``commit`` wrap each, so the bot's own
    writes wait at most about a second), merge its segments (``optimize``, also in
    short steps), then in one quick transaction index the articles stored meanwhile and
    swap the tables; the old index is dropped last. Returns (articles indexed, seconds).

    One rebuild at a time: each transaction renews this one's heartbeat in ``meta``
    (:data:`REBUILD_META_KEY`); a second one (``newsbot reindex`` while the service
    rebuilds) raises :class:`RebuildInProgress` instead of dropping the first one's shadow
    table under it. A rebuild that dies half-way leaves only the shadow table, dropped by
    the next run (once its heartbeat is :data:`REBUILD_STALE_SECONDS` old).
    """
    started = time.monotonic()
    owner = uuid.uuid4().hex
    begin()
    try:
        _claim_rebuild(conn, owner, first=True)
    except RebuildInProgress:
        commit()
        raise
    try:
        return _rebuild(begin, commit, conn, owner, batch, optimize, progress, started)
    except BaseException:
        # stopped or failed: let the next rebuild start at once (a crash leaves the claim
        # to expire instead)
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            begin()
            if (_meta.get(conn, REBUILD_META_KEY) or "").startswith(owner + " "):
                conn.execute("DELETE FROM meta WHERE key = ?", (REBUILD_META_KEY,))
            commit()
        raise


def _rebuild(begin: Callable[[], object], commit: Callable[[], object],
             conn: sqlite3.Connection, owner: str, batch: int, optimize: bool,
             progress: Callable[[int], None] | None, started: float) -> tuple[int, float]:
    """:func:`rebuild` once ``owner`` holds the claim (its transaction is open)."""
    conn.execute(f"DROP TABLE IF EXISTS {SHADOW_TABLE}")
    conn.execute(f"DROP TABLE IF EXISTS {OLD_TABLE}")
    conn.execute(fts_ddl(SHADOW_TABLE))
    configure_index(conn, SHADOW_TABLE)
    upto = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    commit()

    def step(work: Callable[[], object]) -> None:  # one transaction of the rebuild
        begin()
        try:
            _claim_rebuild(conn, owner, first=False)
            work()
        except BaseException:
            if conn.in_transaction:  # SQLite rolls back by itself on SQLITE_FULL
                conn.execute("ROLLBACK")
            raise
        commit()

    done = after = 0
    while after < upto:
        def fill(start: int = after) -> None:
            nonlocal done
            done += index_range(conn, SHADOW_TABLE, start, min(upto, start + batch), batch,
                                skip_indexed=True)
        step(fill)
        after = min(upto, after + batch)
        if progress:
            progress(done)
    while optimize:
        before = conn.total_changes
        step(lambda: conn.execute(
            f"INSERT INTO {SHADOW_TABLE}({SHADOW_TABLE}, rank) VALUES ('merge', -500)"))
        optimize = conn.total_changes - before > 2  # the heartbeat is one change

    def swap() -> None:
        nonlocal done
        # stored while we were rebuilding (the bot's own stores wrote them already; a
        # process of an older version may not have)
        done += index_range(conn, SHADOW_TABLE, upto, skip_indexed=True)
        conn.execute(f"ALTER TABLE {FTS_TABLE} RENAME TO {OLD_TABLE}")
        conn.execute(f"ALTER TABLE {SHADOW_TABLE} RENAME TO {FTS_TABLE}")
        record_terms_version(conn)
        conn.execute("DELETE FROM meta WHERE key = ?", (REBUILD_META_KEY,))

    step(swap)
    begin()
    conn.execute(f"DROP TABLE {OLD_TABLE}")
    commit()
    return done, time.monotonic() - started
