"""Our ROUGE-N / ROUGE-L against hand-computed values, and the benches' missing-data exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.arabic import tokenize
from bot.summarize.rouge import Score, lcs_length, rouge_l, rouge_n

ROOT = Path(__file__).resolve().parents[1]


def approx(score: Score, p: float, r: float, f: float) -> None:
    assert score.precision == pytest.approx(p)
    assert score.recall == pytest.approx(r)
    assert score.f1 == pytest.approx(f)


def test_hand_computed_example() -> None:
    # candidate: the cat sat on the mat / reference: the cat is on the mat
    cand = ["the", "cat", "sat", "on", "the", "mat"]
    ref = ["the", "cat", "is", "on", "the", "mat"]
    # unigrams: the x2, cat, on, mat match (5 of 6 each side)
    approx(rouge_n(cand, ref, 1), 5 / 6, 5 / 6, 5 / 6)
    # bigrams: "the cat", "on the", "the mat" match (3 of 5 each side)
    approx(rouge_n(cand, ref, 2), 3 / 5, 3 / 5, 3 / 5)
    # LCS: the cat on the mat (5)
    assert lcs_length(cand, ref) == 5
    approx(rouge_l(cand, ref), 5 / 6, 5 / 6, 5 / 6)


def test_arabic_example_with_our_tokenizer() -> None:
    cand = tokenize("أعلنت الحكومةُ خطةً جديدة.")  # اعلنت الحكومه خطه جديده
    ref = tokenize("أعلنت الحكومة اليوم خطة")  # اعلنت الحكومه اليوم خطه
    approx(rouge_n(cand, ref, 1), 3 / 4, 3 / 4, 3 / 4)
    # bigrams: (اعلنت الحكومه) matches; 1 of 3 each side
    approx(rouge_n(cand, ref, 2), 1 / 3, 1 / 3, 1 / 3)
    # LCS: اعلنت الحكومه خطه (3)
    approx(rouge_l(cand, ref), 3 / 4, 3 / 4, 3 / 4)


def test_counts_are_clipped_and_asymmetric() -> None:
    # "the" three times in the candidate matches only once
    approx(rouge_n(["the", "the", "the"], ["the", "cat"], 1), 1 / 3, 1 / 2, 0.4)
    approx(rouge_l(["a", "b", "c", "d"], ["a", "c"]), 2 / 4, 2 / 2, 2 / 3)


def test_empty_inputs_score_zero() -> None:
    approx(rouge_n([], ["a"], 1), 0, 0, 0)
    approx(rouge_n(["a"], [], 2), 0, 0, 0)
    approx(rouge_l([], []), 0, 0, 0)
    assert lcs_length(["x"], ["y"]) == 0


@pytest.mark.parametrize("script", ["bench/summarize.py", "bench/extract.py"])
def test_bench_says_clearly_when_data_is_missing(script: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / script), "--data", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "no " in result.stderr and "--data" in result.stderr
