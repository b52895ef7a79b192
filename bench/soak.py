"""Soak: the whole service for minutes on end. Do memory, file descriptors, threads and
the WAL level off, and does every article reach every chat that should get it, once?

    python bench/soak.py [--minutes 10] [--feeds 50] [--chats 240] [--groups 40]
                         [--poll-interval 15] [--change-every 30] [--data /work/shared/data]
                         [--workdir DIR]

The real service (``newsbot run`` as a child process, config in a temp dir, ``[http]``
on) against the fake Bot API (tests/fakes/telegram.py, its own process, Telegram's flood
limits enforced) and the fake feed server (bench/soak_feeds.py, its own process), all on
loopback:

- FEEDS feeds polled every ``--poll-interval`` s: new items of real text
  (bench/corpus_feed.py) every ``--change-every`` s in some, 304s, unchanged bodies,
  failures (500, 404, timeout, HTML, 410 Gone) and flaky ones (bench/soak_feeds.py);
- CHATS private chats and GROUPS supergroups sending ``/start`` and ``/subscribe`` (some
  in digest mode: daily at a time inside the run, or hourly), then ``/search`` (and its
  page button), ``/latest``, inline queries and ``/mysubs`` every ``--traffic-every`` s;
  users blocking the bot at 35 % and 65 % of the run; an admin ``/broadcast`` every
  ``--broadcast-every`` s (bench/soak_world.py);
- retention with the shortest settings (1 day), run every ``--retention-every`` s instead
  of daily (the service's job constants are set by the launcher, nothing else changes),
  on a database where what is older than ``--age-after`` s is moved two days back
  (bench/soak_check.py).

Every ``--sample-every`` s: resident memory of the service and of each worker process
(/proc), its open file descriptors and threads, the SQLite file and WAL sizes, outbox rows
pending (to send, and waiting for a digest: those grow until the digest's hour or day)
and messages sent (from /metrics), and how long the service takes to answer an HTTP
request on its event loop (a 404 from the /metrics server, probed every 0.5 s: the
service does not export its event-loop lag). A row is printed every ``--print-every`` s.

At the end the feeds stop changing, digest chats send ``/digest off`` (their last
digest), the outbox drains, the service gets SIGTERM, and the verdict: does RSS level
off (growth over the last half of the run against the first half, after the first
minute), do fds and threads stay flat, does the WAL stay bounded, and the delivery check
of bench/soak_check.py (no message lost, none twice, none unrecorded, none missing);
``--tracemalloc`` adds the allocation sites of the service that grew most (snapshots after
the warm-up, halfway and at the end; the service runs slower). A run with fewer than four
samples after ``--warmup`` (a smoke run) shows those trends as info, not judged; the verdict
also gives the machine's load average over the run. Exit status 1 when a check fails.
Parts: bench/soak_feeds.py (feeds), soak_world.py (chats), soak_sample.py (samples and
rows), soak_check.py (aging and the delivery check), soak_verdict.py (the verdict).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import soak_world as people  # noqa: E402
from corpus_feed import load_corpus  # noqa: E402
from soak_check import Ledger  # noqa: E402
from soak_feeds import DEFAULT_FEEDS, category, path, role  # noqa: E402
from soak_sample import HEADER, Sample, row, take  # noqa: E402
from soak_verdict import report  # noqa: E402

from tests.fakes.telegram_control import RemoteFakeTelegram  # noqa: E402
from tests.service import Child, write_config  # noqa: E402

# The service, with retention every N s instead of daily; with --tracemalloc, SIGUSR1
# writes a snapshot of its Python allocations. argv: first run, interval, snapshot
# folder or "-", then newsbot's arguments.
LAUNCHER = """
import sys
first, interval, trace = sys.argv[1:4]
if trace != "-":
    import signal, tracemalloc
    tracemalloc.start(4)
    taken = [0]
    def snapshot(signum, frame):
        taken[0] += 1
        tracemalloc.take_snapshot().dump(f"{trace}/tracemalloc-{taken[0]}.snap")
    signal.signal(signal.SIGUSR1, snapshot)
import jobs.maintenance as m
m.FIRST_RUN_SECONDS = float(first)
m.INTERVAL_SECONDS = float(interval)
from bot.cli import main
raise SystemExit(main(sys.argv[4:]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Run:
    """Everything one soak run holds."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args, self.workdir = args, workdir
        self.db = str(workdir / "newsbot.sqlite3")
        self.http_port = free_port()
        self.samples: list[Sample] = []
        self.probes: list[float] = []
        self.rng = random.Random(args.seed)
        self.ledger = Ledger(self.db)
        self.go_time = 0.0
        self.fake_go = 0.0
        self.stopping = asyncio.Event()
        self.child: Child | None = None
        self.session: aiohttp.ClientSession | None = None
        self.last_metrics = ""

    async def metrics(self) -> str:
        assert self.session is not None
        async with self.session.get(f"http://127.0.0.1:{self.http_port}/metrics") as r:
            return await r.text()

    async def probe(self) -> None:
        assert self.session is not None
        url = f"http://127.0.0.1:{self.http_port}/soak-probe"
        while not self.stopping.is_set():
            started = time.perf_counter()
            try:
                async with self.session.get(url) as r:
                    await r.read()
                self.probes.append((time.perf_counter() - started) * 1e3)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)

    async def sample(self, fake: RemoteFakeTelegram) -> Sample:
        assert self.child is not None
        self.last_metrics = await self.metrics()
        probes, self.probes = self.probes, []
        return take(self.child.proc.pid, self.db, self.last_metrics, time.time() - self.go_time,
                    int((await fake.stats())["sent"]), probes)


async def start_service(run: Run, config: Path) -> Child:
    log = open(run.workdir / "service.log", "wb")  # noqa: SIM115, ASYNC230 (the child's)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NEWSBOT_TOKEN", None)
    env.pop("NEWSBOT_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LAUNCHER, "60", str(run.args.retention_every),
        str(run.workdir) if run.args.tracemalloc else "-", "run",
        "--config", str(config), cwd=str(ROOT), env=env, stdout=log, stderr=log)
    log.close()
    return Child(proc)


async def start_feeds(args: argparse.Namespace) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "soak_feeds.py"), str(args.feeds),
        str(args.change_every), str(args.data), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE)
    return proc


async def tell(proc: asyncio.subprocess.Process, command: str) -> str:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(command.encode() + b"\n")
    await proc.stdin.drain()
    return (await proc.stdout.readline()).decode().strip()


def feed_configs(args: argparse.Namespace, port: int) -> list[dict[str, object]]:
    return [{"url": f"http://127.0.0.1:{port}{path(n)}", "name": f"مصدر التحمّل {n}",
             "category": category(n), "default": n in DEFAULT_FEEDS}
            for n in range(args.feeds)]


def feed_ids(db: str) -> dict[int, int]:
    """feed server number -> database id."""
    from soak_check import connect

    conn = connect(db)
    try:
        rows = conn.execute("SELECT id, url FROM feeds").fetchall()
    finally:
        conn.close()
    found = {}
    for r in rows:
        m = re.search(r"/feed/(\d+)\.xml", r["url"])
        if m:
            found[int(m.group(1))] = r["id"]
    return found


def initialized(db: str) -> int:
    from soak_check import connect

    conn = connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM feeds WHERE initialized = 1").fetchone()[0])
    finally:
        conn.close()


async def every(seconds: float, stop: asyncio.Event, job, first: float | None = None) -> None:  # type: ignore[no-untyped-def]
    """``await job()`` every ``seconds`` until ``stop`` (errors are printed, not fatal)."""
    delay = seconds if first is None else first
    while True:
        try:
            await asyncio.wait_for(stop.wait(), delay)
            return
        except TimeoutError:
            pass
        try:
            await job()
        except Exception as exc:  # a bench task must not end the run
            print(f"   ! {getattr(job, '__name__', job)}: {type(exc).__name__}: {exc}",
                  flush=True)
        delay = seconds


async def soak(args: argparse.Namespace, workdir: Path) -> int:
    run = Run(args, workdir)
    corpus = load_corpus(args.data)
    words = sorted({w for title, _ in corpus for w in title.split() if len(w) > 4})
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(RemoteFakeTelegram.spawn())
        feeds = await start_feeds(args)
        assert feeds.stdout is not None
        port = int((await feeds.stdout.readline()).decode())
        world = await people.make_world(fake, args.chats, args.groups)
        config = write_config(
            workdir, fake, feeds=feed_configs(args, port), admins=[world.admin],  # type: ignore[arg-type]
            polling={"interval_seconds": args.poll_interval, "timeout_seconds": 5,
                     "per_host_concurrency": 16, "push_max_age_hours": 0},
            retention={"articles_days": 1, "outbox_days": 1},
            http={"enabled": True, "port": run.http_port}, logging={"level": "INFO"})
        run.session = await stack.enter_async_context(aiohttp.ClientSession())
        run.child = await start_service(run, config)
        print(f"{os.cpu_count()} CPU(s) shared with other work, load average "
              f"{os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}; work dir {workdir}")
        changing = sum(role(n) == "changing" for n in range(args.feeds))
        print(f"{args.feeds} feeds every {args.poll_interval} s ({changing} changing every "
              f"{args.change_every} s), {args.chats} private chats, "
              f"{args.groups} groups, {args.minutes} min", flush=True)
        try:
            return await _drive(run, fake, feeds, world, words)
        finally:
            run.stopping.set()
            if run.child.proc.returncode is None:
                await run.child.terminate(signal.SIGTERM, timeout=60)
            if feeds.returncode is None:
                feeds.kill()
                await feeds.wait()
    return 1


async def _wait_http(run: Run, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        try:
            await run.metrics()
            return
        except aiohttp.ClientError:
            if time.monotonic() > deadline or (run.child and run.child.proc.returncode is not None):
                raise
            await asyncio.sleep(0.2)


async def _drive(run: Run, fake: RemoteFakeTelegram, feeds: asyncio.subprocess.Process,
                 world: people.World, words: list[str]) -> int:
    args = run.args
    await _wait_http(run, 60)
    ids = feed_ids(run.db)
    await people.subscribe_all(fake, world, ids, run.rng, args.minutes)
    replies = await people.wait_replies(fake, world.commands, 30 + world.commands / 10)
    healthy = sum(role(n) != "failing" for n in range(args.feeds))
    deadline = time.monotonic() + 120
    while True:
        if initialized(run.db) >= healthy or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    print(f"setup: {world.commands} commands, {replies} replies; {initialized(run.db)} of "
          f"{healthy} healthy feeds polled once; the feeds start changing now", flush=True)
    run.go_time = time.time()
    run.fake_go = time.monotonic()  # the fake's clock (CLOCK_MONOTONIC, system-wide)
    await tell(feeds, "go")
    work, sampling = asyncio.Event(), asyncio.Event()
    seconds = args.minutes * 60
    print(HEADER, flush=True)

    async def take_sample() -> None:
        run.samples.append(await run.sample(fake))
        if len(run.samples) == 1 or (run.samples[-1].t // args.print_every
                                     != run.samples[-2].t // args.print_every):
            print(row(run.samples, run.samples[-1]), flush=True)

    async def blocks() -> None:
        for at in (0.35, 0.65):
            await asyncio.sleep(max(0.0, run.go_time + seconds * at - time.time()))
            chosen = await people.block_some(fake, world, run.rng, 0.06)
            print(f"   ({len(chosen)} chats blocked the bot)", flush=True)

    async def aging() -> None:
        await asyncio.to_thread(run.ledger.age, args.age_after)

    async def traffic() -> None:
        await people.traffic(fake, world, words, run.rng)

    async def broadcast() -> None:
        if not await people.broadcast(fake, world):
            print("   ! a broadcast got no confirm button", flush=True)

    sampler = [asyncio.create_task(run.probe()),
               asyncio.create_task(every(args.sample_every, sampling, take_sample, first=0.0))]
    workers = [asyncio.create_task(c) for c in (
        every(args.traffic_every, work, traffic), every(args.age_every, work, aging),
        every(args.broadcast_every, work, broadcast, first=min(60.0, seconds / 5)))]
    blocker = asyncio.create_task(blocks())
    if args.tracemalloc:
        workers.append(asyncio.create_task(snapshots(run, seconds)))
    await asyncio.sleep(max(0.0, run.go_time + seconds - time.time()))
    blocker.cancel()
    work.set()
    await asyncio.gather(blocker, *workers, return_exceptions=True)
    await tell(feeds, "freeze")
    for chat in world.digest:
        if chat not in world.blocked:
            await people.send(fake, world, chat, "/digest off")
    drained = await _drain(run, world)
    sampling.set()
    run.stopping.set()
    await asyncio.gather(*sampler, return_exceptions=True)
    assert run.child is not None
    code = await run.child.terminate(signal.SIGTERM, timeout=60)
    stats = await fake.stats()
    stats["hits"] = await fake.rate_limited()
    stats["edit_times"] = [e["time"] for e in (await fake.request("GET", "/edits"))["items"]]
    messages = await _messages(fake, world)
    return report(run, world, stats, messages, code, drained,
                   feed_number={v: k for k, v in ids.items()})


async def snapshots(run: Run, seconds: float) -> None:
    """--tracemalloc: the service writes a snapshot after the warm-up, halfway through
    the rest and at the end."""
    warm = min(run.args.warmup, seconds / 4)
    for at in (warm, (warm + seconds) / 2, seconds - 1):
        await asyncio.sleep(max(0.0, run.go_time + at - time.time()))
        assert run.child is not None
        run.child.proc.send_signal(signal.SIGUSR1)


def _to_send(db: str, blocked: set[int]) -> int:
    """Outbox rows still to send, but those of chats that blocked the bot unseen (a
    digest chat's rows wait for a digest that would find out)."""
    from soak_check import connect

    conn = connect(db)
    try:
        rows = conn.execute("SELECT chat_id FROM outbox WHERE status IN ('pending','sending')")
        return sum(1 for r in rows if r[0] not in blocked)
    finally:
        conn.close()


async def _drain(run: Run, world: people.World) -> float:
    """Wait (at most --drain s) for the last polls, digests and sends; seconds taken."""
    started = time.time()
    await asyncio.sleep(2 * run.args.poll_interval)
    quiet = 0
    while time.time() - started < run.args.drain:
        quiet = quiet + 1 if _to_send(run.db, world.blocked) == 0 else 0
        if quiet >= 3:
            break
        await asyncio.sleep(2)
    return time.time() - started


async def _messages(fake: RemoteFakeTelegram, world: people.World) -> dict[int, list]:
    chats = [world.admin, *world.private, *world.groups]
    pages = await people._gather([fake.request("GET", "/sent", chat_id=c) for c in chats], 8)
    return {c: p["items"] for c, p in zip(chats, pages, strict=True)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--chats", type=int, default=240, help="private chats")
    parser.add_argument("--groups", type=int, default=40, help="supergroups")
    parser.add_argument("--poll-interval", type=int, default=15, help="seconds (>= 10)")
    parser.add_argument("--change-every", type=float, default=30.0,
                        help="seconds between new items of a changing feed")
    parser.add_argument("--traffic-every", type=float, default=2.0,
                        help="seconds between reader actions (/search, /latest, inline ...)")
    parser.add_argument("--broadcast-every", type=float, default=150.0)
    parser.add_argument("--retention-every", type=float, default=90.0)
    parser.add_argument("--age-every", type=float, default=30.0)
    parser.add_argument("--age-after", type=float, default=120.0,
                        help="what is older than this many seconds is moved two days back")
    parser.add_argument("--sample-every", type=float, default=5.0)
    parser.add_argument("--print-every", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=60.0,
                        help="seconds left out of the memory verdict")
    parser.add_argument("--drain", type=float, default=180.0,
                        help="at most this many seconds for the outbox to drain at the end")
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the database and service.log here (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace the service's Python allocations (slower) and print the "
                             "sites that grew most")
    args = parser.parse_args()
    if not (args.data / "articles.jsonl").exists():
        print(f"bench/soak.py: {args.data / 'articles.jsonl'} is missing: the feeds' items are "
              "cut from it. Pass --data DIR (the shared data set, /work/shared/data).",
              file=sys.stderr)
        return 2
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return asyncio.run(soak(args, args.workdir))
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        return asyncio.run(soak(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
