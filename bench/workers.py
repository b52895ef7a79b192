"""The floor of a poll cycle: parse + build alone, in the real worker pool, nothing else.

    python bench/workers.py [--data /work/shared/data] [--feeds 420] [--items 50]
                            [--workers N]

Feeds of unique real text (bench/corpus_feed.py, as in ``bench/poll.py --source corpus``)
go through ``parse_in_worker`` and ``build_in_worker`` (text cleaning, summary, story
fingerprint, full-text row, keyword words) in a spawned process pool of ``--workers``
processes (default: one per CPU, as the service), with no fetching, no storage and no
event loop. It prints the wall time per article, what that means for 1,000 feeds x 50
items (the "all changed" cycle, target < 60 s), and the workers' CPU per article, split
into the work itself and the pool's own cost (pickling, queues). Whatever the service
adds (HTTP, SQLite) comes on top of this floor.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_feed import corpus_feed, load_corpus  # noqa: E402

from bot.ingest.work import Built, build_in_worker, parse_in_worker  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP = 20  # feeds per worker before timing: imports, caches


def job(body: bytes, n: int, now: datetime) -> tuple[list[Built], float, int]:
    """One feed's parse + build, as the poller asks for it (in two calls there)."""
    started = time.process_time()
    parsed = parse_in_worker(body, f"https://news{n}.example.com/feed.xml",
                             {"content-type": "application/rss+xml"}, now, 1000)
    built = build_in_worker([(e, None) for e in parsed.entries], n, f"مصدر {n}", now)
    return built, time.process_time() - started, os.getpid()


def process_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--feeds", type=int, default=420)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    corpus = load_corpus(args.data)
    if not corpus:
        print(f"no {args.data / 'articles.jsonl'}: this benchmark needs the shared data "
              "(--data PATH)")
        return 1
    warm = WARM_UP * args.workers
    bodies = [corpus_feed(n, args.items, 1, corpus) for n in range(warm + args.feeds)]
    now = datetime.now(UTC)
    print(f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; {args.feeds} feeds x "
          f"{args.items} unique corpus items, {args.workers} worker process(es)")
    with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
        warmed = list(pool.map(job, bodies[:warm], range(warm), [now] * warm))
        pids = {pid for _, _, pid in warmed}
        before = {pid: process_cpu(pid) for pid in pids}
        started, main_cpu = time.perf_counter(), time.process_time()
        timed = range(warm, warm + args.feeds)
        results = list(pool.map(job, [bodies[i] for i in timed], timed, [now] * len(timed)))
        wall = time.perf_counter() - started
        main_cpu = time.process_time() - main_cpu
        workers_cpu = sum(process_cpu(pid) - before[pid] for pid in pids)
    articles = sum(len(built) for built, _, _ in results)
    work = sum(cpu for _, cpu, _ in results)
    per = wall / articles
    print(f"  {articles} articles in {wall:.1f} s: {per * 1e3:.2f} ms of wall time per article"
          f" -> {per * 50_000:.0f} s for 1,000 feeds x 50 items (target < 60 s, before any"
          " fetching or storing)")
    print(f"  workers' CPU {workers_cpu / articles * 1e3:.2f} ms per article: the work "
          f"{work / articles * 1e3:.2f} ms, the pool's own cost "
          f"{(workers_cpu - work) / articles * 1e3:.2f} ms; this process "
          f"{main_cpu / articles * 1e3:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
