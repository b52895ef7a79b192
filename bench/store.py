"""The single SQLite writer alone: storing bench/poll.py's first and all-changed cycles.

    python bench/store.py [--data /work/shared/data] [--feeds 200] [--items 50]
                          [--repeat 3] [--items-cache PATH]

The worker results of ``bench/poll.py --source corpus`` (FEEDS feeds x ITEMS unique
items, two versions of each feed) are built once in a process pool, as the poller asks
for them (``parse_in_worker``, then ``build_in_worker`` of the entries oldest first);
``--items-cache`` keeps them in a file for the next run. Then, REPEAT times, into a copy
of one database holding the feeds and the 100 chats subscribed to 2 % of them each: a
``store_poll`` transaction per feed for the first version (first poll: no outbox rows),
then per feed for the second (all changed: outbox rows, stories joined), on this
thread, with the story index the poller uses. It prints the thread's CPU per cycle (the
writer's share of the event-loop process's CPU in bench/poll.py, without its noise: no
fetching, no workers, no event loop) and a digest of every stored row (articles,
full-text rows, outbox rows, the feeds' poll state), the clock frozen: two checkouts
store the same rows when they print the same digest.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import pickle
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_feed import corpus_feed, load_corpus  # noqa: E402
from poll import add_feeds_and_chats  # noqa: E402

import bot.storage._articles as articles_module  # noqa: E402
import bot.storage._matching as matching_module  # noqa: E402
from bot.ingest.entries import article_url  # noqa: E402
from bot.ingest.poller import _oldest_first  # noqa: E402
from bot.ingest.stories import StoryIndex  # noqa: E402
from bot.ingest.work import build_in_worker, parse_in_worker  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.storage._articles import Prepared  # noqa: E402
from bot.storage._db import _configure  # noqa: E402
from bot.storage._listing import listing  # noqa: E402
from bot.storage._polling import store_poll  # noqa: E402

FETCHED = datetime(2026, 11, 29, tzinfo=UTC)
CLOCK = 1_800_000_000.0
_CORPUS: list[tuple[str, list[str]]] = []


def build(n: int, items: int, version: int, data: str) -> tuple[int, int, Any, Any]:
    """Feed ``n``'s version ``version``, parsed and built as the poller asks for it."""
    if not _CORPUS:
        _CORPUS.extend(load_corpus(Path(data)))
    body = corpus_feed(n, items, version, _CORPUS)
    parsed = parse_in_worker(body, f"http://feed{n}.bench/gen/{n}.xml",
                             {"content-type": "application/rss+xml"}, FETCHED, 1000)
    jobs = [(e, None) for e in _oldest_first(parsed.entries)]
    # keyword words too: what a feed gets once a chat has a keyword subscription
    return n, version, parsed.entries, build_in_worker(jobs, n + 1, f"مصدر {n}", FETCHED)


async def setup(path: str, count: int) -> None:
    """The feeds and chats of bench/poll.py (same subscriptions)."""
    storage = await Storage.open(path)
    await add_feeds_and_chats(storage, count, "http://feed{n}.bench/gen/{n}.xml")
    await storage.close()


def cycle(conn: sqlite3.Connection, results: list[tuple[int, int, Any, Any]], version: int,
          stories: StoryIndex, now: float) -> tuple[float, int, int]:
    """Store every feed's ``version``: (thread CPU seconds, articles, outbox rows)."""
    spent, stored, queued = 0.0, 0, 0
    for n, v, entries, built in results:
        if v != version:
            continue
        urls = [article_url(e, n + 1) for e in entries]
        listed = listing(urls, [e.guid for e in entries if e.guid])
        items = [Prepared(b.article, b.fingerprint, b.index, b.tokens) for b in built]
        started = time.thread_time()
        conn.execute("BEGIN IMMEDIATE")
        result = store_poll(conn, n + 1, items, now=now, next_poll_at=now + 300,
                            etag=f'"{v}-{n}"', last_modified=None, body_hash=f"{v}/{n}",
                            stories=stories, listed=listed)
        conn.execute("COMMIT")
        spent += time.thread_time() - started
        stored += len(result.stored)
        queued += result.queued
    return spent, stored, queued


def digest(conn: sqlite3.Connection) -> str:
    h = hashlib.sha256()
    for sql in ("SELECT * FROM articles ORDER BY id",
                "SELECT rowid, * FROM articles_fts ORDER BY rowid",
                "SELECT * FROM outbox ORDER BY id",
                "SELECT id, etag, body_hash, listed, initialized, next_poll_at, last_polled_at,"
                " last_success_at, consecutive_failures FROM feeds ORDER BY id"):
        for row in conn.execute(sql):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--items-cache", type=Path, default=None)
    args = parser.parse_args()
    if not (args.data / "articles.jsonl").exists():
        print(f"!! {args.data / 'articles.jsonl'} missing: nothing to measure")
        return 2
    cache = args.items_cache
    if cache is not None and cache.exists():
        with cache.open("rb") as f:
            results = pickle.load(f)
    else:
        started = time.perf_counter()
        keys = [(n, v) for v in (0, 1) for n in range(args.feeds)]
        with ProcessPoolExecutor() as pool:
            results = list(pool.map(build, [n for n, _ in keys], [args.items] * len(keys),
                                    [v for _, v in keys], [str(args.data)] * len(keys),
                                    chunksize=8))
        print(f"worker results built in {time.perf_counter() - started:.0f} s")
        if cache is not None:
            with cache.open("wb") as f:
                pickle.dump(results, f)
    count = max(n for n, *_ in results) + 1
    # the clock frozen for the digest: fetched_at and the outbox rows' created_at
    articles_module.now = matching_module.now = lambda: CLOCK  # type: ignore[attr-defined]
    print(f"{count} feeds x {args.items} unique corpus items: the writer's thread CPU")
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base.sqlite3")
        asyncio.run(setup(base, count))
        for run in range(args.repeat):
            path = os.path.join(tmp, f"run{run}.sqlite3")
            with sqlite3.connect(base) as src, sqlite3.connect(path) as dst:
                src.backup(dst)
            conn = sqlite3.connect(path, isolation_level=None)
            _configure(conn)
            conn.execute("PRAGMA journal_mode = WAL")
            stories = StoryIndex()
            first = cycle(conn, results, 0, stories, CLOCK)
            changed = cycle(conn, results, 1, stories, CLOCK + 100)
            print(f"  first poll {first[0]:5.2f} s ({first[1]} articles)   all changed "
                  f"{changed[0]:5.2f} s ({changed[1]} articles, {changed[2]} outbox rows): "
                  f"{1e6 * changed[0] / max(1, changed[1]):.0f} us/article   rows {digest(conn)}")
            conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
