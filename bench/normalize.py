"""``normalize`` cost per sentence: the original implementation vs the current one.

    python bench/normalize.py [--data /work/shared/data] [--rounds 9]

Times, in the same run, the frozen copy of the original ``normalize``
(tests/test_arabic_normalize_equivalence.py) and bot.arabic.normalize on every sentence
(``split_sentences``) of every ``text`` of DATA/articles.jsonl: best of ``--rounds``
passes, old and new alternating, in CPU time per sentence, in µs (see bench/text.py).
The outputs are compared too: the script fails if they differ on any sentence.

Exit status 2 with a message when the data directory is missing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.text import us_per_item  # noqa: E402
from bot.arabic.normalize import normalize  # noqa: E402
from bot.arabic.sentences import split_sentences  # noqa: E402
from tests.test_arabic_normalize_equivalence import _reference_normalize  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--data", default="/work/shared/data", type=Path)
    parser.add_argument("--rounds", default=9, type=int)
    args = parser.parse_args(argv)
    path = args.data / "articles.jsonl"
    if not path.is_file():
        print(
            f"bench/normalize: no articles at {path} (pass --data DIR); nothing measured",
            file=sys.stderr,
        )
        return 2
    texts = [json.loads(ln)["text"] for ln in path.read_text("utf-8").splitlines() if ln]
    sentences = [s for t in texts if isinstance(t, str) for s in split_sentences(t)]
    if [normalize(s) for s in sentences] != [_reference_normalize(s) for s in sentences]:
        print("bench/normalize: the outputs differ", file=sys.stderr)
        return 1
    sizes = [len(s) for s in sentences]
    print(
        f"{path}: {len(sentences)} sentences, {statistics.mean(sizes):.0f} characters on "
        f"average (median {statistics.median(sizes):.0f}); best of {args.rounds} rounds, "
        "µs per sentence"
    )
    old, new = us_per_item(_reference_normalize, normalize, sentences, args.rounds)
    print(f"{'':10} {'old':>9} {'new':>9} {'speedup':>8}")
    print(f"{'normalize':10} {old:9.2f} {new:9.2f} {old / new:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
