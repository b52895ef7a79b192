"""``newsbot reindex``: rebuilds the search index of an existing database."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.search.query import parse_query
from bot.search.terms import TERMS_VERSION
from bot.storage import Storage, _fts
from tests.test_search_storage import ARTICLES


def write_config(tmp_path: Path, database: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "1:x"\n[storage]\ndatabase = "{database}"\n',
                    encoding="utf-8")
    return path


def matches(database: Path, text: str) -> int:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                            (parse_query(text).match(),)).fetchone()[0]
    finally:
        conn.close()


def test_reindex_restores_a_wiped_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    database = tmp_path / "news.sqlite3"

    async def fill() -> None:
        storage = await Storage.open(str(database))
        for article in ARTICLES:
            await storage.articles.insert(article, enqueue=False)
        await storage.db.write(lambda c: (
            c.execute("DELETE FROM articles_fts"),
            c.execute("DELETE FROM meta WHERE key = ?", (_fts.TERMS_META_KEY,))))
        await storage.close()

    asyncio.run(fill())
    assert matches(database, "غزة") == 0
    config = str(write_config(tmp_path, database))
    assert main(["stats", "--config", config]) == 0
    assert (f"search_terms_version 1 (this newsbot's: {TERMS_VERSION}; the index is rebuilt at"
            " the service's start, or by `newsbot reindex`)") in capsys.readouterr().out
    code = main(["reindex", "--config", config, "--batch", "3"])
    assert code == 0
    assert f"OK: reindexed {len(ARTICLES)} articles" in capsys.readouterr().out
    assert main(["stats", "--config", config]) == 0
    assert f"search_terms_version {TERMS_VERSION} (this newsbot's: {TERMS_VERSION})\n" in \
        capsys.readouterr().out
    assert matches(database, "غزة") >= 3
    assert matches(database, "مصدر:alarabiya") == sum(a.source == "العربية" for a in ARTICLES)
    conn = sqlite3.connect(database)
    try:  # the index now holds the current keys: the service will not rebuild it again
        assert _fts.terms_version(conn) == TERMS_VERSION
    finally:
        conn.close()


def test_reindex_needs_an_existing_database(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, tmp_path / "missing.sqlite3")
    assert main(["reindex", "--config", str(config)]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing.sqlite3").exists()
