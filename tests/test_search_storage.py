"""Search over a real SQLite file holding real Arabic articles (tests/fixtures/search)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.arabic import tokenize
from bot.errors import InvalidSearchQuery, RebuildInProgress, ReindexStopped
from bot.models import Article
from bot.search.query import parse_query
from bot.search.ranking import blend
from bot.search.terms import TERMS_VERSION, term_key
from bot.storage import Storage, _articles, _fts, _maintenance, _meta, _search
from bot.storage._db import _configure
from bot.storage._reindex import reindex_file
from tests.old_schema import database_at

FIXTURES = Path(__file__).parent / "fixtures" / "search" / "articles.json"


def load_articles() -> list[Article]:
    """The sixteen fixture articles (real text, Feb 2018)."""
    items = json.loads(FIXTURES.read_text(encoding="utf-8"))
    return [Article(title=i["title"], url=i["url"], source=i["source"],
                    published=datetime.fromisoformat(i["published"]), summary=i["summary"],
                    text=i["text"], category=i["category"]) for i in items]


ARTICLES = load_articles()
NOW = datetime(2018, 2, 20, tzinfo=UTC).timestamp()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    s = await Storage.open(str(tmp_path / "search.sqlite3"))
    for article in ARTICLES:
        await s.articles.insert(article, enqueue=False)
    yield s
    await s.close()


async def titles(storage: Storage, text: str, limit: int = 20) -> list[str]:
    page = await storage.db.read(
        lambda c: _search.search(c, parse_query(text), limit=limit, now=NOW))
    return [h.article.title for h in page.hits]


def has(found: list[str], fragment: str) -> bool:
    return any(fragment in t for t in found)


# ---------------------------------------------------------------------------- spelling

async def test_tashkeel_in_the_query_finds_the_story(storage: Storage) -> None:
    found = await titles(storage, "انْفِجَارُ صَارُوخٍ")
    assert found[0] == "انفجار صاروخ قرب قطاع غزة دون إصابات"


async def test_hamza_and_ta_marbuta_spellings_find_the_story(storage: Storage) -> None:
    for spelling in ("اصابات", "إصابات", "أصابات"):
        assert has(await titles(storage, spelling), "دون إصابات"), spelling
    for spelling in ("غزة", "غزه", "غَزَّة"):
        assert has(await titles(storage, spelling), "قطاع غزة"), spelling
    for spelling in ("ايران", "إيران", "أيران"):
        assert has(await titles(storage, spelling), "مونديال 86"), spelling


async def test_clitic_forms_find_each_other(storage: Storage) -> None:
    # the fixtures spell it "والحكومة" in two articles and "الحكومة" in others
    plain = set(await titles(storage, "الحكومة"))
    assert plain == set(await titles(storage, "بالحكومة")) == set(await titles(storage, "والحكومة"))
    assert len(plain) >= 3


async def test_short_words_find_their_clitic_forms(storage: Storage) -> None:
    # "بمصر" and "ومصر" occur in articles that never write "مصر" on its own word
    texts = {a.title: a.text + a.title + a.summary for a in ARTICLES}
    found = await titles(storage, "مصر")
    with_clitic = [t for t, body in texts.items() if ("بمصر" in body or "ومصر" in body)]
    assert with_clitic and all(t in found for t in with_clitic)


async def test_britain_in_every_form(storage: Storage) -> None:
    found = set(await titles(storage, "بريطانيا"))
    assert has(list(found), "البريكست")  # "لبريطانيا" / "وبريطانيا" in the text
    assert found == set(await titles(storage, "وبريطانيا"))


# ---------------------------------------------------------------------------- language

async def test_and_phrase_or_not(storage: Storage) -> None:
    assert set(await titles(storage, "غزة غارات")) < set(await titles(storage, "غزة"))
    phrase = await titles(storage, '"قطاع غزة"')
    assert has(phrase, "انفجار صاروخ")
    either = set(await titles(storage, "بوحيرد OR مارادونا"))
    assert has(list(either), "بوحيرد") and has(list(either), "مارادونا")
    gaza = set(await titles(storage, "غزة"))
    without = set(await titles(storage, "غزة -صاروخ"))
    assert without < gaza and not has(list(without), "انفجار صاروخ")


async def test_source_filter_by_name_or_site(storage: Storage) -> None:
    only = await titles(storage, "غزة مصدر:العربية")
    assert only and all(a.source == "العربية" for a in ARTICLES if a.title in only)
    # a word of the name matches every source that has it: "سي إن إن بالعربية" too
    sources = {a.source for a in ARTICLES if a.title in await titles(storage, "مصدر:العربية")}
    assert sources == {"العربية", "سي إن إن بالعربية"}
    assert set(await titles(storage, "غزة مصدر:alarabiya")) == set(only)
    assert set(await titles(storage, 'مصدر:"بي بي سي" غزة')) == {
        a.title for a in ARTICLES if a.source == "بي بي سي عربي" and "غزة" in a.text + a.title}


async def test_source_words_do_not_match_article_words(storage: Storage) -> None:
    # "بالجزيرة" is in a headline; no source is called الجزيرة
    assert has(await titles(storage, "الجزيرة"), "أهلي جدة")
    assert await titles(storage, "مصدر:الجزيرة") == []


async def test_source_only_lists_the_newest(storage: Storage) -> None:
    found = await titles(storage, "مصدر:فرانس")
    assert found == [a.title for a in ARTICLES if a.source == "فرانس 24"]
    cnn = await titles(storage, 'مصدر:"سي إن إن"')
    dates = [a.published for t in cnn for a in ARTICLES if a.title == t]
    assert len(cnn) == 2 and dates == sorted(dates, reverse=True)


async def test_an_fts5_syntax_error_becomes_a_domain_error(storage: Storage) -> None:
    # the builder never produces one; should it ever, the handler gets a SearchError
    with pytest.raises(InvalidSearchQuery):
        await storage.db.read(lambda c: _search._fts(
            c, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", ('"unclosed',)))


async def test_sql_and_fts_syntax_find_nothing_and_break_nothing(storage: Storage) -> None:
    for text in ("'; DROP TABLE articles; --", "NEAR(غزة", "غزة*", "title:غزة"):
        await titles(storage, text)
    assert (await storage.stats())["articles"] == len(ARTICLES)


# ---------------------------------------------------------------------------- ranking

def test_blend_formula() -> None:
    day = 86400.0
    assert blend(10.0, NOW, NOW) == pytest.approx(20.0)
    assert blend(10.0, NOW - 7 * day, NOW) == pytest.approx(15.0)
    assert blend(10.0, NOW - 30 * day, NOW) == pytest.approx(10.0 * (1 + 2 ** (-30 / 7)))
    assert blend(10.0, NOW + day, NOW) == pytest.approx(20.0)  # future dates count as now


async def test_headline_match_ranks_first(storage: Storage) -> None:
    found = await titles(storage, "بوحيرد")
    assert found[0] == "مصر تكرم المناضلة الجزائرية جميلة بوحيرد"


async def test_newer_wins_between_equal_matches(tmp_path: Path) -> None:
    s = await Storage.open(str(tmp_path / "r.sqlite3"))
    try:
        base = ARTICLES[0]
        old = replace(base, url="https://x.example/old", published=base.published)
        new = replace(base, url="https://x.example/new",
                      published=base.published + timedelta(days=3))
        for a in (old, new):
            await s.articles.insert(a, enqueue=False)
        page = await s.db.read(lambda c: _search.search(c, parse_query("صاروخ"), now=NOW))
        assert [h.article.url for h in page.hits] == [new.url, old.url]
        assert page.hits[0].score > page.hits[1].score
    finally:
        await s.close()


async def test_broad_plan_ranks_newest_and_headline_matches(storage: Storage,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_search, "SELECTIVE_DF", 0)  # every word counts as common
    q = parse_query("غزة")
    assert (await storage.db.read(lambda c: _search.plan(c, q)))[0] == "broad"
    found = await titles(storage, "غزة")
    assert set(found) == set(await titles_selective(storage, "غزة"))
    assert "غزة" in found[0]  # a headline match first


def test_headline_share_reads_highlight_marks() -> None:
    q = parse_query('غزة "قطاع غزة" صاروخ')
    assert _search.headline_share("انفجار \x01صاروخ\x02 قرب \x01قطاع غزه\x02", q) == 1.0
    assert _search.headline_share("\x01غزه\x02 اليوم", q) == pytest.approx(1 / 3)
    assert _search.headline_share("لا شيء هنا", q) == 0.0


async def titles_selective(storage: Storage, text: str) -> list[str]:
    saved = _search.SELECTIVE_DF
    _search.SELECTIVE_DF = 10**9
    try:
        return await titles(storage, text)
    finally:
        _search.SELECTIVE_DF = saved


async def test_selective_plan_with_a_common_word(storage: Storage,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # "غزة" is rare enough, "إسرائيلية" made common: bm25 ranks on غزة, both must match
    monkeypatch.setattr(_search, "SELECTIVE_DF", 4)
    q = parse_query("غزة الاحتلال")
    kind, _ = await storage.db.read(lambda c: _search.plan(c, q))
    assert kind == "selective"
    found = await titles(storage, "غزة الاحتلال")
    assert found and set(found) <= set(await titles(storage, "غزة"))


# ---------------------------------------------------------------------------- paging

async def test_pages_cover_the_results_once(storage: Storage) -> None:
    q = parse_query("الحكومة")
    everything = await storage.db.read(lambda c: _search.search(c, q, limit=50, now=NOW))
    seen: list[int | None] = []
    offset = 0
    while True:
        page = await storage.db.read(
            lambda c, o=offset: _search.search(c, q, offset=o, limit=2, now=NOW))
        seen += [h.article.id for h in page.hits]
        assert page.has_prev == (offset > 0)
        if not page.has_next:
            break
        offset += 2
    assert seen == [h.article.id for h in everything.hits]
    assert everything.total == len(seen) and not everything.more


async def test_saved_queries_expire(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    qid = await storage.search.save_query("غزة", 42)
    assert await storage.search.load_query(qid) == ("غزة", 42)
    assert await storage.search.load_query(qid + 1000) is None
    later = _search._now() + _search.QUERY_TTL_SECONDS + 10
    monkeypatch.setattr(_search, "_now", lambda: later)
    await storage.search.save_query("لبنان", 42)
    assert await storage.search.load_query(qid) is None


async def test_latest(storage: Storage) -> None:
    page = await storage.search.latest(limit=3)
    newest = sorted(ARTICLES, key=lambda a: a.published, reverse=True)[:3]
    assert [h.article.title for h in page.hits] == [a.title for a in newest]
    assert page.has_next


# ---------------------------------------------------------------------------- index

async def test_index_row_is_written_with_the_article(storage: Storage) -> None:
    def boom(c: sqlite3.Connection) -> None:
        from bot.storage._articles import insert
        insert(c, replace(ARTICLES[0], url="https://x.example/rollback", title="زلزال مدمر"),
               enqueue=False)
        assert c.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH"
                         " '\"زلزال\"'").fetchone()[0] == 1
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await storage.db.write(boom)
    assert await titles(storage, "زلزال") == []


async def test_unindex_removes_the_row(storage: Storage) -> None:
    match = parse_query("بوحيرد").match()
    [first] = await storage.db.read(lambda c: c.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (match,)).fetchall())
    await storage.db.write(lambda c: _fts.unindex_article(c, first[0]))
    assert await titles(storage, "بوحيرد") == []


async def test_rebuild_swaps_in_a_fresh_index(storage: Storage) -> None:
    before = await titles(storage, "الحكومة")
    await storage.db.write(lambda c: c.execute("DELETE FROM articles_fts"))
    assert await titles(storage, "الحكومة") == []
    conn = storage.db._writer._conn
    extra = replace(ARTICLES[1], url="https://x.example/during", title="الحكومة تجتمع")

    def progress(done: int) -> None:  # an article stored while the rebuild runs
        if done and not conn.in_transaction:
            from bot.storage._articles import insert
            conn.execute("BEGIN")
            insert(conn, extra, enqueue=False)
            conn.execute("COMMIT")

    def run(c: sqlite3.Connection) -> tuple[int, float]:
        c.execute("COMMIT")  # Database.write opened one; rebuild manages its own
        try:
            return _fts.rebuild(lambda: c.execute("BEGIN IMMEDIATE"),
                                lambda: c.execute("COMMIT"), c, batch=5, progress=progress)
        finally:
            c.execute("BEGIN")

    count, _ = await storage.db.write(run)
    assert count == len(ARTICLES) + 1
    assert set(await titles(storage, "الحكومة")) == {*before, "الحكومة تجتمع"}
    tables = await storage.db.read(lambda c: [r[0] for r in c.execute(
        "SELECT name FROM sqlite_master WHERE name LIKE 'articles_fts%' AND type = 'table'"
        " AND name NOT LIKE 'articles_fts_%'")])
    assert tables == ["articles_fts"]
    assert await storage.db.read(automerge) == _fts.AUTOMERGE  # the new index has it too


def automerge(c: sqlite3.Connection) -> int | None:
    row = c.execute("SELECT v FROM articles_fts_config WHERE k = 'automerge'").fetchone()
    return row[0] if row else None  # None: FTS5's default (4)


async def test_the_index_merges_16_segments_a_level(storage: Storage) -> None:
    assert _fts.AUTOMERGE == 16
    assert await storage.db.read(automerge) == 16


async def test_a_version_1_database_is_reindexed_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    conn = database_at(path, 1)
    conn.execute("BEGIN")
    a = ARTICLES[0]
    conn.execute("INSERT INTO articles (url, title, source, published_at, fetched_at, text,"
                 " summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (a.url, a.title, a.source, a.published.timestamp(), 0, a.text, a.summary))
    conn.execute("INSERT INTO articles_fts (rowid, title) VALUES (1, 'normalized only')")
    conn.execute("COMMIT")
    conn.close()
    s = await Storage.open(str(path))
    try:
        assert await titles(s, "غَزَّة") == [a.title]
        assert await titles(s, "مصدر:العربية") == [a.title]
        assert await s.db.read(automerge) == 16
    finally:
        await s.close()


# ---------------------------------------------------------------- words kept whole

SEA = Article(title="ارتفاع منسوب مياه البحر يهدد المدن الساحلية", url="https://x.example/sea",
              source="العربية", published=datetime(2018, 2, 19, tzinfo=UTC),
              summary="حذر علماء من ارتفاع منسوب البحر.", text="يهدد ارتفاع مياه البحر المدن.")
BAHRAIN = Article(title="البحرين تستضيف القمة الخليجية المقبلة", url="https://x.example/bh",
                  source="العربية", published=datetime(2018, 2, 19, tzinfo=UTC),
                  summary="أعلنت البحرين استضافة القمة.", text="تستضيف مملكة البحرين القمة.")


async def test_bahrain_and_the_sea_are_different_words(tmp_path: Path) -> None:
    # light_stem alone cut "البحرين" to "بحر", the sea's key: each found the other
    s = await Storage.open(str(tmp_path / "s.sqlite3"))
    try:
        for article in (SEA, BAHRAIN):
            await s.articles.insert(article, enqueue=False)
        for query in ("البحرين", "بالبحرين", "للبحرين", "والبحرين"):
            assert await titles(s, query) == [BAHRAIN.title], query
        for query in ("البحر", "بحر", "للبحر"):
            assert await titles(s, query) == [SEA.title], query
    finally:
        await s.close()


# ---------------------------------------------- compatibility characters: H₂O

def _item(slug: str, title: str, text: str) -> Article:
    return Article(title=title, url=f"https://x.example/{slug}", source="العلوم",
                   published=datetime(2018, 2, 19, tzinfo=UTC), summary=text, text=text)


WATER_SUB = _item("h2o-sub", "تحليل عينات H₂O من آبار المدينة",
                  "كشف تحليل عينات H₂O المأخوذة من الآبار عن نسب أملاح مرتفعة.")
WATER = _item("h2o", "جزيء الماء H2O تحت المجهر",
              "صور الباحثون جزيء H2O للمرة الأولى بدقة عالية.")
VITAMIN = _item("vitamin-h", "فيتامين H وصحة الشعر",
                "يحتاج الجسم إلى فيتامين H، ويعاني 2 مليون شخص من نقصه.")
CARBON = _item("co2", "انبعاثات CO₂ ترتفع 2 بالمئة", "ارتفعت انبعاثات CO2 هذا العام.")
CHEMISTRY = (WATER_SUB, WATER, VITAMIN, CARBON)


async def test_h2o_finds_h2o_however_written_and_nothing_else(tmp_path: Path) -> None:
    """"H₂O" was searched as "2" (its "h" and "o" are single letters, stopwords): every
    article with the digit 2, here the vitamin H and CO₂ stories too."""
    s = await Storage.open(str(tmp_path / "s.sqlite3"))
    try:
        for article in CHEMISTRY:
            await s.articles.insert(article, enqueue=False)
        for query in ("H₂O", "H2O", "Ｈ２Ｏ", "h2o"):
            assert set(await titles(s, query)) == {WATER_SUB.title, WATER.title}, query
        for query in ("CO₂", "co2"):
            assert await titles(s, query) == [CARBON.title], query
        assert set(await titles(s, "فيتامين")) == {VITAMIN.title}
    finally:
        await s.close()


async def test_an_index_of_version_2_keys_is_rebuilt_and_then_finds_h2o(tmp_path: Path) -> None:
    """A database indexed before version 3 holds "2" for "H₂O" and "H2O": the service
    sees the index is stale and rebuilds it (bot.storage._reindex), after which the
    phrase "h 2 o" finds both."""
    s = await Storage.open(str(tmp_path / "s.sqlite3"))
    try:
        for article in CHEMISTRY:
            await s.articles.insert(article, enqueue=False)

        def version_2(text: str) -> str:  # term_key of every token, stopwords dropped
            return " ".join(k for k in map(term_key, tokenize(text)) if k)

        def downgrade(c: sqlite3.Connection) -> None:
            _meta.put(c, _fts.TERMS_META_KEY, "2")
            for row in c.execute("SELECT id, title, summary, text FROM articles").fetchall():
                c.execute("UPDATE articles_fts SET title = ?, summary = ?, text = ?"
                          " WHERE rowid = ?", (*map(version_2, row[1:]), row[0]))

        await s.db.write(downgrade)
        assert await s.search.index_is_stale()
        assert await titles(s, "H₂O") == []  # the old keys have no "h" or "o"
        count, _ = await s.search.rebuild_index()
        assert count == len(CHEMISTRY) and not await s.search.index_is_stale()
        assert set(await titles(s, "H₂O")) == {WATER_SUB.title, WATER.title}
    finally:
        await s.close()


async def stale_index(path: Path) -> Storage:
    """A database whose index holds version 1's keys: "البحرين" indexed as "بحر"."""
    s = await Storage.open(str(path))
    for article in (SEA, BAHRAIN, *ARTICLES):
        await s.articles.insert(article, enqueue=False)

    def downgrade(c: sqlite3.Connection) -> None:
        c.execute("DELETE FROM meta WHERE key = ?", (_fts.TERMS_META_KEY,))
        for column in ("title", "summary", "text"):
            c.execute(f"UPDATE articles_fts SET {column} = replace({column}, 'بحرين', 'بحر')")

    await s.db.write(downgrade)
    return s


async def test_an_index_of_older_keys_is_rebuilt_beside_the_old_one(tmp_path: Path) -> None:
    s = await stale_index(tmp_path / "s.sqlite3")
    try:
        assert await s.search.index_is_stale()
        assert (await s.admin.stats(0.0)).search_index_stale  # /stats says so
        assert await titles(s, "البحرين") == []  # the old keys: the new query misses it
        count, _ = await s.search.rebuild_index()
        assert count == len(ARTICLES) + 2
        assert not await s.search.index_is_stale()
        assert not (await s.admin.stats(0.0)).search_index_stale
        assert await titles(s, "البحرين") == [BAHRAIN.title]
        assert await titles(s, "البحر") == [SEA.title]
    finally:
        await s.close()


async def test_a_new_database_holds_the_current_keys(tmp_path: Path) -> None:
    s = await Storage.open(str(tmp_path / "s.sqlite3"))
    try:
        assert not await s.search.index_is_stale()
        version = await s.db.read(_fts.terms_version)
    finally:
        await s.close()
    assert version == TERMS_VERSION == 3


async def test_a_version_5_database_with_articles_needs_a_rebuild(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sqlite3")
    conn = database_at(path, 5)  # as the previous release left it, with an article
    conn.execute("INSERT INTO articles (url, title, source, published_at, fetched_at)"
                 " VALUES (?, ?, ?, 0, 0)", (BAHRAIN.url, BAHRAIN.title, BAHRAIN.source))
    # its index held version 1's keys (today's migrations record the current ones)
    conn.execute("DELETE FROM meta WHERE key = ?", (_fts.TERMS_META_KEY,))
    conn.close()
    s = await Storage.open(path)
    try:
        assert await s.search.index_is_stale()
    finally:
        await s.close()


async def test_a_stopped_rebuild_leaves_the_old_index_and_the_next_one_finishes(
        tmp_path: Path) -> None:
    s = await stale_index(tmp_path / "s.sqlite3")
    try:
        stop = threading.Event()
        stop.set()
        with pytest.raises(ReindexStopped, match="stopped at 5 of 18 articles"):
            await asyncio.to_thread(reindex_file, str(tmp_path / "s.sqlite3"), batch=5, stop=stop)
        assert await s.search.index_is_stale()
        # the old index still answers (with its old keys: the sea query finds Bahrain too)
        assert set(await titles(s, "البحر")) == {SEA.title, BAHRAIN.title}
        shadow = await s.db.read(lambda c: c.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = ?", (_fts.SHADOW_TABLE,)
        ).fetchone()[0])
        assert shadow == 1  # left half-built; the next rebuild drops it
        await s.search.rebuild_index()
        assert await titles(s, "البحرين") == [BAHRAIN.title]
        assert not await s.search.index_is_stale()
    finally:
        await s.close()


async def test_one_rebuild_at_a_time(tmp_path: Path) -> None:
    # `newsbot reindex` started while the service rebuilds used to drop the first one's
    # shadow table under it: 400 of 50,000 articles went missing from the swapped index
    path = str(tmp_path / "s.sqlite3")
    s = await stale_index(tmp_path / "s.sqlite3")
    refused: list[str] = []

    def second_one(done: int, total: int) -> None:  # runs between the first's batches
        if not refused:
            with pytest.raises(RebuildInProgress) as exc:
                reindex_file(path, batch=5)
            refused.append(str(exc.value))

    try:
        count, _ = await asyncio.to_thread(reindex_file, path, batch=5, progress=second_one)
        assert refused[0].startswith("storage: another process is rebuilding the search index")
        assert count == len(ARTICLES) + 2
        rows = await s.db.read(lambda c: c.execute(
            "SELECT count(*) FROM articles_fts").fetchone()[0])
        assert rows == len(ARTICLES) + 2 and not await s.search.index_is_stale()
        assert await s.db.read(lambda c: _meta.get(c, _fts.REBUILD_META_KEY)) is None

        # a claim left by a rebuild that died is taken over once its heartbeat is old
        def claim(c: sqlite3.Connection, age: float) -> None:
            _meta.put(c, _fts.REBUILD_META_KEY, f"dead {time.time() - age}")

        await s.db.write(lambda c: claim(c, 30))
        with pytest.raises(RebuildInProgress):
            await s.search.rebuild_index()
        await s.db.write(lambda c: claim(c, _fts.REBUILD_STALE_SECONDS + 1))
        await s.search.rebuild_index()
        # a stopped rebuild lets the next one start at once
        stop = threading.Event()
        stop.set()
        with pytest.raises(ReindexStopped):
            await asyncio.to_thread(reindex_file, path, batch=5, stop=stop)
        assert await s.db.read(lambda c: _meta.get(c, _fts.REBUILD_META_KEY)) is None
        await s.search.rebuild_index()
    finally:
        await s.close()


async def test_an_article_pruned_during_a_rebuild_leaves_no_row_behind(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sqlite3")
    s = await stale_index(tmp_path / "s.sqlite3")

    def prune_first(done: int, total: int) -> None:  # retention, between two batches
        if done == 5:  # article 1 is in the half-built index already
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            assert _maintenance.prune_articles_batch(conn, cutoff=time.time() + 1,
                                                     limit=1) == (1, 0, 1)
            conn.execute("COMMIT")
            conn.close()

    try:
        await asyncio.to_thread(reindex_file, path, batch=5, progress=prune_first)
        fts, ids = await s.db.read(lambda c: (
            {r[0] for r in c.execute("SELECT rowid FROM articles_fts")},
            {r[0] for r in c.execute("SELECT id FROM articles")}))
    finally:
        await s.close()
    assert 1 not in ids and fts == ids


@pytest.mark.parametrize("at", [5, 15])
async def test_an_article_stored_during_a_rebuild_under_a_pruned_id_is_found(
        tmp_path: Path, at: int) -> None:
    # retention prunes the newest articles (a bot whose feeds fell silent for 180 days)
    # and a new article then takes the highest id again: below the rebuild's last id,
    # before (5) or after (15) the rebuild got there
    path = str(tmp_path / "s.sqlite3")
    s = await Storage.open(path)
    for article in (SEA, BAHRAIN, *ARTICLES):
        await s.articles.insert(article, enqueue=False)
    new = replace(SEA, url="https://news.example/new", guid=None,
                  title="خبر جديد عن القرنفل في الأسواق")

    done_once: list[int] = []

    def prune_then_store(done: int, total: int) -> None:  # between two batches
        if done == at and not done_once:  # ids 1 to `at` are in the new index
            done_once.append(done)
            conn = sqlite3.connect(path, isolation_level=None)
            _configure(conn)
            conn.execute("BEGIN IMMEDIATE")
            assert _maintenance.prune_articles_batch(conn, cutoff=time.time() + 1,
                                                     limit=100, after=10) == (8, 0, 18)
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            assert _articles.insert(conn, new, enqueue=False) == 11  # the id is free again
            conn.execute("COMMIT")
            conn.close()

    try:
        await asyncio.to_thread(reindex_file, path, batch=5, progress=prune_then_store)
        fts, ids = await s.db.read(lambda c: (
            {r[0] for r in c.execute("SELECT rowid FROM articles_fts")},
            {r[0] for r in c.execute("SELECT id FROM articles")}))
        assert fts == ids == set(range(1, 12))
        assert await titles(s, "القرنفل") == [new.title]
    finally:
        await s.close()
