"""How the story-fingerprint threshold was tuned (bot.dedup.story.DEFAULT_THRESHOLD).

    python bench/dedup.py [--data /work/shared/data]

1. False merges: every pair of *different* items (distinct titles) from the five 2018
   Arabic feeds, and from articles.jsonl + EASC leads, is fingerprinted; the script prints
   how many pairs fall at or under each Hamming distance.
2. Wire copies: each feed item is rewritten the ways wire copies differ (punctuation,
   tashkeel, hamza/ta marbuta spelling, an "عاجل:" prefix, a " - source" suffix, a lead
   cut to its first sentence, the last title word dropped) and the distance to the
   original is measured.
3. Same event, different wording: cross-site pairs whose titles share >= 25% of their
   content words, with their distances (SimHash is not expected to join these).
4. Story-index lookups (bot.ingest.stories.StoryIndex.find, on the single writer thread
   once per stored article) at 20,000 indexed stories (its limit), against the previous
   index (4 blocks of 16 bits probed within 2 bits, dictionary buckets) and a linear scan,
   same run, same queries (half random, half near copies); results checked equal.
   Needs no data directory (``--lookups-only``).
5. Fingerprint speed: ``fingerprint`` against the straightforward SimHash it must equal
   (``_fingerprint_reference``: one counter per bit), same run, on the articles.jsonl +
   EASC titles and leads (the lead as the ingest takes it: its first 300 characters).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402

from bot.dedup.story import (  # noqa: E402
    DEFAULT_THRESHOLD,
    _fingerprint_reference,
    content_words,
    distance,
    fingerprint,
)
from bot.ingest.stories import LIMIT, StoryIndex  # noqa: E402

SITES = ["alarabiya", "bbc-arabic", "cnn-arabic", "france24-arabic", "skynews-arabia"]
THRESHOLDS = (6, 8, 10, 12, 14)


def feed_items(data: Path) -> list[tuple[str, str, str]]:
    items: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for site in SITES:
        parsed = feedparser.parse((data / "feeds" / f"{site}.xml").read_bytes())
        for e in parsed.entries:
            if e.title not in seen:
                seen.add(e.title)
                items.append((site, e.title, re.sub("<[^>]+>", "", e.get("summary", ""))))
    return items


def extra_items(data: Path) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    seen: set[str] = set()
    jsonl = data / "articles.jsonl"
    if jsonl.exists():
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            a = json.loads(line)
            if a["title"] not in seen:
                seen.add(a["title"])
                items.append((a["title"], a["text"][:300]))
    manifest = data / "easc" / "manifest.json"
    if manifest.exists():
        for it in json.loads(manifest.read_text(encoding="utf-8"))["items"]:
            text = (data / "easc" / it["article"]).read_text(encoding="utf-8", errors="replace")
            sents = [s.strip() for s in re.split(r"[.\n!?؟]", text) if len(s.strip()) > 20]
            if len(sents) >= 2:
                items.append((sents[0][:120], " ".join(sents[1:3])[:300]))
    return items


def cumulative(fps: list[int]) -> tuple[int, Counter[int]]:
    hist: Counter[int] = Counter(
        distance(a, b) for a, b in itertools.combinations(fps, 2)
    )
    return sum(hist.values()), hist


def report_pairs(label: str, fps: list[int]) -> None:
    total, hist = cumulative(fps)
    closest = min(hist)
    cells = "  ".join(f"<={t}: {sum(v for d, v in hist.items() if d <= t)}" for t in THRESHOLDS)
    print(f"  {label}: {total} pairs, closest {closest} bits; pairs at  {cells}")


class FourBlockIndex:
    """The previous StoryIndex lookup: 4 blocks of 16 bits, each block value and every
    value within 2 bits of it probed in a dictionary of (fingerprint, story) buckets."""

    def __init__(self) -> None:
        self.probe = [0] + [sum(1 << p for p in c) for r in (1, 2)
                            for c in itertools.combinations(range(16), r)]
        self.tables: list[dict[int, list[tuple[int, int]]]] = [{} for _ in range(4)]

    def add(self, story: int, fp: int) -> None:
        u = fp & U64
        for i, table in enumerate(self.tables):
            table.setdefault((u >> (16 * i)) & 0xFFFF, []).append((u, story))

    def find(self, fp: int) -> int | None:
        u, best_d, best = fp & U64, DEFAULT_THRESHOLD + 1, 0
        for i, table in enumerate(self.tables):
            value = (u >> (16 * i)) & 0xFFFF
            for bucket in [b for b in map(table.get, [value ^ m for m in self.probe]) if b]:
                for founder, story in bucket:
                    d = (founder ^ u).bit_count()
                    if d < best_d or (d == best_d and story < best):
                        best_d, best = d, story
        return best if best_d <= DEFAULT_THRESHOLD else None


U64 = (1 << 64) - 1


def bench_lookups(stories: int = LIMIT, queries: int = 4000) -> None:
    print(f"4. Story-index lookups at {stories} stories ({queries} queries, CPU time)")
    rng = random.Random(4)
    founders = [rng.getrandbits(64) for _ in range(stories)]
    qs = [rng.getrandbits(64) for _ in range(queries // 2)]
    for fp in rng.choices(founders, k=queries - len(qs)):
        for b in rng.sample(range(64), rng.randint(0, 14)):
            fp ^= 1 << b
        qs.append(fp)
    signed = [u - (1 << 64) if u >= 1 << 63 else u for u in qs]
    index, old = StoryIndex(), FourBlockIndex()
    for story, fp in enumerate(founders, 1):
        index.add(story, fp - (1 << 64) if fp >= 1 << 63 else fp, at=0.0)
        old.add(story, fp)

    def scan(fp: int) -> int | None:
        u = fp & U64
        d, story = min(((f ^ u).bit_count(), s) for s, f in enumerate(founders, 1))
        return story if d <= DEFAULT_THRESHOLD else None

    results = {}
    for name, find, sample in (("linear scan", scan, signed[::20]),
                               ("previous: 4 x 16 bits, radius 2", old.find, signed),
                               ("StoryIndex: 6 blocks, radius 1", index.find, signed)):
        start = time.process_time()
        found = [find(fp) for fp in sample]
        per = (time.process_time() - start) / len(sample) * 1e6
        results[name] = (per, found)
        print(f"  {name:32s} {per:8.1f} us/lookup   matched {sum(f is not None for f in found)}"
              f"/{len(sample)}")
    new = results["StoryIndex: 6 blocks, radius 1"]
    prev = results["previous: 4 x 16 bits, radius 2"]
    assert new[1] == prev[1] and new[1][::20] == results["linear scan"][1], "lookups differ"
    print(f"  same results; StoryIndex x{prev[0] / new[0]:.2f} faster than the previous index, "
          f"x{results['linear scan'][0] / new[0]:.0f} than a scan")


def bench_fingerprints(items: list[tuple[str, str]], rounds: int = 3) -> None:
    print(f"5. Fingerprint speed ({len(items)} titles + leads, CPU time, best of {rounds})")
    items = [(title, lead[:300]) for title, lead in items]
    best: dict[str, float] = {}
    results = {}
    for _ in range(rounds):
        for name, fn in (("reference (a counter per bit)", _fingerprint_reference),
                         ("fingerprint", fingerprint)):
            started = time.process_time()
            results[name] = [fn(title, lead) for title, lead in items]
            per = (time.process_time() - started) / len(items) * 1e6
            best[name] = min(best.get(name, per), per)
    for name, per in best.items():
        print(f"  {name:32s} {per:8.1f} us/fingerprint")
    ref = "reference (a counter per bit)"
    same = results["fingerprint"] == results[ref]
    print(f"  same results: {same}; fingerprint x{best[ref] / best['fingerprint']:.2f} faster")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--lookups-only", action="store_true", help="only part 4")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.lookups_only:
        bench_lookups()
        return 0
    if not (args.data / "feeds" / "bbc-arabic.xml").exists():
        print(f"!! DATA DIR MISSING: {args.data / 'feeds'} has no feeds; nothing to measure.")
        return 2
    items = feed_items(args.data)
    print(f"threshold in use: {DEFAULT_THRESHOLD}\n")
    print("1. Different items (false merges if within the threshold)")
    report_pairs(f"{len(items)} feed items", [fingerprint(t, lead) for _, t, lead in items])
    extra = extra_items(args.data)
    if extra:
        report_pairs(f"{len(extra)} articles.jsonl + EASC", [fingerprint(t, ld) for t, ld in extra])

    print("\n2. Wire copies of each feed item (distance to the original)")
    rng = random.Random(1)
    harakat = "\u064e\u064f\u0650\u0651\u0652\u064b"

    def tashkeel(s: str) -> str:
        return "".join(c + (rng.choice(harakat) if "\u0621" <= c <= "\u064a"
                            and rng.random() < 0.4 else "") for c in s)

    def hamza(s: str) -> str:
        return s.replace("أ", "ا").replace("إ", "ا").replace("ى", "ي").replace("ة", "ه")

    def punct(s: str) -> str:
        return re.sub(r'["«»:،,.!?؟\-]', " ", s) + "..."

    variants = {
        "punctuation": lambda t, ld: (punct(t), punct(ld)),
        "tashkeel": lambda t, ld: (tashkeel(t), tashkeel(ld)),
        "hamza/ta marbuta": lambda t, ld: (hamza(t), hamza(ld)),
        "'عاجل:' prefix": lambda t, ld: ("عاجل: " + t, ld),
        "all four": lambda t, ld: ("عاجل: " + punct(tashkeel(hamza(t))), punct(hamza(ld))),
        "' - source' suffix": lambda t, ld: (t + " - سكاي نيوز عربية", ld),
        "lead: 1st sentence": lambda t, ld: (t, re.split(r"[.!?؟]", ld)[0]),
        "last title word cut": lambda t, ld: (" ".join(t.split()[:-1]), ld),
    }
    for name, change in variants.items():
        ds = sorted(distance(fingerprint(t, ld), fingerprint(*change(t, ld))) for _, t, ld in items)
        cells = "  ".join(f"<={t}: {sum(d <= t for d in ds) / len(ds):6.1%}" for t in THRESHOLDS)
        print(f"  {name:20s} median {ds[len(ds) // 2]:2d}  max {ds[-1]:2d}   grouped {cells}")

    print("\n3. Same event on two sites, titles sharing >= 25% of content words")
    words = [set(content_words(t)) for _, t, _ in items]
    pairs = []
    for i, j in itertools.combinations(range(len(items)), 2):
        if items[i][0] == items[j][0] or not words[i] or not words[j]:
            continue
        jac = len(words[i] & words[j]) / len(words[i] | words[j])
        if jac >= 0.25:
            d = distance(fingerprint(*items[i][1:]), fingerprint(*items[j][1:]))
            pairs.append((jac, d, items[i][1], items[j][1]))
    for jac, d, a, b in sorted(pairs, reverse=True)[:12]:
        print(f"  J={jac:.2f} d={d:2d}  {a[:45]}  ||  {b[:45]}")
    within = sum(d <= DEFAULT_THRESHOLD for _, d, _, _ in pairs)
    print(f"  {len(pairs)} such pairs; within the threshold: {within}; "
          f"closest {min(p[1] for p in pairs)}")
    print()
    bench_lookups()
    if extra:
        print()
        bench_fingerprints(extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
