"""Summarizer benchmark on EASC (153 Arabic articles x 5 human extractive summaries).

    python bench/summarize.py [--data /work/shared/data]

Prints ROUGE-1, ROUGE-2 and ROUGE-L (precision, recall, F1) of our summarizer and of
Lead-3, measured in the same run, plus the average summary length (characters and
sentences) and our time per article.

Scoring: tokens are bot.arabic.tokenize() on normalized text (no stemming; rouge-score's
default tokenizer would drop Arabic). Each summary is scored against each of the article's
5 references separately; the 5 scores are averaged per article, then over articles.
EASC has no headlines, so the summarizer runs without a title.

Budget fairness: our summaries are capped at 600 characters (the product's limit) while
plain Lead-3 is not, and ROUGE recall grows with length. So four rows are printed:

    ours@600        summarize(text)                     3 sentences, <= 600 chars
    lead3@600       the first sentences while they fit 600 chars (the first cut if need be)
    leadfill@600    sentences in order, skipping those that overflow 600 chars, up to 3
                    (the summarizer's own filling rule, with position as the only score)
    ours@3          summarize(text, max_chars=10**9)    3 sentences, no character cap
    lead3           the first 3 sentences               no character cap

Compare ours@600 with lead3@600 / leadfill@600, and ours@3 with lead3. Our summaries come
out a little longer on average, so the bench also scores each pair with both summaries
cut, per article, to the token count of the shorter one ("equal length"). Sentences are
split the same way for both (bot.arabic.split_sentences after unwrap_lines: 43 EASC
articles are hard-wrapped).

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.arabic import split_sentences, tokenize, unwrap_lines
from bot.summarize import summarize
from bot.summarize.extractive import cut_on_word
from bot.summarize.rouge import Score, rouge_l, rouge_n

UNBOUNDED = 10**9


def lead(text: str, n: int = 3, max_chars: int = UNBOUNDED) -> str:
    """The first ``n`` sentences that fit ``max_chars`` (the first one cut if it alone
    does not fit), the same budget rule as the summarizer's."""
    out: list[str] = []
    used = 0
    for sentence in split_sentences(unwrap_lines(text))[:n]:
        extra = len(sentence) + (1 if out else 0)
        if used + extra > max_chars:
            break
        out.append(sentence)
        used += extra
    if not out:
        sentences = split_sentences(unwrap_lines(text))
        return cut_on_word(sentences[0], max_chars) if sentences else ""
    return " ".join(out)


def lead_fill(text: str, n: int = 3, max_chars: int = 600) -> str:
    """Sentences in order, skipping any that would overflow ``max_chars``, up to ``n``:
    the same filling rule as the summarizer's, with position as the only score."""
    out: list[str] = []
    used = 0
    for sentence in split_sentences(unwrap_lines(text)):
        extra = len(sentence) + (1 if out else 0)
        if used + extra <= max_chars:
            out.append(sentence)
            used += extra
            if len(out) == n:
                break
    return " ".join(out) if out else lead(text, n, max_chars)


def equal_length(
    a: Callable[[str], str], b: Callable[[str], str], items: list[tuple[str, str, list[str]]]
) -> dict[str, tuple[float, float]]:
    """Mean F1 of ``a`` and ``b`` when, per article, both are cut to the token count of
    the shorter one: what is left of the difference is not a length effect."""
    out: dict[str, tuple[list[float], list[float]]] = {m: ([], []) for m in ("R1", "R2", "RL")}
    for _id, article, refs in items:
        ta, tb = tokenize(a(article)), tokenize(b(article))
        k = min(len(ta), len(tb))
        ref_tokens = [tokenize(r) for r in refs]
        for side, cand in ((0, ta[:k]), (1, tb[:k])):
            out["R1"][side].append(statistics.mean(rouge_n(cand, r, 1).f1 for r in ref_tokens))
            out["R2"][side].append(statistics.mean(rouge_n(cand, r, 2).f1 for r in ref_tokens))
            out["RL"][side].append(statistics.mean(rouge_l(cand, r).f1 for r in ref_tokens))
    return {m: (statistics.mean(x), statistics.mean(y)) for m, (x, y) in out.items()}


def load(data: Path) -> list[tuple[str, str, list[str]]]:
    root = data / "easc"
    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    items = []
    for item in manifest["items"]:
        article = (root / item["article"]).read_text("utf-8-sig")
        refs = [(root / r["path"]).read_text("utf-8-sig") for r in item["references"]]
        items.append((item["id"], article, refs))
    return items


def mean_score(scores: list[Score]) -> Score:
    return Score(
        statistics.mean(s.precision for s in scores),
        statistics.mean(s.recall for s in scores),
        statistics.mean(s.f1 for s in scores),
    )


def evaluate(
    system: Callable[[str], str], items: list[tuple[str, str, list[str]]]
) -> dict[str, float | Score]:
    per_metric: dict[str, list[Score]] = {"R1": [], "R2": [], "RL": []}
    chars: list[int] = []
    sentences: list[int] = []
    times: list[float] = []
    for _id, article, refs in items:
        t = time.perf_counter()
        summary = system(article)
        times.append((time.perf_counter() - t) * 1000)
        chars.append(len(summary))
        sentences.append(len(split_sentences(summary)))
        cand = tokenize(summary)
        ref_tokens = [tokenize(r) for r in refs]
        per_metric["R1"].append(mean_score([rouge_n(cand, r, 1) for r in ref_tokens]))
        per_metric["R2"].append(mean_score([rouge_n(cand, r, 2) for r in ref_tokens]))
        per_metric["RL"].append(mean_score([rouge_l(cand, r) for r in ref_tokens]))
    result: dict[str, float | Score] = {k: mean_score(v) for k, v in per_metric.items()}
    result["chars"] = statistics.mean(chars)
    result["max_chars"] = max(chars)
    result["sentences"] = statistics.mean(sentences)
    result["ms_mean"] = statistics.mean(times)
    result["ms_p95"] = sorted(times)[int(0.95 * (len(times) - 1))]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--data", default="/work/shared/data", type=Path)
    args = parser.parse_args(argv)
    if not (args.data / "easc" / "manifest.json").is_file():
        print(
            f"bench/summarize: no EASC data at {args.data / 'easc'} (pass --data DIR)",
            file=sys.stderr,
        )
        return 2
    items = load(args.data)
    n_refs = sum(len(r) for _, _, r in items)
    print(f"EASC: {len(items)} articles, {n_refs} references")
    systems: dict[str, Callable[[str], str]] = {
        "ours@600": lambda t: summarize(t),
        "lead3@600": lambda t: lead(t, 3, 600),
        "leadfill@600": lambda t: lead_fill(t, 3, 600),
        "ours@3": lambda t: summarize(t, max_chars=UNBOUNDED),
        "lead3": lambda t: lead(t, 3),
    }
    results = {name: evaluate(fn, items) for name, fn in systems.items()}
    head = f"{'system':12} " + " ".join(
        f"{m + ' ' + k:>7}" for m in ("R1", "R2", "RL") for k in "PRF"
    )
    print(head + f" {'chars':>6} {'max':>5} {'sents':>5} {'ms':>6} {'p95':>6}")
    for name, r in results.items():
        cells = []
        for m in ("R1", "R2", "RL"):
            s = r[m]
            assert isinstance(s, Score)
            cells += [f"{s.precision:7.4f}", f"{s.recall:7.4f}", f"{s.f1:7.4f}"]
        print(
            f"{name:12} {' '.join(cells)} {r['chars']:6.0f} {r['max_chars']:5.0f} "
            f"{r['sentences']:5.2f} {r['ms_mean']:6.2f} {r['ms_p95']:6.2f}"
        )
    for ours, base in (
        ("ours@600", "lead3@600"),
        ("ours@600", "leadfill@600"),
        ("ours@3", "lead3"),
    ):
        wins = []
        for m in ("R1", "R2", "RL"):
            a, b = results[ours][m], results[base][m]
            assert isinstance(a, Score) and isinstance(b, Score)
            wins.append(f"{m} F1 {a.f1:.4f} vs {b.f1:.4f} ({a.f1 - b.f1:+.4f})")
        print(f"{ours} vs {base}: " + "; ".join(wins))
    for ours, base in (("ours@600", "leadfill@600"), ("ours@3", "lead3")):
        eq = equal_length(systems[ours], systems[base], items)
        line = "; ".join(f"{m} F1 {x:.4f} vs {y:.4f} ({x - y:+.4f})" for m, (x, y) in eq.items())
        print(f"equal length (both cut to the shorter, per article) {ours} vs {base}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
