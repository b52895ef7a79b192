"""Delivery benchmark: the real service (``python -m bot run``) against the fake Telegram
server in another process, which enforces the flood limits and answers 429 on excess.

    python bench/delivery.py                       # 10,000 chats at 30/s, then at 1000/s
    python bench/delivery.py --chats 2000 --rates 30 1000 --crash 5

For each rate: N private chats subscribed to one feed, one article stored (N outbox rows),
then the service is started and the fake's records are read back:

- sustained messages/second = (messages - 1) / (last send - first send), in the fake's
  clock, and as a share of the cap; the most sends the fake saw in any 1-second window;
- 429s the fake answered (target: 0);
- resident memory of the service at the end (VmRSS) and its peak (VmHWM).

``--crash K`` then repeats the run K times with a kill -9 at a random point (after a
random number of new messages), restarts, and finally lets it finish: it counts chats
that never got the article (lost; target 0) and extra copies (duplicates), next to the
rows that were in flight at each kill (leased and not yet recorded, read from the
database right after the kill: the only rows that can go out twice).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.delivery.worker import default_concurrency  # noqa: E402
from bot.models import Article  # noqa: E402
from bot.storage import Storage  # noqa: E402
from tests.fakes.telegram_control import RemoteFakeTelegram  # noqa: E402
from tests.service import Child, spawn, write_config  # noqa: E402

FEED = {"url": "https://bench.example/rss", "name": "مصدر القياس", "category": "عام"}


async def make_chats(fake: RemoteFakeTelegram, n: int) -> list[int]:
    sem = asyncio.Semaphore(32)

    async def one(i: int) -> int:
        async with sem:
            chat = await fake.add_chat("private", first_name=f"قارئ {i}")
            return int(chat["id"])

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def prepare_db(config_path: Path, chat_ids: list[int]) -> None:
    config = load_config(str(config_path), env={})
    storage = await Storage.open(config.storage.database)
    try:
        await storage.feeds.sync_config(config.feeds)
        feed = (await storage.feeds.list())[0]

        def fill(conn: Any) -> None:
            conn.executemany(
                "INSERT INTO chats (id, type, created_at, updated_at) VALUES (?, 'private', 0, 0)",
                [(c,) for c in chat_ids])
            conn.executemany(
                "INSERT INTO subscriptions (chat_id, kind, feed_id, value, display, created_at)"
                " VALUES (?, 'feed', ?, ?, ?, 0)",
                [(c, feed.id, str(feed.id), feed.name) for c in chat_ids])

        await storage.db.write(fill)
        await storage.articles.insert(Article(
            title="اختبار الأداء: خبر واحد لكل المشتركين", url="https://bench.example/1",
            source=FEED["name"], published=datetime.now(UTC), feed_id=feed.id,
            summary="هذا ملخص قصير لخبر يُرسل إلى كل المشتركين لقياس سرعة التوزيع."))
    finally:
        await storage.close()


def memory(pid: int) -> dict[str, int]:
    found = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) // 1024  # MiB
    return found


async def sent_records(fake: RemoteFakeTelegram) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = await fake.request("GET", "/sent", since=len(items))
        if not page["items"]:
            return items
        items += [{"chat_id": i["chat_id"], "time": i["time"]} for i in page["items"]]


async def wait_sent(fake: RemoteFakeTelegram, n: int, child: Child | None,
                    timeout: float) -> int:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = (await fake.stats())["sent"]
        if sent >= n or (child is not None and child.proc.returncode is not None):
            return int(sent)
        await asyncio.sleep(0.1)
    return int((await fake.stats())["sent"])


async def setup(args: argparse.Namespace, rate: int, tmp: Path) -> tuple[RemoteFakeTelegram,
                                                                         Any, Path, list[int]]:
    cm = RemoteFakeTelegram.spawn("--global-per-second", str(rate))
    fake = await cm.__aenter__()
    chat_ids = await make_chats(fake, args.chats)
    config = write_config(tmp, fake, feeds=[FEED],  # type: ignore[arg-type]
                          delivery={"messages_per_second": rate},
                          logging={"level": "WARNING"})
    await prepare_db(config, chat_ids)
    return fake, cm, config, chat_ids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def throughput(args: argparse.Namespace, rate: int) -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        fake, cm, config, _ = await setup(args, rate, Path(tmp))
        try:
            fake_pid = fake.process.pid if fake.process else 0
            child = await spawn("run", "--config", str(config))
            first = await wait_sent(fake, 1, child, 60)
            cpu0 = cpu_seconds(child.proc.pid), cpu_seconds(fake_pid)
            sent = await wait_sent(fake, args.chats, child, args.chats / rate * 3 + 60)
            cpu1 = cpu_seconds(child.proc.pid), cpu_seconds(fake_pid)
            mem = memory(child.proc.pid)
            await child.terminate(signal.SIGTERM)
            records = await sent_records(fake)
            stats = await fake.stats()
        finally:
            await cm.__aexit__(None, None, None)
    per_msg = [1000 * (b - a) / max(sent - first, 1) for a, b in zip(cpu0, cpu1, strict=True)]
    times = sorted(r["time"] for r in records)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    per_s = (len(times) - 1) / span if span else 0.0
    peak, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        peak = max(peak, i - j + 1)
    print(f"rate cap {rate}/s, {args.chats} chats: sent {sent} in {span:.1f}s = "
          f"{per_s:.1f} msg/s ({100 * per_s / rate:.1f}% of cap); most in any 1 s window: "
          f"{peak}; 429s: {stats['rate_limited']}; service memory at end: RSS "
          f"{mem.get('VmRSS', '?')} MiB (peak {mem.get('VmHWM', '?')} MiB); CPU per message: "
          f"service {per_msg[0]:.2f} ms, fake server {per_msg[1]:.2f} ms; load average "
          f"before the run {load:.1f} on {os.cpu_count()} CPUs", flush=True)


def claimed(db: str) -> int:
    """Rows leased and not yet recorded: the only rows a kill -9 can make go out twice."""
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE status = 'sending'").fetchone()[0])
    finally:
        conn.close()


async def crash(args: argparse.Namespace, rate: int) -> None:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        fake, cm, config, chat_ids = await setup(args, rate, Path(tmp))
        db = str(Path(tmp) / "newsbot.sqlite3")
        try:
            kills: list[tuple[int, int]] = []  # (messages sent so far, rows in flight)
            for _ in range(args.crash):
                before = (await fake.stats())["sent"]
                left = args.chats - before
                if left <= 1:
                    break
                target = before + rng.randint(1, max(1, left // 2))
                child = await spawn("run", "--config", str(config))
                await wait_sent(fake, target, child, 120)
                child.proc.send_signal(signal.SIGKILL)
                await child.wait()
                kills.append(((await fake.stats())["sent"], claimed(db)))
            child = await spawn("run", "--config", str(config))
            await wait_sent(fake, args.chats, child, args.chats / rate * 3 + 60)
            await asyncio.sleep(1.0)  # anything still to come (duplicates) comes now
            await child.terminate(signal.SIGTERM)
            records = await sent_records(fake)
        finally:
            await cm.__aexit__(None, None, None)
    counts = dict.fromkeys(chat_ids, 0)
    for r in records:
        counts[r["chat_id"]] += 1
    lost = sum(1 for c in counts.values() if c == 0)
    dups = sum(c - 1 for c in counts.values() if c > 1)
    window = sum(w for _, w in kills)
    print(f"crash test at {rate}/s, {args.chats} chats, {len(kills)} kill -9 (after "
          f"{', '.join(str(k) for k, _ in kills)} messages): lost {lost}, duplicates {dups} "
          f"({dups / max(len(kills), 1):.1f} per kill); rows in flight at the kills "
          f"(claimed, not recorded): {window} ({window / max(len(kills), 1):.1f} per kill; "
          f"worker concurrency {default_concurrency(rate)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--rates", type=int, nargs="+", default=[30, 1000])
    parser.add_argument("--crash", type=int, default=0, help="kill -9 this many times")
    parser.add_argument("--crash-rate", type=int, default=None,
                        help="cap for the crash test (default: the last of --rates)")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    async def run() -> None:
        if not args.no_throughput:
            for rate in args.rates:
                await throughput(args, rate)
        if args.crash:
            await crash(args, args.crash_rate or args.rates[-1])

    asyncio.run(run())


if __name__ == "__main__":
    main()
