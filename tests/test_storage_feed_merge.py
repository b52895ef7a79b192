"""Schema version 7: feed URLs stored canonical, and feeds stored twice under two spellings
of one URL (by the CLI, OPML or /addfeed, which compared URLs exactly) merged into one,
on a real database built at version 6 holding such duplicates with subscriptions,
articles, outbox rows and a broadcast on each."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Article
from bot.search.query import parse_query
from bot.storage import Storage, _fts
from bot.storage._db import _configure
from bot.storage._listing import listed_keys, listing
from bot.storage._schema import MIGRATIONS, _v7_canonical_feed_urls

PREVIOUS = 6
NOW = 1_750_000_000.0

# id, url, origin, is_default, paused, disabled_reason, initialized, listed
FEEDS = [
    (1, "https://a.example/rss", "cli", 0, 0, None, 1, listing(["https://a.example/1"], [])),
    (2, "HTTPS://B.Example/rss", "config", 1, 0, None, 1, None),  # alone: only respelled
    (3, "https://A.EXAMPLE:443/rss", "admin", 1, 0, None, 1,
     listing(["https://a.example/3"], ["g3"])),
    (4, "https://a.example./rss", "opml", 0, 1, None, 0, None),  # paused
    (5, "https://c.example/feed", "cli", 0, 1, None, 1, None),  # oldest, but paused
    (6, "https://C.example/feed", "config", 0, 0, None, 0, None),  # enabled, from the file
    (7, "https://مثال.مصر/rss?Section=World", "admin", 0, 0, "10 failed polls in a row", 1,
     None),
    (8, "https://xn--mgbh0fb.xn--wgbh1c/rss?Section=World", "cli", 0, 0,
     "10 failed polls in a row", 1, None),  # both disabled: the oldest stays
    (9, "https://a.example/RSS", "cli", 0, 0, None, 1, None),  # another path: another feed
]
CHATS = [100, 200, 300]
# chat, kind, feed_id, value, display
SUBSCRIPTIONS = [
    (100, "feed", 1, "1", "أ"),
    (100, "feed", 3, "3", "أ مكرر"),  # the same feed twice: one row is left
    (100, "keyword", None, "غزه", "غزة"),
    (200, "feed", 3, "3", "أ مكرر"),  # only the duplicate: moves
    (200, "feed", 5, "5", "ج"),  # the paused oldest: moves to 6
    (300, "feed", 4, "4", "أ ثالث"),
    (300, "feed", 1, "1", "أ"),
    (300, "feed", 8, "8", "مثال"),
    (300, "feed", 9, "9", "أ كبير"),
]
# id, feed_id, guid, url, title
ARTICLES = [
    (1, 1, "g1", "https://a.example/1", "خبر أول عن الاقتصاد"),
    (2, 1, "g2", "https://a.example/2", "خبر ثان عن الرياضة"),
    (3, 3, "g1", "https://a.example/3", "خبر ثالث عن السياسة"),  # g1 is feed 1's: cleared
    (4, 3, "g3", "https://a.example/4", "خبر رابع عن الطقس"),
    (5, 4, "g3", "https://a.example/5", "خبر خامس عن الصحة"),  # g3 moves with 4: cleared
    (6, 4, None, "https://a.example/6", "خبر سادس عن التعليم"),
    (7, 5, "c1", "https://c.example/7", "خبر سابع عن الزراعة"),
    (8, 8, "m1", "https://xn--mgbh0fb.xn--wgbh1c/8", "خبر ثامن عن السفر"),
]
# id, chat, article, status
OUTBOX = [
    (1, 100, 1, "sent"), (2, 100, 3, "pending"), (3, 200, 4, "pending"),
    (4, 200, 5, "failed"), (5, 300, 6, "pending"), (6, 300, 5, "sent"),
    (7, 200, 7, "pending"), (8, 300, 8, "sending"),
]


def build_previous(path: Path) -> None:
    """A database at schema version 6, migrated as ``_migrate`` does, holding the rows
    above as the previous release could store them."""
    conn = sqlite3.connect(path, isolation_level=None)
    _configure(conn)
    conn.execute("PRAGMA journal_mode = WAL")
    for version, migration in enumerate(MIGRATIONS[:PREVIOUS], 1):
        conn.execute("BEGIN IMMEDIATE")
        migration(conn)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))
        conn.execute("COMMIT")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO feeds (id, url, name, origin, is_default, paused, disabled_reason,"
        " initialized, listed, etag, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*f[:2], f"feed {f[0]}", *f[2:], f"etag-{f[0]}", NOW + f[0]) for f in FEEDS])
    conn.executemany("INSERT INTO chats (id, type, created_at, updated_at) VALUES"
                     " (?, 'private', ?, ?)", [(c, NOW, NOW) for c in CHATS])
    conn.executemany(
        "INSERT INTO subscriptions (chat_id, kind, feed_id, value, display, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", [(*s, NOW) for s in SUBSCRIPTIONS])
    for article_id, feed_id, guid, url, title in ARTICLES:
        conn.execute(
            "INSERT INTO articles (id, feed_id, guid, url, title, source, published_at,"
            " fetched_at, story_id) VALUES (?, ?, ?, ?, ?, 'المصدر', ?, ?, ?)",
            (article_id, feed_id, guid, url, title, NOW, NOW, article_id))
        _fts.index_article(conn, article_id, title, "", "")
    conn.executemany(
        "INSERT INTO outbox (id, chat_id, article_id, story_id, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", [(*o[:3], o[2], o[3], NOW) for o in OUTBOX])
    conn.execute("INSERT INTO broadcasts (id, admin_id, kind, article_id, status, created_at)"
                 " VALUES (1, 42, 'article', 5, 'done', ?)", (NOW,))
    conn.execute("COMMIT")
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == PREVIOUS
    conn.close()


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


async def test_duplicate_feeds_are_merged_and_nothing_is_lost(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "news.sqlite3"
    build_previous(path)
    caplog.set_level(logging.WARNING, logger="bot.storage._feed_merge")
    storage = await Storage.open(str(path))
    try:
        feeds = {f.id: f for f in await storage.feeds.list()}
        # after the upgrade, another spelling finds the kept feed on every add path
        again, created = await storage.feeds.add("https://A.Example./rss", "x", origin="cli")
        assert (again.id, created) == (1, False)
        found = await storage.search.search(parse_query("الصحة"))
    finally:
        await storage.close()

    assert rows(path, "SELECT version FROM schema_version") == [(len(MIGRATIONS),)]
    assert MIGRATIONS[PREVIOUS] is _v7_canonical_feed_urls  # the upgrade under test
    assert {i: (f.url, f.origin, f.is_default, f.paused, f.disabled_reason, f.initialized,
                f.etag) for i, f in feeds.items()} == {
        1: ("https://a.example/rss", "cli", True, False, None, True, "etag-1"),
        2: ("https://b.example/rss", "config", True, False, None, True, "etag-2"),
        6: ("https://c.example/feed", "config", False, False, None, True, "etag-6"),
        7: ("https://xn--mgbh0fb.xn--wgbh1c/rss?Section=World", "admin", False, False,
            "10 failed polls in a row", True, "etag-7"),
        9: ("https://a.example/RSS", "cli", False, False, None, True, "etag-9"),
    }
    [(blob,)] = rows(path, "SELECT listed FROM feeds WHERE id = 1")
    assert listed_keys(blob) == listed_keys(FEEDS[0][7]) | listed_keys(FEEDS[2][7])

    assert sorted(rows(path, "SELECT chat_id, kind, feed_id, value, display FROM"
                             " subscriptions")) == sorted([
        (100, "feed", 1, "1", "أ"),
        (100, "keyword", None, "غزه", "غزة"),
        (200, "feed", 1, "1", "أ مكرر"),
        (200, "feed", 6, "6", "ج"),
        (300, "feed", 1, "1", "أ"),
        (300, "feed", 7, "7", "مثال"),
        (300, "feed", 9, "9", "أ كبير"),
    ])
    assert rows(path, "SELECT id, feed_id, guid, url, title FROM articles ORDER BY id") == [
        (1, 1, "g1", "https://a.example/1", "خبر أول عن الاقتصاد"),
        (2, 1, "g2", "https://a.example/2", "خبر ثان عن الرياضة"),
        (3, 1, None, "https://a.example/3", "خبر ثالث عن السياسة"),
        (4, 1, "g3", "https://a.example/4", "خبر رابع عن الطقس"),
        (5, 1, None, "https://a.example/5", "خبر خامس عن الصحة"),
        (6, 1, None, "https://a.example/6", "خبر سادس عن التعليم"),
        (7, 6, "c1", "https://c.example/7", "خبر سابع عن الزراعة"),
        (8, 7, "m1", "https://xn--mgbh0fb.xn--wgbh1c/8", "خبر ثامن عن السفر"),
    ]
    assert rows(path, "SELECT id, chat_id, article_id, status FROM outbox ORDER BY id") == [
        tuple(o) for o in OUTBOX]
    assert rows(path, "SELECT id, article_id FROM broadcasts") == [(1, 5)]
    assert [h.article.id for h in found.hits] == [5]  # a dropped feed's, still found
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]
    assert rows(path, "PRAGMA foreign_key_check") == []
    merges = [r.getMessage() for r in caplog.records if r.name == "bot.storage._feed_merge"]
    assert merges == [
        "storage: feed #3 was another spelling of feed #1 (https://a.example/rss): merged"
        " into it (1 subscription(s) moved, 1 already there, 2 article(s) moved)",
        "storage: feed #4 was another spelling of feed #1 (https://a.example/rss): merged"
        " into it (0 subscription(s) moved, 1 already there, 2 article(s) moved)",
        "storage: feed #5 was another spelling of feed #6 (https://c.example/feed): merged"
        " into it (1 subscription(s) moved, 0 already there, 1 article(s) moved)",
        "storage: feed #8 was another spelling of feed #7"
        " (https://xn--mgbh0fb.xn--wgbh1c/rss?Section=World): merged into it"
        " (1 subscription(s) moved, 0 already there, 1 article(s) moved)",
    ]


async def test_a_merged_feed_reaches_each_subscriber_once(tmp_path: Path) -> None:
    path = tmp_path / "news.sqlite3"
    build_previous(path)
    storage = await Storage.open(str(path))
    try:
        article_id = await storage.articles.insert(Article(
            title="خبر جديد من المصدر", url="https://a.example/new", source="أ",
            published=datetime.now(UTC), feed_id=1, guid="new"))
        queued = await storage.db.read(lambda c: [tuple(r) for r in c.execute(
            "SELECT chat_id FROM outbox WHERE article_id = ? ORDER BY chat_id",
            (article_id,))])
        # a second start finds nothing to merge: the upgrade ran once
        await storage.close()
        storage = await Storage.open(str(path))
        assert [f.id for f in await storage.feeds.list()] == [1, 2, 6, 7, 9]
    finally:
        await storage.close()
    assert queued == [(100,), (200,), (300,)]
