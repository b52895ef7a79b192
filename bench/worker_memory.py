"""How much memory an ingest worker reaches once every text cache is full.

    python bench/worker_memory.py [--articles 20000] [--every 1000] [--seed 1]

The worker processes keep bounded caches keyed by text (terms, stems, index keys, word
chunks, normalized lines; each cleared or evicting once full), so their resident memory
grows for a while and then should stop. ``bench/soak.py`` runs too short to see where:
its workers were still growing after 30 minutes. This runs the worker's own code
(``parse_in_worker`` + ``build_in_worker``, as ``bench/workers.py``) in one process on
articles made of never-seen words (random Arabic letters), the worst case for the
caches: every token is new, so every cache fills as fast as it can. It prints the
resident memory (VmRSS, and the peak VmHWM) every ``--every`` articles, and what it
levels off at. Needs no data files.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ingest.work import build_in_worker, parse_in_worker  # noqa: E402

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةءأإآى"
ITEMS = 50  # items a feed


def word(rng: random.Random) -> str:
    return "".join(rng.choices(LETTERS, k=rng.randint(3, 9)))


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(word(rng) for _ in range(words)) + rng.choice(".؟!")


def feed(rng: random.Random, n: int) -> bytes:
    """An RSS feed of ITEMS items of ~1 KB of new words each."""
    when = format_datetime(datetime(2026, 11, 30, tzinfo=UTC))
    items = []
    for i in range(ITEMS):
        title = sentence(rng, 8)[:-1]
        text = " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(8))
        items.append(
            f"<item><title>{escape(title)}</title><link>https://m.example/{n}/{i}</link>"
            f"<guid>m-{n}-{i}</guid><pubDate>{when}</pubDate>"
            f"<description>{escape(text)}</description></item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>ذاكرة {n}</title><link>https://m.example/</link>"
            f"{''.join(items)}</channel></rss>").encode()


def status() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process, MiB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    started = time.perf_counter()
    rss0, _ = status()
    print(f"Python {sys.version.split()[0]}; {args.articles:,} articles of never-seen words"
          f" ({ITEMS} a feed); RSS after imports {rss0:.1f} MiB")
    print("  articles   RSS MiB   peak MiB   seconds")
    peaks: list[tuple[int, float]] = []  # (articles done, peak RSS so far)
    done = 0
    n = 0
    while done < args.articles:
        body = feed(rng, n)
        parsed = parse_in_worker(body, f"https://m.example/{n}.xml",
                                 {"content-type": "application/rss+xml"}, now, 1000)
        build_in_worker([(e, None) for e in parsed.entries], n, f"مصدر {n}", now)
        n += 1
        before, done = done, done + len(parsed.entries)
        if done // args.every > before // args.every:
            rss, peak = status()
            peaks.append((done, peak))
            print(f"  {done:8,} {rss:9.1f} {peak:10.1f} {time.perf_counter() - started:9.1f}")
    if peaks:
        top = peaks[-1][1]
        reached = next(count for count, peak in peaks if peak >= top - 0.5)
        print(f"peak {top:.1f} MiB ({top - rss0:+.1f} over the imports), within 0.5 MiB of "
              f"it from {reached:,} articles on: it levels off when that is well before the "
              f"end ({args.articles:,})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
