"""Search queries over ``articles_fts`` and the saved queries behind result paging.

Ranking is relevance blended with recency (:mod:`bot.search.ranking`), within a bounded
amount of work whatever the words. FTS5's bm25 costs about 5 µs for each row it scores
and, before the first row, walks the *whole* document list of every phrase in the
expression to count it (its IDF), so one common word makes a query take ~0.5 s on a
million articles (NOTES.md measured 2.2 s worst case). Hence three plans:

* **selective** — at least one searched word (or phrase, or OR-group) occurs in at most
  ``SELECTIVE_DF`` articles (a capped count, ~0.1 µs a row, tells; a phrase is as
  selective as its rarest word). bm25 ranks the matches
  using only those selective words (common words carry almost no IDF anyway), the
  matches themselves coming from the full expression (common words, exclusions and
  the source filter) through ``+rowid IN (subquery)``; ``+`` keeps SQLite from turning
  the IN into one FTS5 lookup per row. ``MATCH ... ORDER BY bm25 LIMIT`` runs alone on
  the FTS table; the articles are joined afterwards (NOTES.md).
* **broad** — every searched word is common: the newest ``POOL`` matches, in one
  newest-first walk that stops there; relevance is 1 plus 3 times the share of the
  searched words found in the headline (FTS5's ``highlight()`` marks them; unlike
  bm25 it looks at the row at hand only).
* **source only** (``مصدر:الجزيرة``) — the source's newest articles.

The candidates are then ordered by the blended score; at most ``POOL`` are shown.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import TYPE_CHECKING

from bot.errors import InvalidSearchQuery, SearchError, StorageError, StorageFull
from bot.models import Article
from bot.search.query import Atom, Phrase, Query, Term, atom_match, group_match
from bot.search.ranking import WEIGHTS, Hit, SearchPage, blend
from bot.storage._articles import from_row
from bot.storage._fts import index_is_stale
from bot.storage._reindex import reindex_file
from bot.storage._util import now as _now

if TYPE_CHECKING:
    from bot.storage._db import Database

POOL = 200
"""Candidates ranked per query: results beyond this many are not shown."""
SELECTIVE_DF = 2000
"""A word in at most this many articles is selective enough for bm25 (see above)."""
TITLE_RELEVANCE = 4.0
_OPEN, _CLOSE = "\x01", "\x02"  # highlight() marks: never part of an index key
QUERY_TTL_SECONDS = 14 * 86400
"""Saved queries (for the paging buttons) older than this are forgotten."""

_BM25 = "bm25(articles_fts, {})".format(", ".join(str(w) for w in WEIGHTS))


_STORAGE_TROUBLE = ("locked", "busy", "readonly", "read-only", "disk", "malformed",
                    "not a database", "unable to open", "interrupt", "no such table")


def _rejected(exc: sqlite3.OperationalError) -> bool:
    """Did FTS5 reject the MATCH expression? Only a plain SQLITE_ERROR can be that: an
    I/O error, a lock, an interrupt ... have codes of their own, whatever their message
    says (a read failing as FTS5 opens the index is "vtable constructor failed:
    articles_fts" with SQLITE_IOERR); a table missing (mid-rebuild) is storage trouble."""
    code = getattr(exc, "sqlite_errorcode", sqlite3.SQLITE_ERROR) & 0xFF
    msg = str(exc).lower()
    return code == sqlite3.SQLITE_ERROR and not any(word in msg for word in _STORAGE_TROUBLE)


def _fts(conn: sqlite3.Connection, sql: str, args: tuple) -> list[sqlite3.Row]:
    """Run a full-text query. FTS5 rejecting the MATCH expression ("fts5: syntax error",
    "unterminated string" ...) becomes InvalidSearchQuery; our builder quotes every
    operand, so that would be a bug, not user input. Other errors stay storage errors."""
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        if not _rejected(exc):
            raise
        raise InvalidSearchQuery(f"search: the index rejected the query ({exc})") from exc


def _capped_count(conn: sqlite3.Connection, match: str, cap: int) -> int:
    return int(_fts(conn, "SELECT count(*) FROM (SELECT rowid FROM articles_fts"
                          " WHERE articles_fts MATCH ? LIMIT ?)", (match, cap + 1))[0][0])


def _with_dates(conn: sqlite3.Connection, scored: dict[int, float]
                ) -> list[tuple[int, float, float]]:
    """(id, relevance, published_at) for the ids that still have an article."""
    if not scored:
        return []
    marks = ",".join("?" * len(scored))
    rows = conn.execute(f"SELECT id, published_at FROM articles INDEXED BY articles_search_date"
                        f" WHERE id IN ({marks})", list(scored)).fetchall()
    return [(r[0], scored[r[0]], float(r[1])) for r in rows]


def _selective(conn: sqlite3.Connection, group: tuple[Atom, ...]) -> bool:
    """Does this OR-group match at most SELECTIVE_DF articles? A phrase is judged by its
    rarest word: evaluating a phrase of common words means reading their positions in
    every article that has them all, which is the cost this test must avoid."""
    if len(group) == 1 and isinstance(group[0], Phrase):
        return any(_capped_count(conn, atom_match(Term(k, (k,))), SELECTIVE_DF) <= SELECTIVE_DF
                   for k in group[0].keys)
    return _capped_count(conn, group_match(group), SELECTIVE_DF) <= SELECTIVE_DF


def plan(conn: sqlite3.Connection, query: Query) -> tuple[str, tuple[tuple[Atom, ...], ...]]:
    """("source", ()), ("broad", ()) or ("selective", the selective groups)."""
    if query.source_only:
        return "source", ()
    selective = tuple(g for g in query.groups if _selective(conn, g))
    return ("selective", selective) if selective else ("broad", ())


def headline_share(title: str, query: Query) -> float:
    """The share of the query's groups found in a headline marked by FTS5's highlight()."""
    marked: set[str] = set()
    for piece in title.split(_OPEN)[1:]:
        marked.update(piece.split(_CLOSE, 1)[0].split())
    if not marked or not query.groups:
        return 0.0
    def seen(atom: Atom) -> bool:
        if isinstance(atom, Phrase):
            return set(atom.keys) <= marked
        return not marked.isdisjoint(atom.keys)

    found = sum(any(seen(a) for a in g) for g in query.groups)
    return found / len(query.groups)


def candidates(conn: sqlite3.Connection, query: Query, now: float
               ) -> tuple[list[tuple[int, float]], bool]:
    """(article id, score) of at most POOL candidates, best first; and whether more
    articles matched than were ranked."""
    full = query.match()
    kind, selective = plan(conn, query)
    scored: dict[int, float] = {}
    if kind == "source":
        rows = _fts(conn, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
                          " ORDER BY rowid DESC LIMIT ?", (full, POOL + 1))
        more = len(rows) > POOL
        scored = {r[0]: 1.0 for r in rows[:POOL]}
    elif kind == "selective":
        score = Query(groups=selective).match()
        sql = (f"SELECT rowid, {_BM25} AS score FROM articles_fts WHERE articles_fts MATCH ?"
               + ("" if score == full else " AND +rowid IN (SELECT rowid FROM articles_fts"
                                            " WHERE articles_fts MATCH ?)")
               + " ORDER BY score LIMIT ?")
        args = (score, POOL + 1) if score == full else (score, full, POOL + 1)
        rows = _fts(conn, sql, args)
        more = len(rows) > POOL
        scored = {r[0]: -r[1] for r in rows[:POOL]}
    else:
        # One newest-first walk; highlight() marks the matched words of each headline
        # (it works on the row at hand, unlike bm25 it reads no document list).
        rows = _fts(conn, "SELECT rowid, highlight(articles_fts, 0, ?, ?) FROM articles_fts"
                          " WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
                    (_OPEN, _CLOSE, full, POOL + 1))
        more = len(rows) > POOL
        scored = {r[0]: 1.0 + (TITLE_RELEVANCE - 1.0) * headline_share(r[1], query)
                  for r in rows[:POOL]}
    ranked = [(i, blend(rel, published, now)) for i, rel, published in _with_dates(conn, scored)]
    ranked.sort(key=lambda x: (-x[1], -x[0]))
    return ranked[:POOL], more


def search(conn: sqlite3.Connection, query: Query, *, offset: int = 0, limit: int = 5,
           now: float | None = None) -> SearchPage:
    """One page of results for ``query``, best first."""
    if offset < 0 or limit < 1:
        raise SearchError(f"search: bad page (offset {offset}, limit {limit})")
    ranked, more = candidates(conn, query, _now() if now is None else now)
    page = ranked[offset : offset + limit]
    articles = _articles(conn, [i for i, _ in page])
    hits = tuple(Hit(articles[i], s) for i, s in page if i in articles)
    return SearchPage(hits=hits, offset=offset, total=len(ranked), more=more)


def _articles(conn: sqlite3.Connection, ids: list[int]) -> dict[int, Article]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT * FROM articles WHERE id IN ({marks})", ids).fetchall()
    return {r["id"]: from_row(r) for r in rows}


def has_results(conn: sqlite3.Connection, query: Query) -> bool:
    return bool(_fts(conn, "SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT 1",
                     (query.match(),)))


def latest(conn: sqlite3.Connection, *, offset: int = 0, limit: int = 20) -> SearchPage:
    """The newest articles (inline mode with an empty query)."""
    rows = conn.execute("SELECT * FROM articles ORDER BY published_at DESC, id DESC"
                        " LIMIT ? OFFSET ?", (limit + 1, offset)).fetchall()
    hits = tuple(Hit(from_row(r), 0.0) for r in rows[:limit])
    total = offset + len(rows)
    return SearchPage(hits=hits, offset=offset, total=total)


# ---------------------------------------------------------------------------- saved queries

def save_query(conn: sqlite3.Connection, text: str, chat_id: int | None) -> int:
    """Keep ``text`` for the paging buttons; returns its id. Forgets expired ones."""
    stamp = _now()
    conn.execute("DELETE FROM search_queries WHERE created_at < ?",
                 (stamp - QUERY_TTL_SECONDS,))
    cur = conn.execute("INSERT INTO search_queries (chat_id, text, created_at) VALUES (?, ?, ?)",
                       (chat_id, text, stamp))
    return int(cur.lastrowid or 0)


def load_query(conn: sqlite3.Connection, query_id: int) -> tuple[str, int | None] | None:
    row = conn.execute("SELECT text, chat_id FROM search_queries WHERE id = ?",
                       (query_id,)).fetchone()
    return (row[0], row[1]) if row else None


def source_names(conn: sqlite3.Connection, limit: int = 30) -> list[str]:
    """Names of the sources (feeds), for "no such source" replies."""
    rows = conn.execute("SELECT name FROM feeds WHERE paused = 0 AND disabled_reason IS NULL"
                        " ORDER BY name LIMIT ?", (limit,)).fetchall()
    return [r[0] for r in rows]


#: Articles a transaction when the service rebuilds the index: the bot's own writes wait
#: for each one (~1 s with the 7 KB articles of bench/search.py; real ones are shorter).
REINDEX_BATCH = 500


class Search:
    """``storage.search``: the async face of this module."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def search(self, query: Query, *, offset: int = 0, limit: int = 5) -> SearchPage:
        return await self._db.read(lambda c: search(c, query, offset=offset, limit=limit))

    async def latest(self, *, offset: int = 0, limit: int = 20) -> SearchPage:
        return await self._db.read(lambda c: latest(c, offset=offset, limit=limit))

    async def has_results(self, query: Query) -> bool:
        return await self._db.read(lambda c: has_results(c, query))

    async def save_query(self, text: str, chat_id: int | None) -> int:
        return await self._db.write(lambda c: save_query(c, text, chat_id))

    async def load_query(self, query_id: int) -> tuple[str, int | None] | None:
        return await self._db.read(lambda c: load_query(c, query_id))

    async def source_names(self) -> list[str]:
        return await self._db.read(source_names)

    async def index_is_stale(self) -> bool:
        """True when the index holds keys of an older ``TERMS_VERSION`` (see
        :mod:`bot.storage._reindex`)."""
        return await self._db.read(index_is_stale)

    async def rebuild_index(self, stop: threading.Event | None = None) -> tuple[int, float]:
        """Rebuild the index beside the old one, in a thread on a connection of its own
        (the writer goes on meanwhile): (articles indexed, seconds). Setting ``stop`` ends
        it after the current batch with ``ReindexStopped``."""
        if self._db.path == ":memory:":
            raise StorageError("storage: an in-memory database cannot be reindexed")
        try:
            return await asyncio.to_thread(reindex_file, self._db.path, batch=REINDEX_BATCH,
                                           stop=stop)
        except StorageFull as exc:  # the database's "full" episode (log, /healthz)
            self._db.note_full(exc)
            raise
