"""Feed parsing throughput, and what skipping unchanged bodies saves.

    python bench/parse.py [--data /work/shared/data] [--repeat 7] [--feeds 1000 | --no-fetch]

Prints entries parsed per second for
  1. feedparser with its defaults,
  2. feedparser with sanitize_html=False, resolve_relative_uris=False (our settings),
  3. the full bot.parse.parse_feed pipeline with the lxml fast path off (feedparser + 2 +
     HTML stripping, canonical URLs, dates),
  4. the same pipeline with the fast path (bot/parse/fast.py) on, as parse_feed runs it,
and how many of the feeds took the fast path (the others fell back to feedparser); then
the cost of body_digest() against parse_feed() per body (the skip-by-digest gain), a
changed corpus feed with 3 new of 50 items read whole and as the poller reads it (the items
its previous version listed without their text: the gain of reading only what is new), and an
end-to-end poll of N generated feeds from the in-process fake feed server:
a first round (200 + parse), a conditional round (304, nothing to parse) and an
unconditional round whose unchanged bodies are skipped by digest.

The parse figures use the real feeds in DATA/feeds (5 Arabic sites, BBC Arabic in
windows-1256 with and without a declaration, 2 BBC Urdu feeds; their descriptions are
plain text), generated feeds whose descriptions are HTML, and 40 corpus feeds of 50 unique
~1 KB items (bench/corpus_feed.py, from DATA/articles.jsonl). When the data directory is
missing the script says so and measures the generated feeds only.

Then an archive: one ~4.9 MB document of 22,000 short items (the fetch cap is 5 MB),
well-formed and with its tail cut off (feedparser reads it), parsed whole and as the
poller's worker parses it (its newest 1,000 entries: bot/parse/trim.py cuts the middle out
of a document feedparser reads): CPU and the bytes pickled back to the event loop
(--no-archive skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import feedparser  # noqa: E402
from corpus_feed import corpus_feed, load_corpus  # noqa: E402

from bot.config import PollingConfig  # noqa: E402
from bot.fetch import Fetcher  # noqa: E402
from bot.ingest.entries import MAX_ENTRIES  # noqa: E402
from bot.ingest.work import parse_in_worker  # noqa: E402
from bot.parse import body_digest, parse_feed  # noqa: E402
from bot.parse.fast import parse_fast  # noqa: E402
from bot.parse.feed import _headers, _parse_feed  # noqa: E402
from tests.fakes.feed_server import FeedServer, generated_feed  # noqa: E402

HEADERS = {"content-type": "application/rss+xml"}
NOW = datetime(2018, 3, 1, tzinfo=UTC)


def load_feeds(data: Path) -> list[tuple[str, bytes]] | None:
    feeds_dir = data / "feeds"
    files = sorted(feeds_dir.glob("*.xml")) + sorted((feeds_dir / "urdu").glob("*.xml"))
    if not files:
        print(f"!! DATA DIR MISSING: no feeds under {feeds_dir} (pass --data DIR).")
        print("!! The real-feed figures are skipped; only generated feeds are measured.\n")
        return None
    return [(f.name, f.read_bytes()) for f in files]


def generated_feeds() -> list[tuple[str, bytes]]:
    return [(f"generated-{n}", generated_feed(n, 100)) for n in range(8)]


def timed(
    feeds: list[tuple[str, bytes]], repeat: int, modes: dict[str, Callable[[bytes], int]]
) -> dict[str, float]:
    """Entries per CPU second of each mode: the best of ``repeat`` passes, the modes
    interleaved within each pass. Process CPU time, not wall time: parsing is CPU-bound
    and the figures should not depend on what else the machine runs."""
    best = dict.fromkeys(modes, float("inf"))
    entries = dict.fromkeys(modes, 0)
    for _ in range(repeat):
        for name, parse in modes.items():
            count = 0
            started = time.process_time()
            for _name, body in feeds:
                count += parse(body)
            best[name] = min(best[name], time.process_time() - started)
            entries[name] = count
    return {name: entries[name] / best[name] for name in modes}


def fp_default(body: bytes) -> int:
    return len(feedparser.parse(body, response_headers=HEADERS).entries)


def fp_fast(body: bytes) -> int:
    return len(feedparser.parse(body, response_headers=HEADERS, sanitize_html=False,
                                resolve_relative_uris=False).entries)


def ours(body: bytes) -> int:
    return len(parse_feed(body, url="https://example.com/feed.xml", headers=HEADERS,
                          fetched_at=NOW).entries)


def ours_feedparser(body: bytes) -> int:
    return len(_parse_feed(body, url="https://example.com/feed.xml", headers=HEADERS,
                           fetched_at=NOW, fast=False).entries)


def took_fast_path(body: bytes) -> bool:
    return parse_fast(body, _headers(HEADERS, body, "https://example.com/feed.xml")) is not None


def bench_parse(feeds: list[tuple[str, bytes]], repeat: int) -> None:
    total_entries = sum(ours(body) for _, body in feeds)
    total_bytes = sum(len(body) for _, body in feeds)
    print(f"{len(feeds)} feeds, {total_entries} entries, {total_bytes / 1024:.0f} KiB; "
          f"best of {repeat} passes, CPU time")
    rates = timed(feeds, repeat, {"default": fp_default, "fast": fp_fast,
                                  "slow": ours_feedparser, "ours": ours})
    default, fast, slow, full = rates["default"], rates["fast"], rates["slow"], rates["ours"]
    print(f"  feedparser defaults                          {default:8.0f} entries/s")
    print(f"  feedparser sanitize/resolve off              {fast:8.0f} entries/s "
          f"({fast / default:.2f}x)")
    print(f"  parse_feed, fast path off (feedparser)       {slow:8.0f} entries/s "
          f"({1e3 / slow:.3f} ms/entry)")
    print(f"  parse_feed, lxml fast path on                {full:8.0f} entries/s "
          f"({1e3 / full:.3f} ms/entry, {full / slow:.2f}x the feedparser path)")
    taken = [name for name, body in feeds if took_fast_path(body)]
    print(f"  fast path taken by {len(taken)} of {len(feeds)} feeds; feedparser for: "
          + (", ".join(name for name, _ in feeds if name not in taken) or "none"))

    per_body_parse = total_entries / full / len(feeds)
    started = time.process_time()
    rounds = 50
    for _ in range(rounds):
        for _, body in feeds:
            body_digest(body)
    per_body_digest = (time.process_time() - started) / rounds / len(feeds)
    print(f"  body_digest per body {per_body_digest * 1e6:8.1f} us vs parse_feed "
          f"{per_body_parse * 1e3:.1f} ms: an unchanged body costs "
          f"{per_body_digest / per_body_parse * 100:.2f}% of a parse "
          f"({per_body_parse / per_body_digest:.0f}x cheaper)")


def bench_known(corpus: list[tuple[str, list[str]]], repeat: int, new: int = 3) -> None:
    """A changed body where only ``new`` of 50 items are new: parsed whole, and as the
    poller's worker parses it, told what the previous version listed
    (``parse_in_worker(listed=...)``: those items come back without their text)."""
    from bot.ingest.entries import article_url
    from bot.ingest.work import parse_in_worker
    from bot.storage._listing import listing

    url = "https://example.com/feed.xml"
    bodies, listings = [], []
    for n in range(40):
        before = parse_in_worker(corpus_feed(n, 50, 0, corpus, new=new), url, HEADERS, NOW, 1000)
        bodies.append(corpus_feed(n, 50, 1, corpus, new=new))
        listings.append(listing([article_url(e, 1) for e in before.entries],
                                [e.guid for e in before.entries if e.guid]))
    best = {"whole": float("inf"), "listed": float("inf")}
    for _ in range(repeat):
        for mode in best:
            started = time.process_time()
            for body, listed in zip(bodies, listings, strict=True):
                parse_in_worker(body, url, HEADERS, NOW, 1000,
                                listed if mode == "listed" else None)
            best[mode] = min(best[mode], time.process_time() - started)
    whole, light = best["whole"] / len(bodies), best["listed"] / len(bodies)
    print(f"\nChanged corpus feeds, {new} new of 50 items (40 feeds; best of {repeat}, CPU):"
          f"\n  read whole {whole * 1e3:6.2f} ms/feed; the previous listing given "
          f"{light * 1e3:6.2f} ms/feed ({whole / light:.2f}x)")


async def bench_poll(count: int) -> None:
    print(f"\nPoll of {count} generated feeds (20 items, ~27 KB each) from the in-process "
          "fake feed server, 16 at a time")
    config = PollingConfig(allow_private_addresses=True, concurrency=16, per_host_concurrency=16)
    async with FeedServer("127.0.0.1") as server, Fetcher(config) as fetcher:
        paths = server.add_generated(count, items=20)
        urls = [server.url(p) for p in paths]
        digests: dict[str, str] = {}
        etags: dict[str, str | None] = {}

        async def poll(url: str, conditional: bool, skip_by_digest: bool) -> tuple[int, int]:
            result = await fetcher.fetch(url, etag=etags.get(url) if conditional else None)
            if result.body is None:
                return 0, 1
            etags[url] = result.etag
            digest = body_digest(result.body)
            if skip_by_digest and digests.get(url) == digest:
                return 0, 1
            digests[url] = digest
            feed = parse_feed(result.body, url=result.url, headers=result.headers,
                              fetched_at=NOW)
            return len(feed.entries), 0

        for label, conditional, skip in (
            ("first round (200, parse all)", False, False),
            ("conditional GET (304, no body)", True, False),
            ("unconditional, parse again", False, False),
            ("unconditional, skip by digest", False, True),
        ):
            started = time.perf_counter()
            results = await asyncio.gather(*(poll(u, conditional, skip) for u in urls))
            took = time.perf_counter() - started
            parsed = sum(r[0] for r in results)
            skipped = sum(r[1] for r in results)
            print(f"  {label:34s} {took:6.2f} s  {count / took:7.0f} feeds/s  "
                  f"entries parsed {parsed:6d}  bodies skipped {skipped:5d}")


def archive(items: int) -> bytes:
    """One document of ``items`` short items, newest first (~165 bytes each)."""
    parts = [f"<item><title>خبر الأرشيف رقم {n}</title><link>https://a.example/{n}</link>"
             f"<guid>g{n}</guid><pubDate>Thu, 01 Feb 2018 10:00:00 GMT</pubDate>"
             f"<description>نص الخبر رقم {n}.</description></item>" for n in range(items)]
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>أرشيف</title><link>https://a.example/</link>" + "".join(parts)
            + "</channel></rss>").encode()


def bench_archive(items: int) -> None:
    whole = archive(items)
    broken = whole[: whole.rindex(b"</channel>") - 1]
    print(f"\nArchive: {items} items in one document, {len(whole) / 1e6:.1f} MB; CPU time of "
          f"one parse, and the pickle sent back to the event loop:")
    for shape, body in (("well-formed (fast path)", whole), ("tail cut off (feedparser)", broken)):
        started = time.process_time()
        # without the service's 15 s CPU limit (FEED_CPU_SECONDS), which the whole cut-off
        # archive exceeds: this is what reading it all would cost
        parsed = _parse_feed(body, url="https://a.example/feed", headers=HEADERS,
                             fetched_at=NOW, cpu_seconds=600)
        cpu_whole = time.process_time() - started
        size_whole = len(pickle.dumps(parsed))
        started = time.process_time()
        capped = parse_in_worker(body, "https://a.example/feed", HEADERS, NOW, MAX_ENTRIES)
        cpu_capped = time.process_time() - started
        size_capped = len(pickle.dumps(capped))
        print(f"  {shape:27s} whole {cpu_whole:6.2f} s, {size_whole / 1e6:5.1f} MB pickled; "
              f"as the worker parses it {cpu_capped:5.2f} s, {size_capped / 1e6:4.2f} MB "
              f"({len(capped.entries)} entries, {capped.omitted} omitted); "
              f"CPU whole / worker {cpu_whole / cpu_capped:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--feeds", type=int, default=1000, help="generated feeds to poll")
    parser.add_argument("--no-fetch", action="store_true", help="skip the poll benchmark")
    parser.add_argument("--no-archive", action="store_true", help="skip the archive figures")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    feeds = load_feeds(args.data)
    if feeds is not None:
        print(f"Real feeds from {args.data / 'feeds'} (plain-text descriptions):")
        bench_parse(feeds, args.repeat)
    print("\nGenerated feeds (8 x 100 items, ~1.3 KB each, HTML <p> descriptions):")
    bench_parse(generated_feeds(), args.repeat)
    corpus = load_corpus(args.data)
    if corpus:
        print("\nCorpus feeds (40 x 50 unique items, ~1 KB of HTML paragraphs each):")
        bench_parse([(f"corpus-{n}", corpus_feed(n, 50, 1, corpus)) for n in range(40)],
                    args.repeat)
        bench_known(corpus, args.repeat)
    if not args.no_archive:
        bench_archive(22_000)
    if not args.no_fetch:
        asyncio.run(bench_poll(args.feeds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
