"""Line-noise filter benchmark: the current code against the frozen copy of the code before
the speed-up (tests/noise_reference.py), same run, on real article text.

    python bench/noise.py [--data /work/shared/data] [--repeat 7]

Input: every row of DATA/articles.jsonl (full article text from the pages, with titles).
When the shared data is missing it says so and falls back to the 15 rows of
tests/fixtures/ingest/articles.jsonl (figures from those are only indicative).

Per article (µs of CPU time, best of ``--repeat`` passes over all articles: the machine is
shared, so wall time counts other processes' turns and the best pass is the least
disturbed one; old and new passes interleaved; every pass starts with the per-line caches
of both versions emptied):

    noise_kind          noise_kind() on every sentence the summarizer looks at
                        (split_sentences(unwrap_lines(cleaned text))), cold caches
    attribution_of      attribution_of() on the same sentences, cold caches
    attribution_of after noise_kind
                        only the attribution_of() calls, each made after noise_kind() on
                        the same sentence found no noise, as _candidates does (each call
                        timed apart, by wall clock: includes ~0.1 µs of timer overhead)
    both                noise_kind() then attribution_of() per sentence, as _candidates
    clean               clean_text_and_attribution(text, title) on the article text
    pipeline            clean, then on each sentence of the cleaned text what _candidates
                        asks of the noise module: noise_kind(), attribution_of(), and for
                        article text normalized() and normalized_tokens() (the old
                        noise_kind() had computed those; the new one may not have). The
                        sentence split between the two (the same code for both) is left
                        out: its cost is printed apart.

Before timing, every output of the two versions is compared; the bench stops on any
difference.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.arabic import split_sentences, unwrap_lines
from bot.extract import article, noise
from tests import noise_reference

ROOT = Path(__file__).resolve().parents[1]

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
        self.normalized: Callable[[str], str] = noise_mod.normalized
        self.normalized_tokens: Callable[[str], tuple[str, ...]] = noise_mod.normalized_tokens

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


def passes(v: Version) -> dict[str, Callable[[list[Article]], float | None]]:
    """The timed passes: each returns the seconds to count, or None for its whole run."""
    noise_kind, attribution_of, clean = v.noise_kind, v.attribution_of, v.clean
    normalized, normalized_tokens = v.normalized, v.normalized_tokens

    def run_noise(articles: list[Article]) -> None:
        for _, _, sentences in articles:
            for s in sentences:
                noise_kind(s)
        return None

    def run_attribution(articles: list[Article]) -> None:
        for _, _, sentences in articles:
            for s in sentences:
                attribution_of(s)
        return None

    def run_both(articles: list[Article]) -> float | None:
        for _, _, sentences in articles:
            for s in sentences:
                if noise_kind(s) is None:
                    attribution_of(s)
        return None

    def run_attribution_after(articles: list[Article]) -> float:
        spent = 0.0
        clock = time.perf_counter
        for _, _, sentences in articles:
            for s in sentences:
                if noise_kind(s) is None:
                    t = clock()
                    attribution_of(s)
                    spent += clock() - t
        return spent

    def run_clean(articles: list[Article]) -> None:
        for text, title, _ in articles:
            clean(text, title)
        return None

    def run_pipeline(articles: list[Article]) -> None:
        for text, title, sentences in articles:
            clean(text, title)
            for s in sentences:  # split_sentences(unwrap_lines(the cleaned text))
                if noise_kind(s) is None and attribution_of(s) is None:
                    normalized(s)  # what _candidates asks next (cached by noise_kind)
                    normalized_tokens(s)
        return None

    return {
        "noise_kind": run_noise,
        "attribution_of": run_attribution,
        "attribution_of after noise_kind": run_attribution_after,
        "both": run_both,
        "clean": run_clean,
        "pipeline": run_pipeline,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--data", default="/work/shared/data", type=Path)
    parser.add_argument("--repeat", default=9, type=int)
    args = parser.parse_args(argv)
    articles = load(args.data)
    check_same(articles)
    print("outputs: identical (noise_kind, attribution_of per sentence; clean per article)")
    old, new = passes(OLD), passes(NEW)
    print(f"{'µs per article':32} {'old':>8} {'new':>8} {'speed-up':>9}")
    gc.disable()  # as timeit does: collections would land in whichever pass
    cleaned = [OLD.clean(text, title)[0] for text, title, _ in articles]
    split = []
    for _ in range(max(1, args.repeat)):
        t = time.process_time()
        for text in cleaned:
            split_sentences(unwrap_lines(text))
        split.append((time.process_time() - t) / len(articles) * 1e6)
    print(f"(not in the figures: split_sentences(unwrap_lines()) {min(split):.1f} µs per article)")
    for name in old:
        times: dict[str, list[float]] = {"old": [], "new": []}
        old[name](articles)  # warm-up
        new[name](articles)
        for _ in range(max(1, args.repeat)):
            for version, fn in ((OLD, old[name]), (NEW, new[name])):
                version.clear_caches()
                t = time.process_time()
                spent = fn(articles)
                if spent is None:
                    spent = time.process_time() - t
                times[version.name].append(spent / len(articles) * 1e6)
        o, n = min(times["old"]), min(times["new"])
        print(f"{name:32} {o:8.1f} {n:8.1f} {o / n:8.2f}x")
    gc.enable()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
