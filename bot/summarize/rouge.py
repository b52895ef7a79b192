"""ROUGE-N and ROUGE-L (sentence-free LCS) on token lists.

rouge-score's default tokenizer drops Arabic letters (every score 0.0), so the benches
score our own tokens (:func:`bot.arabic.tokenize`: normalized words, no stemming).
Definitions follow Lin (2004) and rouge-score: counts are clipped (a candidate n-gram
matches at most as often as it occurs in the reference); ROUGE-L uses the longest common
subsequence of the two token lists; F is the harmonic mean of P and R (beta = 1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, hits: int, candidate_total: int, reference_total: int) -> Score:
        p = hits / candidate_total if candidate_total else 0.0
        r = hits / reference_total if reference_total else 0.0
        return cls(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int = 1) -> Score:
    """ROUGE-N of ``candidate`` against one ``reference`` (token lists)."""
    cand, ref = _ngrams(candidate, n), _ngrams(reference, n)
    hits = sum((cand & ref).values())
    return Score.of(hits, sum(cand.values()), sum(ref.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (O(len(a) * len(b)) time, O(len(b)) space)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> Score:
    """ROUGE-L of ``candidate`` against one ``reference`` (whole texts as one sequence)."""
    return Score.of(lcs_length(candidate, reference), len(candidate), len(reference))


__all__ = ["Score", "lcs_length", "rouge_l", "rouge_n"]
