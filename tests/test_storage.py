"""Storage: a real SQLite file, migrations, clear errors for bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.config import FeedConfig
from bot.errors import SchemaVersionError, StorageError
from bot.storage import Storage
from bot.storage._polling import store_poll
from bot.storage._schema import MIGRATIONS
from tests.old_schema import database_at


@pytest.fixture
async def storage(tmp_path: Path):
    s = await Storage.open(str(tmp_path / "news.sqlite3"))
    yield s
    await s.close()


async def test_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "news.sqlite3"
    s = await Storage.open(str(path))
    fk = await s.db.write(lambda c: c.execute("PRAGMA foreign_keys").fetchone()[0])
    await s.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"feeds", "articles", "articles_fts", "chats", "subscriptions", "outbox",
            "broadcasts", "meta"} <= tables
    assert fk == 1


async def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = str(tmp_path / "news.sqlite3")
    s = await Storage.open(path)
    await s.chats.register(42, "private", "Ali", "ali")
    await s.close()
    s = await Storage.open(path)
    chat = await s.chats.get(42)
    await s.close()
    assert chat is not None and chat.title == "Ali" and chat.active


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "news.sqlite3")
    await (await Storage.open(path)).close()  # create
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaVersionError, match="newer than this newsbot supports"):
        await Storage.open(path)


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not a usable SQLite database"):
        await Storage.open(str(path))
    assert path.read_bytes() == b"this is not sqlite" * 100  # untouched


async def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        await Storage.open(str(tmp_path / "nope" / "db.sqlite3"))


async def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is a folder, not a database file"):
        await Storage.open(str(tmp_path))


async def test_another_programs_database_is_left_alone(tmp_path: Path) -> None:
    """A wrong ``storage.database`` pointing at another program's SQLite file: newsbot's
    tables are not added to it (before, any command, even ``stats``, migrated it)."""
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (9.5)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match=r"holds another program's tables \(invoices\)"):
        await Storage.open(str(path))
    assert path.read_bytes() == before


async def test_an_unreadable_schema_version_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "news.sqlite3"
    await (await Storage.open(str(path))).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 'abc'")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match=r"news.sqlite3: the schema version is not a "
                                           r"number \('abc'\)"):
        await Storage.open(str(path))


async def test_failed_write_rolls_back_everything(storage: Storage) -> None:
    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO chats (id, type, created_at, updated_at)"
                     " VALUES (1, 'private', 0, 0)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await storage.db.write(half_then_fail)
    assert await storage.chats.get(1) is None


async def test_register_subscribes_new_chats_to_default_feeds(storage: Storage) -> None:
    await storage.feeds.sync_config((
        FeedConfig(url="https://a.example/rss", name="أ", default=True),
        FeedConfig(url="https://b.example/rss", name="ب", default=False),
    ))
    chat, is_new = await storage.chats.register(7, "private", "Sara")
    assert is_new
    subs = await storage.subscriptions.list(7)
    assert [s.display for s in subs] == ["أ"]
    # A returning chat keeps what it has and is reactivated.
    await storage.chats.deactivate(7, "blocked")
    chat, is_new = await storage.chats.register(7, "private", "Sara")
    assert not is_new and chat.active and chat.deactivated_reason is None
    assert len(await storage.subscriptions.list(7)) == 1


async def test_sync_config_adds_updates_and_removes_config_feeds(storage: Storage) -> None:
    a = FeedConfig(url="https://a.example/rss", name="A")
    b = FeedConfig(url="https://b.example/rss", name="B")
    assert await storage.feeds.sync_config((a, b)) == {"added": 2, "updated": 0, "removed": 0}
    await storage.feeds.add("https://admin.example/rss", "Admin", origin="admin")
    a2 = FeedConfig(url="https://a.example/rss", name="A2", category="c", default=True)
    assert await storage.feeds.sync_config((a2,)) == {"added": 0, "updated": 1, "removed": 1}
    feeds = {f.url: f for f in await storage.feeds.list()}
    assert set(feeds) == {"https://a.example/rss", "https://admin.example/rss"}
    assert feeds["https://a.example/rss"].name == "A2"
    assert feeds["https://a.example/rss"].is_default
    assert await storage.feeds.sync_config((a2,)) == {"added": 0, "updated": 0, "removed": 0}


async def test_another_spelling_of_a_stored_feed_url_is_that_feed(storage: Storage) -> None:
    feed, created = await storage.feeds.add("HTTPS://News.Example:443/Arabic/RSS?x=A", "N")
    assert created and feed.url == "https://news.example/Arabic/RSS?x=A"  # stored canonical
    for spelling in ("https://news.example/Arabic/RSS?x=A", "https://NEWS.EXAMPLE./Arabic/RSS?x=A",
                     "https://news.example:443/Arabic/RSS?x=A#latest"):
        again, created = await storage.feeds.add(spelling, "another name", origin="cli")
        assert (again.id, again.name, again.origin, created) == (feed.id, "N", "admin", False)
    other, created = await storage.feeds.add("https://news.example/arabic/rss?x=A", "M")
    assert created and other.id != feed.id  # the path is case-sensitive
    # the config file names it in yet another spelling: the stored feed becomes its own
    fc = FeedConfig(url="https://News.Example./Arabic/RSS?x=A", name="من الملف")
    assert await storage.feeds.sync_config((fc,)) == {"added": 0, "updated": 1, "removed": 0}
    assert await storage.feeds.sync_config((fc,)) == {"added": 0, "updated": 0, "removed": 0}
    feeds = await storage.feeds.list()
    assert [(f.id, f.url, f.name, f.origin) for f in feeds] == [
        (feed.id, feed.url, "من الملف", "config"),
        (other.id, "https://news.example/arabic/rss?x=A", "M", "admin")]


async def test_a_redirect_to_another_spelling_of_a_feed_is_no_move(storage: Storage) -> None:
    await storage.feeds.add("https://a.example/rss", "A")
    b, _ = await storage.feeds.add("https://b.example/rss", "B")

    async def poll(feed_id: int, moved_to: str) -> bool:
        result = await storage.db.write(lambda c: store_poll(
            c, feed_id, [], now=1.0, next_poll_at=2.0, etag=None, last_modified=None,
            moved_to=moved_to))
        return result.moved

    assert not await poll(b.id, "HTTPS://A.EXAMPLE:443/rss")  # feed a's address already
    assert await poll(b.id, "https://B.example./feed")
    assert [f.url for f in await storage.feeds.list()] == [
        "https://a.example/rss", "https://b.example/feed"]


async def test_removing_a_feed_removes_its_subscriptions(storage: Storage) -> None:
    feed, _ = await storage.feeds.add("https://a.example/rss", "A", is_default=True)
    await storage.chats.register(1, "private")
    assert len(await storage.subscriptions.list(1)) == 1
    assert await storage.feeds.remove(feed.id)
    assert await storage.subscriptions.list(1) == []


async def test_stats_counts(storage: Storage) -> None:
    await storage.chats.register(1, "private")
    await storage.chats.register(-100, "supergroup", "Group")
    await storage.chats.deactivate(1, "blocked")
    stats = await storage.stats()
    assert stats["chats_active"] == 1 and stats["chats_inactive"] == 1
    assert stats["articles"] == 0 and stats["outbox_pending"] == 0


async def test_bad_chat_type_is_rejected(storage: Storage) -> None:
    with pytest.raises(ValueError):
        await storage.chats.register(1, "bogus")


async def test_backup_while_open(storage: Storage, tmp_path: Path) -> None:
    await storage.chats.register(5, "private")
    target = tmp_path / "backup.sqlite3"
    await storage.backup(str(target))
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT COUNT(*) FROM chats").fetchone()[0] == 1
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_a_version_4_database_gains_the_feed_listing(tmp_path: Path) -> None:
    path = str(tmp_path / "news.sqlite3")
    conn = database_at(path, 4)  # as the previous release left it
    conn.execute("INSERT INTO feeds (url, name, created_at)"
                 " VALUES ('https://news.example/rss', 'المصدر', 0)")
    conn.close()
    s = await Storage.open(path)
    try:
        [feed] = await s.feeds.list()
        listed = await s.db.read(
            lambda c: [tuple(r) for r in c.execute("SELECT listed FROM feeds")])
    finally:
        await s.close()
    assert feed.url == "https://news.example/rss" and listed == [(None,)]
