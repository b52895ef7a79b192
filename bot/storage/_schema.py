"""Versioned schema migrations. ``MIGRATIONS[i]`` brings version i to i + 1.

Never edit a migration that has shipped; append a new one. Each runs inside one
transaction (SQLite DDL is transactional), so a failed upgrade leaves the file as it was.
Times are Unix seconds (REAL, UTC).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute ``script`` statement by statement inside the current transaction
    (``executescript`` would COMMIT first)."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            conn.execute(buf)
            buf = ""
    if buf.strip():
        conn.execute(buf)


V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);

CREATE TABLE feeds (
    id                    INTEGER PRIMARY KEY,
    url                   TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    category              TEXT NOT NULL DEFAULT '',
    is_default            INTEGER NOT NULL DEFAULT 0,
    origin                TEXT NOT NULL DEFAULT 'config',   -- config | admin | opml | cli
    interval_seconds      INTEGER,                          -- NULL: polling.interval_seconds
    paused                INTEGER NOT NULL DEFAULT 0,       -- by an admin
    disabled_reason       TEXT,                             -- set after too many failures
    etag                  TEXT,
    last_modified         TEXT,
    body_hash             TEXT,
    initialized           INTEGER NOT NULL DEFAULT 0,       -- first poll done
    next_poll_at          REAL NOT NULL DEFAULT 0,
    last_polled_at        REAL,
    last_success_at       REAL,
    last_error            TEXT,
    last_error_kind       TEXT,
    last_error_at         REAL,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    created_at            REAL NOT NULL
);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    guid          TEXT,
    url           TEXT NOT NULL UNIQUE,                    -- canonical URL
    title         TEXT NOT NULL,
    source        TEXT NOT NULL,                           -- display name of the source
    author        TEXT,
    category      TEXT,
    published_at  REAL NOT NULL,
    fetched_at    REAL NOT NULL,
    text          TEXT NOT NULL DEFAULT '',
    summary       TEXT NOT NULL DEFAULT '',
    image_url     TEXT,
    story_id      INTEGER,                                 -- cross-source story group
    fingerprint   INTEGER                                  -- near-duplicate hash (SimHash)
);
CREATE UNIQUE INDEX articles_feed_guid ON articles(feed_id, guid) WHERE guid IS NOT NULL;
CREATE INDEX articles_published ON articles(published_at);
CREATE INDEX articles_story ON articles(story_id);
CREATE INDEX articles_fetched ON articles(fetched_at);

-- Full-text index over *normalized* Arabic (bot.arabic.normalize), rowid = articles.id.
-- Kept in sync by the storage code in the same transaction as the article.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, text,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE chats (
    id                  INTEGER PRIMARY KEY,                -- Telegram chat id
    type                TEXT NOT NULL CHECK (type IN ('private','group','supergroup','channel')),
    title               TEXT,
    username            TEXT,
    active              INTEGER NOT NULL DEFAULT 1,
    deactivated_reason  TEXT,
    timezone            TEXT NOT NULL DEFAULT 'Asia/Riyadh',
    digest              TEXT NOT NULL DEFAULT 'off' CHECK (digest IN ('off','hourly','daily')),
    digest_time         TEXT,                               -- HH:MM for daily digests
    quiet_start         TEXT,                               -- HH:MM
    quiet_end           TEXT,                               -- HH:MM
    last_digest_at      REAL,
    created_at          REAL NOT NULL,
    updated_at          REAL NOT NULL
);

CREATE TABLE subscriptions (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('feed','category','keyword')),
    feed_id     INTEGER REFERENCES feeds(id) ON DELETE CASCADE,   -- set when kind = 'feed'
    value       TEXT NOT NULL,        -- feed id as text, normalized category or keyword
    display     TEXT NOT NULL,        -- what the user typed / the source's name
    created_at  REAL NOT NULL,
    UNIQUE (chat_id, kind, value)
);
CREATE INDEX subscriptions_match ON subscriptions(kind, value);
CREATE INDEX subscriptions_feed ON subscriptions(feed_id) WHERE feed_id IS NOT NULL;

CREATE TABLE broadcasts (
    id                   INTEGER PRIMARY KEY,
    admin_id             INTEGER NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('text','article','copy')),
    text                 TEXT,
    article_id           INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    from_chat_id         INTEGER,
    from_message_id      INTEGER,
    status               TEXT NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft','sending','done','cancelled')),
    progress_chat_id     INTEGER,
    progress_message_id  INTEGER,
    total                INTEGER NOT NULL DEFAULT 0,
    created_at           REAL NOT NULL,
    confirmed_at         REAL,
    finished_at          REAL
);

-- One row per (chat, article) or (chat, broadcast): the only bridge between ingestion
-- and delivery. status: pending -> sending (leased) -> sent | failed | dropped | cancelled.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    article_id    INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    broadcast_id  INTEGER REFERENCES broadcasts(id) ON DELETE CASCADE,
    story_id      INTEGER,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending','sending','sent','failed','dropped','cancelled')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    REAL NOT NULL DEFAULT 0,
    lease_until   REAL,
    lease_owner   TEXT,
    error         TEXT,
    message_id    INTEGER,
    silent        INTEGER NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL,
    sent_at       REAL,
    CHECK ((article_id IS NULL) <> (broadcast_id IS NULL))
);
CREATE UNIQUE INDEX outbox_chat_article ON outbox(chat_id, article_id)
    WHERE article_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_chat_broadcast ON outbox(chat_id, broadcast_id)
    WHERE broadcast_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_chat_story ON outbox(chat_id, story_id)
    WHERE story_id IS NOT NULL;
CREATE INDEX outbox_due ON outbox(status, not_before, id);
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, status) WHERE broadcast_id IS NOT NULL;

-- Small named values: instance lease, last poll time, and the like.
CREATE TABLE meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  REAL NOT NULL
);
"""


def _v1(conn: sqlite3.Connection) -> None:
    run_script(conn, V1)


# Deleting an article cascades to its outbox rows and nulls broadcasts.article_id; without
# an index on those child columns SQLite scans the whole child table for every deleted
# article (measured: retention pruning 20,000 of 40,000 articles took 73 s; with these
# indexes well under a second of it is foreign-key work). Also serves "rows of article X".
# Delivery: partial indexes over the rows still to send. The worker scans pending rows in
# id order from a cursor (round-robin across chats, see bot/delivery/fairness.py), and
# per-chat operations (drop a blocked chat's rows, bundle a digest) look rows up by chat.
V2 = """
CREATE INDEX outbox_article ON outbox(article_id) WHERE article_id IS NOT NULL;
CREATE INDEX broadcasts_article ON broadcasts(article_id) WHERE article_id IS NOT NULL;
CREATE INDEX outbox_pending ON outbox(id) WHERE status = 'pending';
CREATE INDEX outbox_pending_chat ON outbox(chat_id, id) WHERE status = 'pending';
"""


def _v2(conn: sqlite3.Connection) -> None:
    run_script(conn, V2)


def _v3_search(conn: sqlite3.Connection) -> None:
    """Search: the index holds stemmed, stopword-free terms (bot.search.terms) and a
    ``source`` column, so it is recreated and refilled; saved queries for result paging."""
    from bot.storage._fts import reindex_all

    run_script(conn, """
CREATE TABLE search_queries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: old buttons stay stale
    chat_id     INTEGER,
    text        TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX search_queries_created ON search_queries(created_at);
-- Ranking reads the dates of a few hundred candidates: from this small index, not from
-- the article rows (several KB each, mostly overflow pages).
CREATE INDEX articles_search_date ON articles(id, published_at);
""")
    reindex_all(conn)


def _v4_index_merging(conn: sqlite3.Connection) -> None:
    """The full-text index merges 16 segments of a level instead of 4 (cheaper stores)."""
    from bot.storage._fts import configure_index

    configure_index(conn)


def _v5_feed_listing(conn: sqlite3.Connection) -> None:
    """What each feed lists now (bot.storage._listing): retention keeps those articles."""
    conn.execute("ALTER TABLE feeds ADD COLUMN listed BLOB")


def _v6_terms_version(conn: sqlite3.Connection) -> None:
    """Index keys are versioned (bot.search.terms.TERMS_VERSION). An empty database's index
    holds the current keys; one with articles holds version 1's, and the service rebuilds
    it beside the old one at start (bot.storage._reindex)."""
    from bot.storage._fts import record_terms_version

    if conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
        record_terms_version(conn)


def _v7_canonical_feed_urls(conn: sqlite3.Connection) -> None:
    """Feed URLs are stored canonical (:func:`bot.dedup.urls.canonical_feed_url`: scheme
    and host lower-cased, IDNA host without a trailing dot, no default port ...), and
    rows that turn out to hold one feed under several spellings (added by the CLI, OPML
    or ``/addfeed``, which compared URLs exactly) are merged into one
    (:func:`bot.storage._feed_merge.canonicalize_feed_urls`). The merge rule:

    * **Kept**: the oldest (lowest id) *enabled* row (neither paused nor disabled), else
      the oldest row. The oldest id is the one admins and old ``/sources`` buttons know
      longest; an enabled one keeps the feed polled, so a paused or disabled duplicate
      does not silence what the subscribers of the polling one were getting.
    * **The kept row** keeps its own name, category, interval, pause/disable and polling
      state (validators, failure count, next poll: they describe the same resource), and
      takes from the group: ``origin = 'config'`` when any row came from the config file
      (the file names the feed; the next start updates the row from it),
      ``is_default`` and ``initialized`` when any row had them (the others' articles are
      now its own, so its next poll pushes only what is new to all of them), and the
      union of their ``listed`` digests (retention keeps what any of them lists).
    * **Subscriptions** to a dropped row move to the kept one (``feed_id`` and ``value``);
      where the chat has the kept feed already, the duplicate row is deleted: one
      subscription per chat and feed, none lost.
    * **Articles** of a dropped row move to the kept one. One whose GUID the kept feed
      already has (``articles_feed_guid`` is unique) loses its GUID: the article, its
      outbox rows, broadcasts and search entry stay, and the kept feed's article with
      that GUID still dedups the item. Outbox rows and broadcasts point at articles,
      not feeds, so they follow their articles unchanged.
    * Then the dropped row is deleted (nothing points at it any more), and every merge
      is logged at WARNING with both ids.
    """
    from bot.storage._feed_merge import canonicalize_feed_urls

    canonicalize_feed_urls(conn)


def _v8_split_progress(conn: sqlite3.Connection) -> None:
    """Which parts of a split text (a broadcast longer than one message) a row has
    delivered, written as each part goes out, so that a restart resumes at the next part
    instead of sending the first ones again (``bot/delivery/attempt.py``):

    * ``parts_sent``: a JSON array of the message ids of the parts delivered so far, in
      order; NULL when none (every row before this version, and every message of one part);
    * ``parts_key``: which split text those are parts of (a hash of the parts,
      :func:`bot.delivery.compose.parts_key`); a row whose text now splits differently is
      sent whole again.

    Both are cleared when the row is sent. Adding nullable columns rewrites nothing: the
    upgrade takes no time whatever the size of the outbox."""
    conn.execute("ALTER TABLE outbox ADD COLUMN parts_sent TEXT")
    conn.execute("ALTER TABLE outbox ADD COLUMN parts_key TEXT")


def _v9_broadcast_forgotten(conn: sqlite3.Connection) -> None:
    """/forget deletes a chat's outbox rows, broadcast rows included; what they counted in
    each broadcast's report stays here, under the report's names (``sent``, ``failed``,
    ``blocked``, ``cancelled``, and ``left`` for a row not sent yet), so the report's
    figures still add up to its total (bot.storage._outbox_broadcasts)."""
    run_script(conn, """
CREATE TABLE IF NOT EXISTS broadcast_forgotten (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    outcome       TEXT NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (broadcast_id, outcome)
) WITHOUT ROWID;
""")


def _v10_feed_resumes(conn: sqlite3.Connection) -> None:
    """How many times /resumefeed changed each feed (``resumes``): a poll that read a
    smaller count when it started began before the last resume, and its failure is not
    counted against the resumed feed (bot.storage._polling.record_failure)."""
    conn.execute("ALTER TABLE feeds ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1, _v2, _v3_search, _v4_index_merging, _v5_feed_listing, _v6_terms_version,
    _v7_canonical_feed_urls, _v8_split_progress, _v9_broadcast_forgotten, _v10_feed_resumes]
