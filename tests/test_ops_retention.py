"""Retention on a real SQLite file: what is pruned, what must stay, FTS kept in step."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import metrics
from bot.models import Article
from bot.storage import Storage
from bot.storage._listing import DIGEST_SIZE, is_listed, listed_keys, listing
from bot.storage._maintenance import DAY
from jobs import maintenance
from tests.fakes.telegram import FakeTelegram
from tests.service import running_service, write_config

NOW = time.time()


def _article(n: int, feed_id: int | None) -> Article:
    return Article(title=f"خبر رقم {n} عن الاقتصاد", url=f"https://news.example/{n}",
                   source="المصدر", published=datetime(2024, 1, 1, tzinfo=UTC),
                   summary=f"ملخص الخبر {n}", text=f"نص الخبر الكامل كلمةفريدة{n}",
                   feed_id=feed_id)


async def _fill(storage: Storage) -> dict[str, int]:
    """Articles, outbox rows and broadcasts of every age and state; returns named ids."""
    feed, _ = await storage.feeds.add("https://news.example/rss", "المصدر")
    await storage.chats.register(1, "private", "أ", None)
    await storage.chats.register(2, "private", "ب", None)
    ids = {}
    for name in ("old_free", "old_pending", "old_sending", "old_in_draft", "new"):
        art_id = await storage.articles.insert(_article(len(ids), feed.id), enqueue=False)
        assert art_id is not None
        ids[name] = art_id

    def setup(c: sqlite3.Connection) -> None:
        old = NOW - 200 * DAY
        for name in ("old_free", "old_pending", "old_sending", "old_in_draft"):
            c.execute("UPDATE articles SET fetched_at = ? WHERE id = ?", (old, ids[name]))

        def outbox(article: str | None, status: str, age_days: float, chat: int = 1,
                   broadcast: int | None = None) -> int:
            at = NOW - age_days * DAY
            cur = c.execute(
                "INSERT INTO outbox (chat_id, article_id, broadcast_id, status, created_at,"
                " sent_at) VALUES (?, ?, ?, ?, ?, ?)",
                (chat, ids[article] if article else None, broadcast, status, at,
                 at if status == "sent" else None))
            return int(cur.lastrowid or 0)

        ids["ob_old_sent"] = outbox("new", "sent", 30)
        ids["ob_new_sent"] = outbox("new", "sent", 1, chat=2)
        ids["ob_old_pending"] = outbox("old_pending", "pending", 200)
        ids["ob_old_sending"] = outbox("old_sending", "sending", 200)
        ids["ob_old_free_sent"] = outbox("old_free", "sent", 199)

        def broadcast(status: str, age_days: float, article: str | None = None) -> int:
            at = NOW - age_days * DAY
            cur = c.execute(
                "INSERT INTO broadcasts (admin_id, kind, text, article_id, status, created_at,"
                " finished_at) VALUES (9, ?, 'نص', ?, ?, ?, ?)",
                ("article" if article else "text", ids[article] if article else None, status,
                 at, at if status in ("done", "cancelled") else None))
            return int(cur.lastrowid or 0)

        ids["bc_old_done"] = broadcast("done", 30)
        ids["bc_old_cancelled"] = broadcast("cancelled", 30)
        ids["bc_old_done_live"] = broadcast("done", 30)
        ids["bc_new_done"] = broadcast("done", 2)
        ids["bc_old_draft"] = broadcast("draft", 30, article="old_in_draft")
        ids["ob_bc_old_failed"] = outbox(None, "failed", 30, broadcast=ids["bc_old_done"])
        ids["ob_bc_live"] = outbox(None, "pending", 30, broadcast=ids["bc_old_done_live"])
        # the other final states (one row per chat and article: a chat each)
        for i, status in enumerate(("failed", "dropped", "cancelled")):
            c.execute("INSERT INTO chats (id, type, created_at, updated_at)"
                      " VALUES (?, 'private', 0, 0)", (100 + i,))
            ids[f"ob_old_{status}"] = outbox("new", status, 20, chat=100 + i)

    await storage.db.write(setup)
    return ids


def _ids(conn: sqlite3.Connection, table: str) -> set[int]:
    return {r[0] for r in conn.execute(f"SELECT id FROM {table}")}


async def test_prune_removes_only_what_nothing_needs(tmp_path: Path) -> None:
    storage = await Storage.open(str(tmp_path / "db.sqlite3"))
    try:
        ids = await _fill(storage)
        result = await storage.maintenance.prune(articles_days=180, outbox_days=14,
                                                 now=NOW, batch=1)
        articles = await storage.db.read(lambda c: _ids(c, "articles"))
        outbox = await storage.db.read(lambda c: _ids(c, "outbox"))
        broadcasts = await storage.db.read(lambda c: _ids(c, "broadcasts"))
        fts = await storage.db.read(
            lambda c: {r[0] for r in c.execute("SELECT rowid FROM articles_fts")})
        hits = await storage.db.read(lambda c: c.execute(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'كلمةفريدة0'"
        ).fetchone()[0])
    finally:
        await storage.close()

    # old article with only final outbox rows: gone, with its index row and its rows
    assert ids["old_free"] not in articles and ids["ob_old_free_sent"] not in outbox
    assert hits == 0
    # old articles still needed by a pending/sending row or a draft broadcast: kept
    assert {ids["old_pending"], ids["old_sending"], ids["old_in_draft"], ids["new"]} == articles
    assert fts == articles  # the index follows the table exactly
    # outbox: final + older than 14 days -> gone; pending/sending never; recent kept
    for gone in ("ob_old_sent", "ob_old_failed", "ob_old_dropped", "ob_old_cancelled",
                 "ob_bc_old_failed"):
        assert ids[gone] not in outbox, gone
    for kept in ("ob_new_sent", "ob_old_pending", "ob_old_sending", "ob_bc_live"):
        assert ids[kept] in outbox, kept
    # broadcasts: finished + old + nothing live -> gone
    assert broadcasts == {ids["bc_old_done_live"], ids["bc_new_done"], ids["bc_old_draft"]}
    assert (result.articles, result.batches, result.broadcasts) == (1, 1, 2)
    assert result.outbox == 6  # 5 article rows + the old broadcast's failed row

    # Integrity of the file and of the FTS index after the deletes; a second run is a no-op.
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
    finally:
        conn.close()
    storage = await Storage.open(str(tmp_path / "db.sqlite3"))
    try:
        again = await storage.maintenance.prune(articles_days=180, outbox_days=14, now=NOW)
    finally:
        await storage.close()
    assert (again.articles, again.outbox, again.broadcasts) == (0, 0, 0)


async def test_prune_in_batches_and_checkpoint_shrinks_the_wal(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite3")
    storage = await Storage.open(path)
    try:
        feed, _ = await storage.feeds.add("https://news.example/rss", "المصدر")

        def many(c: sqlite3.Connection) -> None:
            for n in range(300):
                cur = c.execute(
                    "INSERT INTO articles (feed_id, url, title, source, published_at,"
                    " fetched_at, text) VALUES (?, ?, 'عنوان', 'مصدر', 0, ?, ?)",
                    (feed.id, f"https://news.example/a{n}", NOW - 400 * DAY, "كلمة " * 200))
                c.execute("INSERT INTO articles_fts (rowid, title, summary, text)"
                          " VALUES (?, 'عنوان', '', ?)", (cur.lastrowid, "كلمة " * 200))

        await storage.db.write(many)
        result = await storage.maintenance.prune(articles_days=180, outbox_days=14,
                                                 now=NOW, batch=128)
        left = await storage.db.read(lambda c: (
            c.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            c.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0]))
    finally:
        await storage.close()
    assert result.articles == 300 and result.batches == 3
    assert left == (0, 0)
    assert result.wal_bytes_before and result.wal_bytes_before > 0
    assert result.wal_bytes_after == 0


async def test_article_deletes_use_the_child_indexes(tmp_path: Path) -> None:
    """Deleting an article looks up its outbox rows and broadcasts (cascade, SET NULL):
    without these indexes every delete scans both tables (20k prunes took 73 s)."""
    storage = await Storage.open(str(tmp_path / "db.sqlite3"))
    try:
        plans = await storage.db.read(lambda c: [
            " ".join(str(r[3]) for r in c.execute(f"EXPLAIN QUERY PLAN {sql}", (1,)))
            for sql in ("SELECT 1 FROM outbox WHERE article_id = ?",
                        "SELECT 1 FROM broadcasts WHERE article_id = ?")])
    finally:
        await storage.close()
    assert "outbox_article" in plans[0] and "broadcasts_article" in plans[1], plans


async def test_the_job_prunes_with_the_configured_days(tmp_path: Path,
                                                       fake_telegram: FakeTelegram) -> None:
    config = write_config(tmp_path, fake_telegram, retention={"articles_days": 30,
                                                              "outbox_days": 7})
    async with running_service(config) as service:
        assert service.storage is not None
        await service.storage.articles.insert(_article(1, None), enqueue=False)
        await service.storage.db.write(lambda c: c.execute(
            "UPDATE articles SET fetched_at = ?", (NOW - 31 * DAY,)))
        before = metrics.RETENTION_DELETED.labels("articles")._value.get()
        result = await maintenance.run(service.services)
        assert result["articles"] == 1
        assert metrics.RETENTION_DELETED.labels("articles")._value.get() == before + 1
        [job] = service.app.job_queue.get_jobs_by_name("maintenance")  # type: ignore[union-attr]
        assert job.next_t is not None


async def test_articles_their_feed_still_lists_are_kept(tmp_path: Path) -> None:
    """An old article is kept while the latest version of its (not disabled) feed lists
    its URL or its GUID; the batches step over kept ones to the prunable ones after."""
    storage = await Storage.open(str(tmp_path / "db.sqlite3"))
    try:
        feed, _ = await storage.feeds.add("https://news.example/rss", "المصدر")
        gone, _ = await storage.feeds.add("https://gone.example/rss", "موقع متوقف")
        ids = {}
        for n in range(9):
            owner = gone.id if n == 8 else feed.id
            article = replace(_article(n, owner), guid=f"guid-{n}")
            ids[n] = await storage.articles.insert(article, enqueue=False)
        old = NOW - 200 * DAY
        # feed lists 0-3 by URL, 4 by its GUID (its link changed since); 5-7 are no longer
        # listed; the disabled feed still "lists" 8, which protects nothing
        listed = listing([f"https://news.example/{n}" for n in range(4)] + ["https://x.example/4"],
                         ["guid-4", "guid-other"])
        await storage.db.write(lambda c: (
            c.execute("UPDATE articles SET fetched_at = ?", (old,)),
            c.execute("UPDATE feeds SET listed = ? WHERE id = ?", (listed, feed.id)),
            c.execute("UPDATE feeds SET listed = ?, disabled_reason = '410' WHERE id = ?",
                      (listing(["https://news.example/8"], []), gone.id))))
        result = await storage.maintenance.prune(articles_days=180, outbox_days=14, now=NOW,
                                                 batch=3)
        left = await storage.db.read(lambda c: _ids(c, "articles"))
        fts = await storage.db.read(
            lambda c: {r[0] for r in c.execute("SELECT rowid FROM articles_fts")})
    finally:
        await storage.close()
    assert left == {ids[n] for n in range(5)} == fts
    # batches of 3: [0 1 2] all kept, [3 4 5] deletes 5, [6 7 8] deletes all three
    assert (result.articles, result.listed, result.batches) == (4, 5, 2)


def test_a_listing_is_the_digests_of_urls_and_guids() -> None:
    blob = listing(["https://a.example/1", "https://a.example/1"], ["https://a.example/1", ""])
    assert len(blob) == 2 * DIGEST_SIZE  # the URL once, the GUID apart from it, "" ignored
    keys = listed_keys(blob)
    assert is_listed(keys, "https://a.example/1", None)
    assert is_listed(keys, "https://other.example/", "https://a.example/1")
    assert not is_listed(keys, "https://other.example/", "https://other.example/")
    assert listed_keys(None) == listed_keys(b"") == listed_keys(blob[:-1]) == frozenset()
    assert not is_listed(frozenset(), "https://a.example/1", None)


async def test_the_service_rebuilds_an_index_of_older_keys_at_start(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    from tests.test_search_storage import BAHRAIN, stale_index, titles

    await (await stale_index(tmp_path / "newsbot.sqlite3")).close()
    async with running_service(write_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        search = service.storage.search
        assert await search.index_is_stale()
        [job] = service.app.job_queue.get_jobs_by_name("reindex")  # type: ignore[union-attr]
        assert job.next_t is not None
        deadline = time.monotonic() + 30
        while await search.index_is_stale():  # the job runs 5 s after start
            assert time.monotonic() < deadline, "the index was not rebuilt"
            await asyncio.sleep(0.2)
        assert await titles(service.storage, "البحرين") == [BAHRAIN.title]
        # nothing left to do: a second run (the next start) leaves the index alone
        assert await maintenance.reindex_if_stale(service.services) is None


async def test_a_rebuild_killed_just_before_a_restart_is_finished_by_the_restart(
        tmp_path: Path, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A service killed mid-rebuild and restarted within 120 s found the dead one's claim
    still fresh, said so once and never tried again: the index stayed stale all run."""
    from bot.storage import _fts, _meta
    from tests.test_search_storage import BAHRAIN, stale_index, titles

    storage = await stale_index(tmp_path / "newsbot.sqlite3")
    # the killed process's last heartbeat: 112 s ago, so its claim expires 8 s from now
    await storage.db.write(lambda c: _meta.put(
        c, _fts.REBUILD_META_KEY, f"otherhost:4242:dead {time.time() - 112}"))
    await storage.close()
    monkeypatch.setattr(maintenance, "RETRY_SECONDS", 1.0)
    async with running_service(write_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        search = service.storage.search
        deadline = time.monotonic() + 40
        while await search.index_is_stale():
            assert time.monotonic() < deadline, "the index was not rebuilt"
            await asyncio.sleep(0.2)
        assert await titles(service.storage, "البحرين") == [BAHRAIN.title]
    said = [r.getMessage() for r in caplog.records if "trying again every" in r.getMessage()]
    assert len(said) == 1 and "another process is rebuilding the search index" in said[0]


async def test_the_retention_log_line_puts_each_number_in_its_place(
        tmp_path: Path, fake_telegram: FakeTelegram,
        caplog: pytest.LogCaptureFixture) -> None:
    async with running_service(write_config(tmp_path, fake_telegram)) as service:
        caplog.set_level("INFO", logger="jobs.maintenance")
        await maintenance.run(service.services)
    [line] = [r.getMessage() for r in caplog.records if "maintenance: pruned" in r.getMessage()]
    assert "(articles > 180 days, outbox > 14 days; 0 old article(s) kept" in line, line
