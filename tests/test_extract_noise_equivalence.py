"""The line-noise filter gives exactly what the frozen reference (tests/noise_reference.py,
the code before the speed-up) gives: ``noise_kind`` and ``attribution_of`` on every line
and every sentence of real text, on every phrase of the rule tables (alone and dressed up)
and on seeded random mixes; ``clean_text_and_attribution`` and ``_clean_lines`` on whole
texts. The shared data set (/work/shared/data) is used when present, skipped otherwise."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from bot.arabic import split_sentences, unwrap_lines
from bot.arabic.normalize import normalize
from bot.arabic.tokens import tokenize_normalized
from bot.extract import article
from bot.extract.noise import attribution_of, more_tokens_than, noise_kind, normalized_tokens
from bot.parse import parse_feed
from tests import noise_reference as ref

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATA = Path("/work/shared/data")
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="no shared data at /work/shared/data")


def _words(text: str) -> list[str]:
    return text.split()


KINDS = frozenset(
    _words(
        "share font nav advertise contact about ad comments read_more tags photo subscribe"
        " byline copyright disclaimer click feed_footer timestamp"
    )
)


# --- inputs -------------------------------------------------------------------------


def _lines_and_sentences(texts: Iterable[str]) -> list[str]:
    """Every line (raw and stripped) and every sentence of ``texts``, in order."""
    out: list[str] = []
    for text in texts:
        for line in text.splitlines():
            out.append(line)
            out.append(line.strip())
        out.extend(split_sentences(unwrap_lines(text)))
        out.extend(split_sentences(text))
    return out


def _jsonl_texts(path: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [(row["text"], row["title"]) for row in rows]


def _feed_texts(paths: Iterable[Path]) -> list[tuple[str, str]]:
    from datetime import UTC, datetime

    out: list[tuple[str, str]] = []
    for path in paths:
        feed = parse_feed(
            path.read_bytes(), url="https://example.com/feed", fetched_at=datetime.now(UTC)
        )
        out.extend((e.text, e.title) for e in feed.entries)
    return out


def _page_raw_lines(paths: Iterable[Path]) -> list[tuple[list[str], str]]:
    """What extract_article hands _clean_lines for each page: (trafilatura's lines, title)."""
    captured: list[tuple[list[str], str]] = []
    real = article._clean_lines

    def capture(raw_lines: list[str], title: str = "") -> object:
        captured.append((list(raw_lines), title))
        return real(raw_lines, title)

    article._clean_lines = capture  # type: ignore[assignment]
    try:
        for path in paths:
            with contextlib.suppress(Exception):  # a page without text still gave its lines
                article.extract_article(path.read_bytes(), "https://example.com/a")
    finally:
        article._clean_lines = real
    return captured


@cache
def fixture_texts() -> tuple[tuple[str, str], ...]:
    """(text, title) of every text in tests/fixtures: feeds, articles, pages, EASC."""
    texts = _jsonl_texts(FIXTURES / "ingest" / "articles.jsonl")
    feeds = sorted((FIXTURES / "feeds").glob("*.xml")) + sorted((FIXTURES / "ingest").glob("*.xml"))
    texts += _feed_texts(feeds)
    for name in ("render", "search"):
        for row in json.loads((FIXTURES / name / "articles.json").read_text("utf-8")):
            texts += [(row.get(k) or "", row.get("title") or "") for k in ("summary", "text")]
    texts += [(p.read_text("utf-8"), "") for p in sorted((FIXTURES / "text").rglob("*.txt"))]
    for raw_lines, title in fixture_pages():
        texts.append(("\n".join(raw_lines), title))
    return tuple(texts)


@cache
def fixture_pages() -> tuple[tuple[list[str], str], ...]:
    pages = sorted((FIXTURES / "text" / "pages").glob("*.html"))
    pages += sorted((FIXTURES / "text" / "encodings").glob("*.html"))
    pages.append(FIXTURES / "ingest" / "page_template.html")
    return tuple(_page_raw_lines(pages))


@cache
def data_texts() -> tuple[tuple[str, str], ...]:
    texts = _jsonl_texts(DATA / "articles.jsonl")
    texts += _feed_texts(sorted((DATA / "feeds").rglob("*.xml")))
    texts += [(p.read_text("utf-8"), "") for p in sorted((DATA / "easc").rglob("*.txt"))]
    for raw_lines, title in data_pages():
        texts.append(("\n".join(raw_lines), title))
    return tuple(texts)


@cache
def data_pages() -> tuple[tuple[list[str], str], ...]:
    return tuple(_page_raw_lines(sorted((DATA / "pages").glob("*.html"))))


def _table_phrases() -> list[str]:
    """Every word and phrase of the reference's rule tables, raw and normalized."""
    phrases: set[str] = set()
    for vocabulary in (ref._SHARE, ref._FONT, ref._NAV, ref._MONTHS, ref._TIME_WORDS):
        phrases |= vocabulary
    for table in (ref._PHRASES, ref._PREFIXES):
        for group in table.values():
            phrases.update(group)
    for _, group, _ in ref._CONTAINS:
        phrases.update(group)
    phrases.update(ref._AGENCIES)
    phrases.update(ref._SOURCE_LABELS)
    phrases.update(["رويترز", "أ ف ب", "د ب أ", "المصدر", "مصدر الخبر", "نقلا عن", "Source"])
    phrases |= {normalize(p) for p in phrases}
    return sorted(p for p in phrases if p)


PROSE = _words(
    "قال الوزير إن الحكومة ستعلن خطة جديدة لدعم الاقتصاد الوطني خلال الأيام المقبلة بعد"
    " اجتماع مطول مع ممثلي القطاع الخاص في العاصمة وأكد أن المفاوضات مستمرة"
)
LATIN = _words("CNN AFP Reuters Getty Images the minister said on Monday A+ A- click here")
NUMBERS = ["3", "12", "2020", "١٢", "٣٫٥", "2,000", "10:22", "09:22:15", "2017/03/02",
           "24-4-2020", "02.03.2017", "2020-06-03"]
SEPARATORS = ["|", "•", "»", "«", ">", ":", "-", "–", "—", "،", ".", "(", ")", "+", "©",
              "/", "؟", "!", "*", "#", "_", "...", ":-", "--"]


def phrase_variants() -> list[str]:
    """Each table phrase alone and dressed up: punctuation, numbers, a dateline, and prose
    around it. The prefix, contains and source-label phrases get prose of lengths around
    every token limit of the rules (4, 6, 8, 12, 15, 20, 25, 30, 40, 60)."""
    limited = {p for group in ref._PREFIXES.values() for p in group}
    limited |= {p for _, group, _ in ref._CONTAINS for p in group} | set(ref._SOURCE_LABELS)
    limited |= {normalize(p) for p in limited}
    out: list[str] = []
    for p in _table_phrases():
        out += [p, f" {p} ", f"{p}:", f"{p} :", f"{p} -", f"({p})", f"-- {p}", f"«{p}»",
                f"| {p} |", f"{p} | {p}", f"{p} {p}", f"{p} 2020", f"12 {p}", f"{p} (3)",
                f"{p} ©", f"» {p}", f"{p}.", f"{p}؟", f"{p} و {p}", f"{p}+", f"{p}2017/03/02"]
        if p in limited:
            lengths: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 15, 16, 19, 20, 21,
                                        24, 25, 26, 29, 30, 31, 39, 40, 41, 59, 60, 61)
        else:
            lengths = (1, 2, 3, 11, 12, 13)
        for k in lengths:
            words = " ".join((PROSE * 4)[:k])
            out += [f"{p}: {words}", f"{p} - {words}", f"{p} {words}", f"{words} {p}",
                    f"{words} ({p})"]
        for label in ("المصدر", "source", "نقلا عن"):
            out += [f"{label}: {p}", f"{label} - {p}"]
    return out


def fuzz_lines(seed: int, count: int) -> list[str]:
    """Random lines mixing table phrases, prose, numbers, dates, separators and Latin."""
    rng = random.Random(seed)
    phrases = _table_phrases()
    pools = (phrases, PROSE, LATIN, NUMBERS, SEPARATORS, sorted(ref._MONTHS | ref._TIME_WORDS))
    weights = (4, 4, 1, 2, 3, 2)
    out = []
    for _ in range(count):
        n = rng.choice((rng.randint(0, 6), rng.randint(0, 16), rng.randint(0, 70)))
        pieces = [rng.choice(rng.choices(pools, weights)[0]) for _ in range(n)]
        joiners = [rng.choice((" ", " ", " ", "", "  ", "\t", "\u00a0")) for _ in pieces]
        out.append("".join(j + p for j, p in zip(joiners, pieces, strict=True)))
    return out


def fuzz_texts(lines: list[str], seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    texts = []
    for i in range(0, len(lines) - 12, 12):
        chunk = lines[i : i + rng.randint(1, 12)]
        title = rng.choice((*chunk, "", PROSE[0] + " " + PROSE[1]))
        texts.append(("\n".join(chunk), title))
    return texts


# --- comparisons --------------------------------------------------------------------


def _attribution_first(line: str) -> tuple[str | None, str | None]:
    agency = attribution_of(line)
    return noise_kind(line), agency


def assert_same_lines(lines: list[str]) -> None:
    want = [(ref.noise_kind(line), ref.attribution_of(line)) for line in lines]
    # in the summarizer's order, backwards (other cache states), and attribution first
    passes = {
        "forward": [(noise_kind(line), attribution_of(line)) for line in lines],
        "backward": [(noise_kind(line), attribution_of(line)) for line in reversed(lines)][::-1],
        "attribution first": [_attribution_first(line) for line in lines],
    }
    for name, got in passes.items():
        bad = [(line, g, w) for line, g, w in zip(lines, got, want, strict=True) if g != w]
        assert not bad, f"{name}: {len(bad)} of {len(lines)} lines differ, e.g. {bad[:5]}"
    # the helpers the shortcuts rest on
    for line in lines:
        tokens = tuple(tokenize_normalized(normalize(line)))
        assert normalized_tokens(line) == tokens, line
        assert more_tokens_than(line, 8) == (len(tokens) > 8), line
        assert more_tokens_than(line, 12) == (len(tokens) > 12), line


def assert_same_texts(texts: Iterable[tuple[str, str]]) -> None:
    for text, title in texts:
        for t in (title, ""):
            got = article.clean_text_and_attribution(text, t)
            assert got == ref.clean_text_and_attribution(text, t), (text[:200], t)


def assert_same_clean_lines(pages: Iterable[tuple[list[str], str]]) -> None:
    for raw_lines, title in pages:
        got = article._clean_lines(raw_lines, title)
        want = ref._clean_lines(raw_lines, title)
        assert (got.lines, got.attributions, got.bylines, got.stamps) == (
            want.lines,
            want.attributions,
            want.bylines,
            want.stamps,
        ), title


# --- tests --------------------------------------------------------------------------


def test_fixture_lines_and_sentences() -> None:
    texts = fixture_texts()
    assert len(texts) > 300
    assert_same_lines(_lines_and_sentences(t for t, _ in texts))


def test_fixture_texts() -> None:
    assert_same_texts(fixture_texts())
    assert_same_clean_lines(fixture_pages())


@needs_data
def test_shared_data_lines_and_sentences() -> None:
    texts = data_texts()
    assert len(texts) > 1000
    assert_same_lines(_lines_and_sentences(t for t, _ in texts))


@needs_data
def test_shared_data_texts() -> None:
    assert_same_texts(data_texts())
    assert len(data_pages()) >= 20
    assert_same_clean_lines(data_pages())


def test_table_phrases_make_every_rule_fire() -> None:
    lines = phrase_variants()
    kinds = {ref.noise_kind(line) for line in lines}
    assert kinds >= KINDS, KINDS - kinds  # the inputs reach every rule
    assert sum(ref.attribution_of(line) is not None for line in lines) > 500
    assert_same_lines(lines)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz(seed: int) -> None:
    lines = fuzz_lines(seed, 8_000)
    assert {ref.noise_kind(line) for line in lines} >= KINDS
    assert_same_lines(lines)
    assert_same_texts(fuzz_texts(lines, seed))
