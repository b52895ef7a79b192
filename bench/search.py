"""Search benchmark: a synthetic Arabic archive, insert rate, size and query latency.

    python bench/search.py [--articles 1000000] [--like-rows 100000] [--queries 200]
                           [--like-queries 30] [--db PATH] [--seed 1]
                           [--batch 5000] [--automerge N]

Builds a database with the product's schema (its migrations) and the product's index
function (``bot.storage._fts.index_fields`` / ``INSERT_SQL``), inserting ``--batch``
articles a transaction with ``sqlite3`` directly. The bot stores one poll (up to ~50
articles) a transaction, and FTS5 writes one index segment per transaction and merges
``automerge`` segments of a level into one; ``--batch 50`` builds the index that way (and
``--automerge N`` overrides the product's merge setting, ``bot.storage._fts.AUTOMERGE``) to
see what it costs searches and inserts.
Then it times ``bot.storage._search.search`` — the function the bot runs, query parsing
included — for four classes of queries:

    1-word         one content word drawn from the text (so common words come up as
                   often as readers would type them)
    2-word         two content words from the same passage
    phrase         two or three consecutive words, in quotes
    stopword-heavy a 6-9 word passage of which at least half are stopwords ("ما هو موقف
                   الحكومة من ...")

and prints median / p95 / max per class (target: p95 <= 50 ms). At ``--like-rows``
articles (the same run, before the rest is inserted) it compares the 1-word and 2-word
queries against a LIKE scan (``title/summary/text LIKE '%w%'``, newest first, LIMIT 5) on
exactly those rows.

The text is synthetic but shaped like Arabic news: 35 % of the tokens are real stopwords
(the product's list, Zipf-distributed), content words follow a Zipf-Mandelbrot law
(p(rank) ~ 1 / (rank + 10), 80,000 lemmas, so the commonest content word is ~1 % of
content tokens and appears in most articles), words carry the article and clitics
(ال، و، ب، ل، لل، وال، بال ...), feminine/plural suffixes, some tashkeel and hamza
variants. Articles: title 8-12 words, summary 30-50, text 120-340 (median real article
in /work/shared/data: 234 words), 20 sources, one article every ~60 seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.arabic import load_stopwords
from bot.errors import InvalidSearchQuery
from bot.search.query import parse_query
from bot.search.terms import index_terms
from bot.storage._db import _configure, _migrate
from bot.storage._fts import FTS_TABLE, INSERT_SQL, index_fields, source_terms
from bot.storage._search import search

# Approximate letter frequencies of Arabic text (per mille), used to make lemmas.
LETTERS = {
    "ا": 120, "ل": 110, "ي": 80, "م": 70, "و": 65, "ن": 60, "ر": 55, "ت": 55, "ب": 45,
    "ع": 40, "د": 35, "س": 30, "ف": 30, "ق": 28, "ك": 28, "ه": 25, "ح": 22, "ج": 15,
    "ش": 12, "ص": 11, "خ": 10, "ط": 10, "ز": 8, "ض": 7, "ث": 6, "غ": 5, "ذ": 5, "ظ": 2,
}
PREFIXES = [("", 40), ("ال", 28), ("وال", 8), ("بال", 5), ("لل", 4), ("و", 6), ("ب", 4),
            ("ل", 3), ("ف", 2)]
SUFFIXES = [("", 70), ("ة", 15), ("ات", 5), ("ين", 3), ("ون", 2), ("ها", 3), ("هم", 2)]
HARAKAT = "\u064e\u064f\u0650\u0651\u0652"
DOMAINS = ["aljazeera.net", "alarabiya.net", "bbc.com", "skynewsarabia.com", "france24.com",
           "arabic.cnn.com", "aawsat.com", "youm7.com", "ahram.org.eg", "alkhaleej.ae",
           "albayan.ae", "alriyadh.com", "okaz.com.sa", "almasryalyoum.com", "shorouknews.com",
           "elwatannews.com", "alquds.co.uk", "alaraby.co.uk", "arabic.rt.com", "dw.com"]
SOURCES = ["الجزيرة", "العربية", "بي بي سي عربي", "سكاي نيوز عربية", "فرانس 24",
           "سي إن إن بالعربية", "الشرق الأوسط", "اليوم السابع", "الأهرام", "الخليج",
           "البيان", "الرياض", "عكاظ", "المصري اليوم", "الشروق", "الوطن", "القدس العربي",
           "العربي الجديد", "روسيا اليوم", "دويتشه فيله"]
COMMON_STOPWORDS = ["في", "من", "على", "الى", "ان", "عن", "التي", "الذي", "مع", "هذا",
                    "هذه", "كان", "قد", "لا", "ما", "او", "بين", "بعد", "كما", "ذلك", "إن",
                    "حيث", "كل", "وقد", "اي", "عند", "ثم", "هو", "هي", "لم", "لن", "منذ",
                    "حتى", "الا", "اذا", "غير", "ضد", "خلال", "عبر", "نحو"]
P_STOPWORD = 0.35
N_LEMMAS = 80_000
ZIPF_Q = 10.0
BASE_TIME = 1_600_000_000.0
SECONDS_PER_ARTICLE = 60.0

_STREAM: list[str] = []
_KEYS: list[str] = []  # index_terms() of each stream token ("" for a stopword)
_IS_CONTENT: list[bool] = []
_SOURCE_KEYS: list[str] = []


def _cum(weights: list[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def build_stream(n_tokens: int, seed: int, *, with_keys: bool = True
                 ) -> tuple[list[str], list[str], list[bool]]:
    """A long token stream with Arabic-like word frequencies; articles are cut from it.
    ``with_keys``: also the index form of each token (needed to build, not to query)."""
    rng = random.Random(seed)
    letters, lw = zip(*LETTERS.items(), strict=True)
    lemmas: list[str] = []
    seen: set[str] = set()
    while len(lemmas) < N_LEMMAS:
        size = rng.choices((3, 4, 5, 6, 7), (25, 35, 25, 10, 5))[0]
        word = "".join(rng.choices(letters, lw, k=size))
        if word[0] == "ا":
            word = rng.choice("اأإآ") + word[1:]
        if word not in seen:
            seen.add(word)
            lemmas.append(word)
    stop_pool = COMMON_STOPWORDS + sorted(load_stopwords() - set(COMMON_STOPWORDS))[:200]
    stop_cum = _cum([1.0 / (r + 1.5) for r in range(len(stop_pool))])
    lemma_cum = _cum([1.0 / (r + 1 + ZIPF_Q) for r in range(N_LEMMAS)])
    pre, pw = zip(*PREFIXES, strict=True)
    suf, sw = zip(*SUFFIXES, strict=True)
    forms: dict[tuple[int, int, int, int], tuple[str, str]] = {}
    keyed = index_terms if with_keys else (lambda w: "")
    stop_keys = [keyed(w) for w in stop_pool]
    stream: list[str] = []
    keys: list[str] = []
    content: list[bool] = []
    is_stop = [rng.random() < P_STOPWORD for _ in range(n_tokens)]
    n_content = n_tokens - sum(is_stop)
    lemma_ids = iter(rng.choices(range(N_LEMMAS), cum_weights=lemma_cum, k=n_content))
    stop_ids = iter(rng.choices(range(len(stop_pool)), cum_weights=stop_cum,
                                k=n_tokens - n_content))
    pre_ids = iter(rng.choices(range(len(pre)), pw, k=n_content))
    suf_ids = iter(rng.choices(range(len(suf)), sw, k=n_content))
    marks = iter(rng.choices(range(40), k=n_content))  # 1 in 40 gets a haraka
    for stop in is_stop:
        if stop:
            i = next(stop_ids)
            stream.append(stop_pool[i])
            keys.append(stop_keys[i])
            content.append(False)
            continue
        key = (next(lemma_ids), next(pre_ids), next(suf_ids), next(marks))
        form = forms.get(key)
        if form is None:
            lemma = lemmas[key[0]]
            if key[3] == 0:
                lemma = lemma[:2] + HARAKAT[key[0] % len(HARAKAT)] + lemma[2:]
            word = pre[key[1]] + lemma + suf[key[2]]
            form = forms[key] = (word, keyed(word))
        stream.append(form[0])
        keys.append(form[1])
        content.append(True)
    return stream, keys, content


def _window(rng: random.Random, size: int) -> tuple[str, str]:
    """A passage of the stream and its index form (the stream tokens' own keys)."""
    start = rng.randrange(0, len(_STREAM) - size)
    keys = " ".join(k for k in _KEYS[start : start + size] if k)
    return " ".join(_STREAM[start : start + size]), keys


def make_articles(first: int, last: int, seed: int) -> tuple[list[tuple], list[tuple]]:
    """Articles ``first..last`` (ids) and their index rows.

    The index row is assembled from the stream tokens' keys, computed once per distinct
    word with the product's function (``index_terms``): since the product splits text at
    whitespace before normalizing (``bot.search.terms.index_keys``), that is exactly what
    ``index_fields`` gives; :func:`check_index_rows` verifies it on a sample.
    """
    rng = random.Random(seed * 1_000_003 + first)
    articles: list[tuple] = []
    index: list[tuple] = []
    for article_id in range(first, last + 1):
        title, title_keys = _window(rng, rng.randint(8, 12))
        summary, summary_keys = _window(rng, rng.randint(30, 50))
        text, text_keys = _window(rng, rng.randint(120, 340))
        n = article_id % len(SOURCES)
        url = f"https://www.{DOMAINS[n]}/news/{article_id}"
        published = BASE_TIME + article_id * SECONDS_PER_ARTICLE + rng.uniform(-600, 0)
        articles.append((article_id, url, title, SOURCES[n], published, published + 30, text,
                         summary, article_id))
        index.append((article_id, title_keys, summary_keys, text_keys, _SOURCE_KEYS[n]))
    return articles, index


def check_index_rows(articles: list[tuple], index: list[tuple]) -> float:
    """Assert the bench's index rows equal ``index_fields``; return its rate (articles/s)."""
    started = time.perf_counter()
    for a, row in zip(articles, index, strict=True):
        expected = (a[0], *index_fields(a[2], a[7], a[6], a[3], a[1]))
        if expected != row:
            raise AssertionError(f"bench: index row of article {a[0]} differs from index_fields")
    return len(articles) / (time.perf_counter() - started)


ARTICLE_SQL = ("INSERT INTO articles (id, url, title, source, published_at, fetched_at, text,"
               " summary, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Builder:
    def __init__(self, path: str, seed: int, batch: int = 5000,
                 automerge: int | None = None) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        _configure(self.conn)
        _migrate(self.conn, path)
        if automerge is not None:
            self.conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank)"
                              " VALUES ('automerge', ?)", (automerge,))
        self.batch = batch
        self.seed = seed
        self.count = 0
        self.generate_seconds = 0.0
        self.insert_seconds = 0.0
        self.index_fields_rate = 0.0

    def grow(self, target: int) -> None:
        batch = self.batch
        for first in range(self.count + 1, target + 1, batch):
            t0 = time.perf_counter()
            articles, index = make_articles(first, min(first + batch - 1, target), self.seed)
            if first == 1:  # the product's function on the first batch, compared
                self.index_fields_rate = check_index_rows(articles, index)
            t1 = time.perf_counter()
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(ARTICLE_SQL, articles)
            self.conn.executemany(INSERT_SQL, index)
            self.conn.execute("COMMIT")
            t2 = time.perf_counter()
            self.generate_seconds += t1 - t0
            self.insert_seconds += t2 - t1
            self.count += len(articles)
            if self.count % 100_000 < batch:
                rate = self.count / (self.generate_seconds + self.insert_seconds)
                print(f"  ... {self.count:,} articles ({rate:,.0f}/s so far)", flush=True)
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def pick_queries(n: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed + 7)
    stops = load_stopwords()
    out: dict[str, list[str]] = {"1-word": [], "2-word": [], "phrase": [], "stopword-heavy": []}

    def content_at(i: int) -> bool:
        return _IS_CONTENT[i]

    while min(len(v) for v in out.values()) < n:
        i = rng.randrange(0, len(_STREAM) - 20)
        if content_at(i) and len(out["1-word"]) < n:
            out["1-word"].append(_STREAM[i])
        window = [j for j in range(i, i + 12) if content_at(j)]
        if len(window) >= 2 and len(out["2-word"]) < n:
            a, b = rng.sample(window, 2)
            out["2-word"].append(f"{_STREAM[a]} {_STREAM[b]}")
        size = rng.choice((2, 3))
        if all(content_at(j) for j in range(i, i + size)) and len(out["phrase"]) < n:
            out["phrase"].append('"' + " ".join(_STREAM[i : i + size]) + '"')
        size = rng.randint(6, 9)
        words = _STREAM[i : i + size]
        n_stop = sum(1 for j in range(i, i + size) if not content_at(j))
        if n_stop * 2 >= size and n_stop < size and len(out["stopword-heavy"]) < n:
            lead = rng.choice(["ما هو", "ماذا عن", "هل", "كيف", "متى"])
            out["stopword-heavy"].append(f"{lead} {' '.join(words)}")
    assert all(w for w in stops)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def timings(fn: Callable[[str], object], queries: list[str]) -> tuple[list[float], int]:
    out: list[float] = []
    hits = 0
    for q in queries:
        started = time.perf_counter()
        result = fn(q)
        out.append((time.perf_counter() - started) * 1000)
        hits += bool(result)
    return out, hits


def fts_runner(conn: sqlite3.Connection) -> Callable[[str], object]:
    def run(q: str) -> object:
        try:
            return search(conn, parse_query(q), limit=5).hits
        except InvalidSearchQuery:
            return None
    return run


def like_runner(conn: sqlite3.Connection) -> Callable[[str], object]:
    def run(q: str) -> object:
        words = q.split()
        cond = " AND ".join("(title LIKE ? OR summary LIKE ? OR text LIKE ?)" for _ in words)
        args = [f"%{w}%" for w in words for _ in range(3)]
        return conn.execute(f"SELECT id FROM articles WHERE {cond} ORDER BY published_at DESC"
                            " LIMIT 5", args).fetchall()
    return run


def row(label: str, ms: list[float], extra: str = "") -> str:
    return (f"  {label:<16} median {statistics.median(ms):8.2f} ms   p95 "
            f"{percentile(ms, 0.95):8.2f} ms   max {max(ms):8.2f} ms  {extra}")


def sizes(conn: sqlite3.Connection, path: str) -> str:
    def mb(n: float) -> str:
        return f"{n / 1e6:,.0f} MB"
    total = os.path.getsize(path) + (os.path.getsize(path + "-wal")
                                     if os.path.exists(path + "-wal") else 0)
    fts = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'"
                       ).fetchone()[0] or 0
    art = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'articles'"
                       " OR name LIKE 'sqlite_autoindex_articles%' OR name LIKE 'articles_%'"
                       " AND name NOT LIKE 'articles_fts%'").fetchone()[0] or 0
    return f"file {mb(total)} (full-text index {mb(fts)}, articles + indexes {mb(art)})"


WARMUP = 20


def measure(conn: sqlite3.Connection, queries: dict[str, list[str]], count: int) -> None:
    print(f"\nquery latency on {count:,} articles (search() incl. parsing, first page of 5;"
          f" after {WARMUP} warm-up queries per class; target p95 <= 50 ms):")
    runner = fts_runner(conn)
    for qs in queries.values():
        timings(runner, qs[-WARMUP:])
    for cls, qs in queries.items():
        ms, hits = timings(runner, qs[:-WARMUP])
        print(row(cls, ms, f"({hits}/{len(qs) - WARMUP} found)"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--like-rows", type=int, default=100_000)
    ap.add_argument("--like-queries", type=int, default=30)
    ap.add_argument("--queries", type=int, default=200, help="per class")
    ap.add_argument("--db", help="database path (default: a temporary file, deleted)")
    ap.add_argument("--queries-only", action="store_true",
                    help="only time the queries on an existing --db built with the same"
                         " --articles and --seed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=5000, help="articles per transaction")
    ap.add_argument("--automerge", type=int, help="FTS5 automerge (default: the product's)")
    args = ap.parse_args(argv)
    like_rows = min(args.like_rows, args.articles)
    tmp = None
    if args.db:
        path = args.db
        if os.path.exists(path) != args.queries_only:
            print(f"bench: {path} {'exists' if os.path.exists(path) else 'does not exist'}",
                  file=sys.stderr)
            return 2
    else:
        if args.queries_only:
            print("bench: --queries-only needs --db", file=sys.stderr)
            return 2
        tmp = tempfile.mkdtemp(prefix="newsbot-bench-")
        path = os.path.join(tmp, "search.sqlite3")
    print(f"bench/search.py: {args.articles:,} synthetic articles, LIKE comparison at "
          f"{like_rows:,}, {args.queries} queries per class, "
          f"seed {args.seed}, SQLite {sqlite3.sqlite_version}, db {path}")
    global _STREAM, _KEYS, _IS_CONTENT, _SOURCE_KEYS
    t0 = time.perf_counter()
    _STREAM, _KEYS, _IS_CONTENT = build_stream(
        max(2_000_000, min(args.articles * 10, 10_000_000)), args.seed,
        with_keys=not args.queries_only)
    _SOURCE_KEYS = [source_terms(name, f"https://www.{domain}/")
                    for name, domain in zip(SOURCES, DOMAINS, strict=True)]
    print(f"token stream: {len(_STREAM):,} tokens in {time.perf_counter() - t0:.1f} s")
    queries = pick_queries(args.queries + WARMUP, args.seed)
    if args.queries_only:
        conn = sqlite3.connect(path, isolation_level=None)
        _configure(conn)
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        print(f"size: {sizes(conn, path)}")
        measure(conn, queries, count)
        conn.close()
        return 0
    builder = Builder(path, args.seed, args.batch, args.automerge)
    try:
        builder.grow(like_rows)
        conn = builder.conn
        print(f"\nLIKE scan vs full-text search on {builder.count:,} articles "
              f"({args.like_queries} queries per class; LIKE sees only exact spellings):")
        for cls in ("1-word", "2-word"):
            sample = queries[cls][: args.like_queries]
            like_ms, like_hits = timings(like_runner(conn), sample)
            fts_ms, fts_hits = timings(fts_runner(conn), sample)
            print(row(f"LIKE {cls}", like_ms, f"({like_hits}/{len(sample)} found)"))
            print(row(f"FTS  {cls}", fts_ms, f"({fts_hits}/{len(sample)} found)"))
            median = statistics.median(like_ms) / statistics.median(fts_ms)
            p95 = percentile(like_ms, 0.95) / percentile(fts_ms, 0.95)
            print(f"  {'speedup':<16} median x{median:,.0f}   p95 x{p95:,.0f}")
        if args.articles > builder.count:
            builder.grow(args.articles)
        total = builder.generate_seconds + builder.insert_seconds
        print(f"\nbuilt {builder.count:,} articles in {total:.0f} s: "
              f"{builder.count / builder.insert_seconds:,.0f} articles/s into SQLite (article"
              f" row + index row, {args.batch:,} a transaction), generation"
              f" {builder.generate_seconds:.0f} s; index_fields() alone"
              f" {builder.index_fields_rate:,.0f} articles/s")
        print(f"size: {sizes(conn, path)}")
        measure(conn, queries, builder.count)
        builder.conn.close()
    finally:
        if tmp:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
