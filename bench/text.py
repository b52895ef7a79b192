"""Sentence splitting cost per article: the original implementation vs the current one.

    python bench/text.py [--data /work/shared/data] [--rounds 7]

Times, in the same run, ``split_sentences(text)`` and the pipeline's
``split_sentences(unwrap_lines(text))`` on every ``text`` of DATA/articles.jsonl, for the
frozen copy of the original per-character implementation
(tests/test_arabic_sentences_equivalence.py) and for bot.arabic.sentences. Each figure is
the best of ``--rounds`` passes over all articles, old and new alternating, in CPU time
(``time.process_time``: the machine is shared, and wall time counts the other jobs) per
article, in µs. The outputs are compared too: the script fails if they
differ on any article.

Exit status 2 with a message when the data directory is missing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.arabic.sentences import split_sentences, unwrap_lines  # noqa: E402
from tests.test_arabic_sentences_equivalence import (  # noqa: E402
    _reference_split_sentences,
    _reference_unwrap_lines,
)


def us_per_item(
    old: Callable[[str], object], new: Callable[[str], object], texts: list[str], rounds: int
) -> tuple[float, float]:
    """Best time of ``rounds`` passes over ``texts`` for ``old`` and for ``new``, in µs per
    text; the passes alternate so both see the same machine load."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for side, fn in enumerate((old, new)):
            t = time.process_time()
            for text in texts:
                fn(text)
            best[side] = min(best[side], time.process_time() - t)
    return best[0] / len(texts) * 1e6, best[1] / len(texts) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--data", default="/work/shared/data", type=Path)
    parser.add_argument("--rounds", default=7, type=int)
    args = parser.parse_args(argv)
    path = args.data / "articles.jsonl"
    if not path.is_file():
        print(
            f"bench/text: no articles at {path} (pass --data DIR); nothing measured",
            file=sys.stderr,
        )
        return 2
    texts = [json.loads(ln)["text"] for ln in path.read_text("utf-8").splitlines() if ln]
    texts = [t for t in texts if isinstance(t, str) and t]
    for text in texts:
        if split_sentences(unwrap_lines(text)) != _reference_split_sentences(
            _reference_unwrap_lines(text)
        ):
            print("bench/text: the outputs differ", file=sys.stderr)
            return 1
    sizes = [len(t) for t in texts]
    print(
        f"{path}: {len(texts)} articles, {statistics.mean(sizes):.0f} characters on average "
        f"(median {statistics.median(sizes):.0f}); best of {args.rounds} rounds, µs per article"
    )
    rows = [
        ("split_sentences", _reference_split_sentences, split_sentences),
        (
            "split_sentences(unwrap_lines())",
            lambda t: _reference_split_sentences(_reference_unwrap_lines(t)),
            lambda t: split_sentences(unwrap_lines(t)),
        ),
        ("unwrap_lines", _reference_unwrap_lines, unwrap_lines),
    ]
    print(f"{'':32} {'old':>9} {'new':>9} {'speedup':>8}")
    for name, old, new in rows:
        a, b = us_per_item(old, new, texts, args.rounds)
        print(f"{name:32} {a:9.1f} {b:9.1f} {a / b:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
