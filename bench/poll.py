"""Poll cycles through the real polling code (fetch -> parse -> dedup -> summarize ->
store in SQLite), and the cost of article-page extraction.

    python bench/poll.py [--feeds 1000] [--items 50] [--executor process|thread|inline|all]
                         [--workers N] [--source generated|corpus|both] [--changed 1]
                         [--new K] [--data /work/shared/data] [--skip-cycles]
                         [--skip-extraction]

1. Poll cycles of N feeds whose items carry their full text (page extraction off), served
   by the fake feed server in a child process, each feed on its own host name (so the
   per-host cap is per feed, as in production), all through ``Poller.poll_due``. The
   server builds every body before a cycle is timed (a real feed server's work is not the
   bot's), but it shares the cores while serving: its CPU is printed too. Items
   come from tests/fakes/feed_server.generated_feed (~1 KB, but built from a 16-word
   vocabulary: every text repeats, which flatters anything cached by string) and/or from
   bench/corpus_feed.py (~1 KB of real article sentences, unique per item: the honest
   per-article cost). Cycles:
     a. first poll: every feed new (items stored, no outbox rows: first poll)
     b. all 304: conditional GET, nothing changed
     c. all changed: every feed serves ITEMS new items; 100 chats subscribed to 2% of
        the feeds each, so outbox rows are created too (--changed N: N such cycles in a
        row, a soak: memory should level off, not grow with the articles stored; --new K,
        corpus items: only K of each feed's items are new, the rest seen before, as when
        real feeds change between polls)
   For each: wall time, articles stored, outbox rows, stories joined, CPU seconds of this
   process and of the workers (and per stored article, each and together, with the least
   wall time that CPU allows on this machine's cores), the event-loop lag (a 10 ms
   ticker; p99 and max: how long the loop could not run anything, e.g. a Telegram
   update), and the resident memory of this process and of each worker (now, and its
   peak so far).
2. Extraction: the real feeds of DATA/feeds with an article page for every item (the text
   of DATA/articles.jsonl in tests/fixtures/ingest/page_template.html boilerplate), page
   extraction on: ms per article, and the checks of the issue (every summary non-empty
   Arabic without page noise; a second poll stores nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import PollingConfig  # noqa: E402
from bot.fetch import Fetcher  # noqa: E402
from bot.ingest import IngestOptions, Poller, Workers  # noqa: E402
from bot.storage import Storage  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


async def add_feeds_and_chats(storage: Storage, count: int, url: str) -> None:
    """``count`` feeds (``url`` with ``{n}`` for the feed's number) and 100 private chats
    subscribed to 2 % of them each, the same ones for the same ``count``."""
    ids = []
    for n in range(count):
        feed, _ = await storage.feeds.add(url.format(n=n), f"مصدر {n}", "عام")
        ids.append(feed.id)
    rng = random.Random(1)
    for chat in range(1, 101):
        await storage.chats.register(chat, "private")
        chosen = rng.sample(ids, max(1, count // 50))
        await storage.db.write(lambda c, chat=chat, chosen=chosen: c.executemany(
            "INSERT INTO subscriptions (chat_id, kind, feed_id, value, display,"
            " created_at) VALUES (?, 'feed', ?, ?, 'x', 0)", [(chat, f, str(f)) for f in chosen]))

SERVER = r'''
import asyncio, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[1] + "/bench")
from tests.fakes.feed_server import FeedServer, Route, generated_feed, http_date
from corpus_feed import corpus_feed, load_corpus

async def main(count, items, source, data, new):
    version = 0
    corpus = load_corpus(Path(data)) if source == "corpus" else []
    async with FeedServer("127.0.0.1") as server:
        def make(path):
            name = path[len("/gen/"):]
            if not name.endswith(".xml") or not name[:-4].isdigit():
                return None
            n = int(name[:-4])
            if source == "corpus":
                body = corpus_feed(n, items, version, corpus, new=new)
            else:
                body = generated_feed(n + version * count, items)
            return Route(body=body, etag=f'"{version}-{n}"',
                         last_modified=http_date(1_700_000_000 + n))
        def prepare():
            # every body built before the cycle is timed: this process shares the 2 cores
            # with the bot, and a real feed server's work is not the bot's
            server.routes.clear()
            for n in range(count):
                server.routes[f"/gen/{n}.xml"] = make(f"/gen/{n}.xml")
        prepare()
        print(server.port, flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "quit":
                return
            version += 1
            prepare()
            print("ok", flush=True)

asyncio.run(main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5],
                 int(sys.argv[6]) if sys.argv[6] != "all" else None))
'''


async def resolve_bench(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def process_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by the processes ``pids``."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def memory(pids: list[int]) -> str:
    """Resident memory of each process ``pids``: "now/peak MiB"."""
    out = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kib = {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines()
               if line.startswith(("VmRSS:", "VmHWM:"))}
        out.append(f"{kib.get('VmRSS', 0) / 1024:.0f}/{kib.get('VmHWM', 0) / 1024:.0f}")
    return ", ".join(out) + " MiB" if out else "-"


def worker_cpu(pool: Workers) -> float:
    """CPU seconds used so far by the pool's worker processes (0 for threads/inline:
    their time is this process's)."""
    return process_cpu(pool.pids())


@dataclass
class Lag:
    samples: list[float]

    def summary(self) -> str:
        if not self.samples:
            return "-"
        s = sorted(self.samples)
        p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
        return f"loop lag p50 {s[len(s) // 2] * 1e3:.1f} ms, p99 {p99 * 1e3:.0f} ms, " \
               f"max {s[-1] * 1e3:.0f} ms"


async def measure_lag(samples: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(0.01)
        samples.append(max(0.0, loop.time() - start - 0.01))


async def timed_cycle(label: str, poller: Poller, storage: Storage,
                      server_pid: int | None = None) -> float:
    pool = poller.workers
    server = [server_pid] if server_pid is not None else []
    await storage.polling.mark_due()
    samples: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(measure_lag(samples, stop))
    cpu0, workers0, started = time.process_time(), worker_cpu(pool), time.perf_counter()
    server0 = process_cpu(server)
    report = await poller.poll_due()
    wall = time.perf_counter() - started
    cpu, wcpu = time.process_time() - cpu0, worker_cpu(pool) - workers0
    scpu = process_cpu(server) - server0
    stop.set()
    await ticker
    results = {r: report.count(r) for r in ("ok", "not_modified", "unchanged", "error")}
    joined = sum(o.joined for o in report.outcomes)
    print(f"  {label:38s} {wall:7.2f} s  stored {report.stored:6d}  outbox {report.queued:6d}"
          f"  joined {joined:5d}  {results}")
    print(f"  {'':38s} CPU: main {cpu:6.1f} s, workers {wcpu:6.1f} s, "
          f"feed server {scpu:4.1f} s; {Lag(samples).summary()}")
    if report.stored:
        # the bot's CPU per stored article, and the least wall time that allows on this
        # machine's cores (the work spread perfectly, nothing waiting on I/O)
        per_article = (cpu + wcpu) / report.stored
        cores = os.cpu_count() or 1
        print(f"  {'':38s} {1e3 * per_article:.2f} ms of CPU per stored article "
              f"({1e3 * cpu / report.stored:.2f} main + {1e3 * wcpu / report.stored:.2f} "
              f"workers): at least {(cpu + wcpu) / cores:.1f} s on {cores} core(s)")
    print(f"  {'':38s} memory now/peak: main {memory([os.getpid()])}; "
          f"workers {memory(pool.pids())}")
    return wall


async def bench_cycles(count: int, items: int, kind: str, workers: int, source: str,
                       data: Path, changed: int = 1, new: int | None = None) -> None:
    """``new``: with corpus items, how many of each feed's items are new in an "all
    changed" cycle (a sliding window, the rest seen before); None: all of them."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER, str(ROOT), str(count), str(items), source, str(data),
        "all" if new is None else str(new),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None and proc.stdin is not None
    port = int((await proc.stdout.readline()).decode())
    # push_max_age_hours=0: the feeds' items are dated 2023; their outbox rows are part
    # of the work measured
    config = PollingConfig(allow_private_addresses=True, concurrency=16, push_max_age_hours=0)
    with tempfile.TemporaryDirectory() as tmp:
        storage = await Storage.open(os.path.join(tmp, "bench.sqlite3"))
        fetcher = Fetcher(config, resolver=resolve_bench)
        pool = Workers(kind, workers)  # type: ignore[arg-type]
        await asyncio.gather(*(pool.run(int) for _ in range(pool.size)))  # start workers
        poller = Poller(storage, fetcher, config, workers=pool,
                        options=IngestOptions(extract=False))
        try:
            await add_feeds_and_chats(storage, count, f"http://feed{{n}}.bench:{port}/gen/{{n}}.xml")
            what = ("generated_feed items (~1 KB, a 16-word vocabulary: texts repeat)"
                    if source == "generated" else
                    "unique corpus items (~1 KB of real article sentences, no two alike)")
            print(f"\n{count} feeds x {items} {what}\n  executor {kind} ({pool.size} "
                  f"worker(s)), concurrency {config.concurrency}, page extraction off")
            await timed_cycle(f"first poll ({items} new items each)", poller, storage, proc.pid)
            await timed_cycle("all 304 (conditional GET)", poller, storage, proc.pid)
            for cycle in range(changed):
                proc.stdin.write(b"bump\n")
                await proc.stdin.drain()
                await proc.stdout.readline()
                fresh = f"{items} new items" if new is None else f"{new} new of {items} items"
                label = f"all changed ({fresh} each)"
                if changed > 1:
                    label = f"all changed #{cycle + 1} ({fresh} each)"
                await timed_cycle(label, poller, storage, proc.pid)
            stats = await storage.stats()
            print(f"  database: {stats['articles']} articles, {stats['outbox_pending']} "
                  f"outbox rows pending, {Path(storage.db.path).stat().st_size / 1e6:.0f} MB")  # noqa: ASYNC240
        finally:
            await poller.close()
            await fetcher.close()
            await storage.close()
            proc.stdin.write(b"quit\n")
            await proc.stdin.drain()
            await proc.wait()


async def bench_extraction(data: Path, kind: str, workers: int) -> None:
    from bot.extract import guess_lang
    from tests.fakes.feed_server import FeedServer
    from tests.fixtures.ingest.site import NOISE_MARKERS, NewsSite, load_articles

    feeds = sorted((data / "feeds").glob("*.xml"))
    rows = load_articles(data / "articles.jsonl")
    if not feeds or not rows:
        print(f"\n!! no feeds or articles under {data}: extraction figure skipped")
        return
    config = PollingConfig(allow_private_addresses=True, concurrency=16,
                           per_host_concurrency=8)
    async with FeedServer("127.0.0.1") as server:
        site = NewsSite(server)
        site.serve_articles(rows)
        with tempfile.TemporaryDirectory() as tmp:
            storage = await Storage.open(os.path.join(tmp, "extract.sqlite3"))
            pool = Workers(kind, workers)  # type: ignore[arg-type]
            await asyncio.gather(*(pool.run(int) for _ in range(pool.size)))
            fetcher = Fetcher(config)
            poller = Poller(storage, fetcher, config, workers=pool,
                            options=IngestOptions(max_pages=500))
            try:
                for path in feeds:
                    url = site.serve_feed(f"/{path.name}", path.read_bytes())
                    await storage.feeds.add(url, path.stem)
                print(f"\nExtraction: {len(feeds)} real feeds from {data / 'feeds'}, an "
                      f"article page for each of the {len(rows)} items, executor {kind} "
                      f"({pool.size} worker(s))")
                cpu0, w0, t0 = time.process_time(), worker_cpu(pool), time.perf_counter()
                report = await poller.poll_due()
                wall = time.perf_counter() - t0
                cpu, wcpu = time.process_time() - cpu0, worker_cpu(pool) - w0
                pages = sum(o.from_pages for o in report.outcomes)
                built = sum(o.new for o in report.outcomes)
                stored = report.stored
                print(f"  first poll: {built} articles built ({pages} with page text), "
                      f"{stored} stored (the 3 BBC feeds share their links) in {wall:.1f} s:"
                      f"\n    {wall / built * 1e3:.1f} ms/article wall, "
                      f"{(cpu + wcpu) / built * 1e3:.1f} ms/article CPU (main {cpu:.1f} s, "
                      f"workers {wcpu:.1f} s)")
                arts = await storage.db.read(lambda c: [dict(r) for r in c.execute(
                    "SELECT a.title, a.summary, a.text, a.url FROM articles a")])
                empty = [a for a in arts if not a["summary"]]
                not_ar = [a for a in arts if a["summary"] and guess_lang(a["summary"]) != "ar"]
                noisy = [a for a in arts
                         if any(m in a["summary"] or m in a["text"] for m in NOISE_MARKERS)]
                print(f"  checks: empty summaries {len(empty)}, non-Arabic summaries "
                      f"{len(not_ar)}, page noise in text or summary {len(noisy)}")
                for a in (empty + not_ar + noisy)[:5]:
                    print(f"    ! {a['title'][:60]} | {a['summary'][:80]}")
                again = await poller.poll_now()
                print(f"  second poll: {again.stored} stored, "
                      f"{ {r: again.count(r) for r in ('not_modified', 'unchanged', 'ok')} }")
                errors = [o for o in report.outcomes if o.result == "error"]
                if errors:
                    print(f"  !! {len(errors)} feed(s) failed: {errors[0].error}")
            finally:
                await poller.close()
                await fetcher.close()
                await storage.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--executor", default="process",
                        choices=["process", "thread", "inline", "all"])
    parser.add_argument("--workers", type=int, default=None,
                        help="worker count (default: CPUs)")
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--source", default="both", choices=["generated", "corpus", "both"],
                        help="feed items: tests/fakes generated_feed, unique items from the "
                             "articles corpus, or both (default)")
    parser.add_argument("--changed", type=int, default=1,
                        help="'all changed' cycles in a row (a soak; default 1)")
    parser.add_argument("--new", type=int, default=None,
                        help="corpus items: how many of each feed's items are new in an 'all "
                             "changed' cycle, the feed a sliding window as real feeds are "
                             "(default: all of them)")
    parser.add_argument("--skip-cycles", action="store_true")
    parser.add_argument("--skip-extraction", action="store_true")
    args = parser.parse_args()
    kinds = ["process", "thread", "inline"] if args.executor == "all" else [args.executor]
    print(f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")
    sources = ["generated", "corpus"] if args.source == "both" else [args.source]
    if not (args.data / "articles.jsonl").exists() and "corpus" in sources:
        print(f"!! {args.data / 'articles.jsonl'} missing: corpus items skipped")
        sources.remove("corpus")
    for kind in kinds:
        for source in sources if not args.skip_cycles else []:
            asyncio.run(bench_cycles(args.feeds, args.items, kind, args.workers or 0, source,
                                     args.data, args.changed,
                                     args.new if source == "corpus" else None))
        if not args.skip_extraction:
            asyncio.run(bench_extraction(args.data, kind, args.workers or 0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
