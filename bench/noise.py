"""Line-noise filter benchmark: the current code against the frozen copy of the code before
the speed-up (tests/noise_reference.py), same run, on real article text.

    python bench/noise.py [--data /work/shared/data] [--repeat 7]

Input: every row of DATA/articles.jsonl (full article text from the pages, with titles).
When the shared data is missing it says so and falls back to the 15 rows of
tests/fixtures/ingest/articles.jsonl (figures from those are only indicative).

Per article (µs, median of ``--repeat`` passes over all articles, old and new passes
interleaved; every pass starts with the per-line caches of both versions emptied):

    noise_kind      noise_kind() on every sentence the summarizer looks at
                    (split_sentences(unwrap_lines(cleaned text)))
    attribution_of  attribution_of() on the same sentences
    both            noise_kind() then attribution_of() per sentence, as _candidates does
    clean           clean_text_and_attribution(text, title) on the article text
    pipeline        clean, then both on the sentences of the cleaned text

Before timing, every output of the two versions is compared; the bench stops on any
difference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.arabic import split_sentences, unwrap_lines
from bot.extract import article, noise
from tests import noise_reference

Article = tuple[str, str, list[str]]  # text, title, sentences of the cleaned text


class Version:
    def __init__(self, name: str, noise_mod: ModuleType, clean_mod: ModuleType) -> None:
        self.name = name
        self.modules = (noise_mod, clean_mod)
        self.noise_kind: Callable[[str], str | None] = noise_mod.noise_kind
        self.attribution_of: Callable[[str], str | None] = noise_mod.attribution_of
        self.clean: Callable[[str, str], tuple[str, str | None]] = (
            clean_mod.clean_text_and_attribution
        )

    def clear_caches(self) -> None:
        for module in self.modules:
            for value in vars(module).values():
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


OLD = Version("old", noise_reference, noise_reference)
NEW = Version("new", noise, article)


def load(data: Path) -> list[Article]:
    path = data / "articles.jsonl"
    if not path.is_file():
        path = ROOT / "tests" / "fixtures" / "ingest" / "articles.jsonl"
        print(
            f"bench/noise: NO SHARED DATA at {data}: using the {path.relative_to(ROOT)} "
            "fixture (15 rows), figures only indicative"
        )
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        cleaned, _ = noise_reference.clean_text_and_attribution(row["text"], row["title"])
        out.append((row["text"], row["title"], split_sentences(unwrap_lines(cleaned))))
    print(f"input: {path} ({len(out)} articles, {sum(len(a[2]) for a in out)} sentences)")
    return out


def check_same(articles: list[Article]) -> None:
    for text, title, sentences in articles:
        assert NEW.clean(text, title) == OLD.clean(text, title), title
        for s in sentences:
            assert NEW.noise_kind(s) == OLD.noise_kind(s), s
            assert NEW.attribution_of(s) == OLD.attribution_of(s), s


def passes(v: Version) -> dict[str, Callable[[list[Article]], None]]:
    noise_kind, attribution_of, clean = v.noise_kind, v.attribution_of, v.clean

    def run_noise(articles: list[Article]) -> None:
        for _, _, sentences in articles:
            for s in sentences:
                noise_kind(s)

    def run_attribution(articles: list[Article]) -> None:
        for _, _, sentences in articles:
            for s in sentences:
                attribution_of(s)

    def run_both(articles: list[Article]) -> None:
        for _, _, sentences in articles:
            for s in sentences:
                if noise_kind(s) is None:
                    attribution_of(s)

    def run_clean(articles: list[Article]) -> None:
        for text, title, _ in articles:
            clean(text, title)

    def run_pipeline(articles: list[Article]) -> None:
        for text, title, _ in articles:
            cleaned, _credit = clean(text, title)
            for s in split_sentences(unwrap_lines(cleaned)):
                if noise_kind(s) is None:
                    attribution_of(s)

    return {
        "noise_kind": run_noise,
        "attribution_of": run_attribution,
        "both": run_both,
        "clean": run_clean,
        "pipeline": run_pipeline,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--data", default="/work/shared/data", type=Path)
    parser.add_argument("--repeat", default=7, type=int)
    args = parser.parse_args(argv)
    articles = load(args.data)
    check_same(articles)
    print("outputs: identical (noise_kind, attribution_of per sentence; clean per article)")
    old, new = passes(OLD), passes(NEW)
    print(f"{'µs per article':16} {'old':>8} {'new':>8} {'speed-up':>9}")
    for name in old:
        times: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(max(1, args.repeat)):
            for version, fn in ((OLD, old[name]), (NEW, new[name])):
                version.clear_caches()
                t = time.perf_counter()
                fn(articles)
                times[version.name].append((time.perf_counter() - t) / len(articles) * 1e6)
        o, n = statistics.median(times["old"]), statistics.median(times["new"])
        print(f"{name:16} {o:8.1f} {n:8.1f} {o / n:8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
