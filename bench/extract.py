"""Extraction benchmark on the 20 real Arabic pages of the shared data set.

    python bench/extract.py [--data /work/shared/data] [--repeat 3]

For each page and each configuration it prints the time per page (ms, median of
``--repeat`` runs after one warm-up pass over all pages; the one-time cold start of the
first call is printed apart), token precision / recall / F1 against the reference body
where one exists, the publication date against the reference date where one exists, and
the boilerplate leaks. Configurations:

    raw        trafilatura (include_comments=False, balanced) text as it comes
    ours       extract_article(): the same, then our line filter and attribution split
    ours+prec  extract_article(favor_precision=True)

The first call that falls back to dateparser (through htmldate) pays a one-time set-up of
about 3 s; the warm-up pass shows it, the per-page figures exclude it.

Scores are ROUGE-1-style bag-of-token overlap on normalized tokens (bot.arabic.tokenize).
References: cnn (newspaper fixture body), lbc (fundus paragraphs), 9 jawharafm pages (ANT
crawler <TEXT>, a CSS-selector extraction: silver). The headline is not part of any body
reference; the CNN reference keeps its dateline "دمشق، سوريا (CNN) --", which we move to
``attribution`` on purpose (it costs us a few recall points there).

A *leak* is an output line that is one of:
  (a) lexicon: a line of <= 15 tokens containing a phrase of BOILERPLATE below (share and
      social labels, advertise/contact, font controls, ad markers, read-more, tags, photo
      credit, comments, navigation), or any line containing a COPYRIGHT phrase, or a line
      that is only a date/time stamp. This list is the bench's own, written apart from the
      filter's rules;
  (b) must-not: a "without" snippet of the trafilatura eval file (assabah page);
  (c) off-reference: on pages with a reference body, a line of which fewer than half the
      tokens occur in the reference (title lines count: the references have no headline).
Target: 0 leaks of kind (a) and (b) for "ours". Kind (c) is reported, and explained.

Dates: the reference is the htmldate gold (8 pages), the ANT <TIME> (9 jawharafm pages)
and fundus (lbc). The elbaladtv gold is the local day (2020-12-25T01:59+02:00); the page's
og meta gives 2020-12-24T23:59Z, the UTC day we report.

Exit status 2 with a message when the data directory is missing.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura
from trafilatura.settings import Document

from bot.arabic import normalize, tokenize
from bot.extract import extract_article
from bot.summarize.rouge import rouge_n

BOILERPLATE = tuple(
    normalize(p)
    for p in (
        "شارك",
        "مشاركة",
        "تويتر",
        "فيسبوك",
        "فيس بوك",
        "واتساب",
        "تيليجرام",
        "أعلن معنا",
        "اتصل بنا",
        "من نحن",
        "تكبير الخط",
        "تصغير الخط",
        "حجم الخط",
        "A+",
        "إعلان",
        "advertisement",
        "اقرأ أيضا",
        "إقرأ أيضا",
        "اقرأ المزيد",
        "ذات صلة",
        "الوسوم",
        "كلمات مفتاحية",
        "تصوير",
        "مصدر الصورة",
        "getty",
        "تعليق",
        "التعليقات",
        "تحميل",
        "الرئيسية",
        "اشترك",
        "تابعونا",
        "النشرة البريدية",
        "|",
    )
)
COPYRIGHT = tuple(
    normalize(p)
    for p in ("جميع الحقوق محفوظة", "حقوق النشر", "©", "all rights reserved", "لا تعبر عن رأي")
)
_STAMP = re.compile(
    r"^\W*(?:\w+\W*){0,2}?\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}(?:\s+\d{1,2}:\d{2})?\W*$"
)


@dataclass
class Reference:
    body: str | None = None
    with_: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    day: date | None = None


def _jawhara(path: Path) -> Reference:
    raw = path.read_text("utf-8")
    body = raw.split("<TEXT>", 1)[1].split("</TEXT>", 1)[0].strip()
    stamp = raw.split("<TIME>", 1)[1].split("</TIME>", 1)[0].strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", stamp) or re.match(r"(\d{2})/(\d{2})/(\d{4})", stamp)
    assert m, stamp
    y, mo, d = m.groups() if len(m.group(1)) == 4 else m.groups()[::-1]
    return Reference(body=body, day=date(int(y), int(mo), int(d)))


def load_references(data: Path) -> dict[str, Reference]:
    exp = data / "expected"
    refs: dict[str, Reference] = {}
    for entry in json.loads((data / "pages" / "index.json").read_text("utf-8")):
        name = Path(entry["page"]).name
        stem = name.removesuffix(".html")
        if stem.startswith("jawharafm_"):
            refs[name] = _jawhara(exp / f"{stem}.ant.txt")
        elif stem.startswith("cnn_"):
            refs[name] = Reference(body=(exp / f"{stem}.txt").read_text("utf-8"))
        elif stem.startswith("lbcgroup_"):
            fundus = json.loads((exp / f"{stem}.fundus.json").read_text("utf-8"))["V1"]
            paragraphs = [p for s in fundus["body"]["sections"] for p in s["paragraphs"]]
            refs[name] = Reference(
                body="\n".join(paragraphs), day=date.fromisoformat(fundus["publishing_date"][:10])
            )
        elif stem.startswith("assabah_"):
            ev = json.loads((exp / f"{stem}.trafilatura-eval.json").read_text("utf-8"))
            refs[name] = Reference(with_=tuple(ev["with"]), without=tuple(ev["without"]))
        elif stem.startswith("htmldate_"):
            dates = json.loads((exp / "htmldate_arabic_pages_dates.json").read_text("utf-8"))
            refs[name] = Reference(day=date.fromisoformat(dates[name]["date"]))
    return refs


@dataclass
class Output:
    text: str
    title: str = ""
    day: date | None = None
    attribution: str | None = None


def run_raw(page: bytes, url: str | None) -> Output:
    doc = trafilatura.bare_extraction(page, url=url, include_comments=False, with_metadata=True)
    if not isinstance(doc, Document):
        return Output(text="")
    day = date.fromisoformat(doc.date) if doc.date else None
    return Output(text=doc.text or "", title=doc.title or "", day=day)


def run_ours(page: bytes, url: str | None, precision: bool = False) -> Output:
    e = extract_article(page, url, favor_precision=precision)
    return Output(text=e.text, title=e.title, day=e.published, attribution=e.attribution)


def leaks(out: Output, ref: Reference) -> tuple[list[str], list[str], list[str]]:
    lexicon: list[str] = []
    off_reference: list[str] = []
    ref_tokens = set(tokenize(ref.body)) if ref.body else set()
    norm_text = normalize(out.text)
    for line in out.text.splitlines():
        if not line.strip():
            continue
        norm = normalize(line)
        tokens = tokenize(line)
        short = len(tokens) <= 15
        if (
            (short and any(p in norm for p in BOILERPLATE))
            or any(p in norm for p in COPYRIGHT)
            or _STAMP.match(norm)
        ):
            lexicon.append(line)
        if ref.body and tokens and sum(t in ref_tokens for t in tokens) < 0.5 * len(tokens):
            off_reference.append(line)
    must_not = [s for s in ref.without if normalize(s) in norm_text]
    return lexicon, must_not, off_reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--data", default="/work/shared/data", type=Path)
    parser.add_argument("--repeat", default=3, type=int)
    parser.add_argument("--show", action="store_true", help="print the leaking lines")
    args = parser.parse_args(argv)
    pages_dir = args.data / "pages"
    if not (pages_dir / "index.json").is_file():
        print(f"bench/extract: no page data at {pages_dir} (pass --data DIR)", file=sys.stderr)
        return 2
    index = json.loads((pages_dir / "index.json").read_text("utf-8"))
    refs = load_references(args.data)
    pages = [(Path(e["page"]).name, (args.data / e["page"]).read_bytes(), e["url"]) for e in index]

    configs: dict[str, Callable[[bytes, str | None], Output]] = {
        "raw": run_raw,
        "ours": run_ours,
        "ours+prec": lambda p, u: run_ours(p, u, precision=True),
    }
    first_pass = []
    for name, page, url in pages:  # warm-up: htmldate/dateparser build their tables once
        t0 = time.perf_counter()
        run_ours(page, url)
        first_pass.append(((time.perf_counter() - t0) * 1000, name))
    slowest = max(first_pass)
    print(
        f"first pass (not in the figures below): {sum(ms for ms, _ in first_pass):.0f} ms for "
        f"{len(pages)} pages, slowest {slowest[1]} {slowest[0]:.0f} ms"
        " (one-time date-parser set-up)"
    )

    for label, fn in configs.items():
        print(f"\n== {label}")
        head = f"{'page':44} {'ms':>6} {'P':>5} {'R':>5} {'F1':>5} {'date':>5}"
        print(f"{head} leaks(lex/must-not/off-ref)")
        f1s, ps, rs, times = [], [], [], []
        date_ok = date_n = 0
        totals = [0, 0, 0]
        with_found = with_total = 0
        for name, page, url in pages:
            ref = refs.get(name, Reference())
            runs = []
            out = Output(text="")
            for _ in range(max(1, args.repeat)):
                t = time.perf_counter()
                out = fn(page, url)
                runs.append((time.perf_counter() - t) * 1000)
            ms = statistics.median(runs)
            times.append(ms)
            p = r = f = None
            if ref.body:
                s = rouge_n(tokenize(out.text), tokenize(ref.body), 1)
                p, r, f = s.precision, s.recall, s.f1
                ps.append(p)
                rs.append(r)
                f1s.append(f)
            d = ""
            if ref.day:
                date_n += 1
                ok = out.day == ref.day
                date_ok += ok
                d = "ok" if ok else "MISS"
            if ref.with_:
                norm = normalize(out.text)
                with_found += sum(normalize(s) in norm for s in ref.with_)
                with_total += len(ref.with_)
            lex, must_not, off = leaks(out, ref)
            for i, v in enumerate((lex, must_not, off)):
                totals[i] += len(v)
            cells = " ".join(f"{v:5.3f}" if v is not None else "    -" for v in (p, r, f))
            print(f"{name[:44]:44} {ms:6.0f} {cells} {d:>5} {len(lex)}/{len(must_not)}/{len(off)}")
            if args.show:
                for kind, lines in (("lexicon", lex), ("must-not", must_not), ("off-ref", off)):
                    for line in lines:
                        print(f"      {kind}: {line[:110]}")
        print(
            f"-- {label}: mean P {statistics.mean(ps):.3f} R {statistics.mean(rs):.3f} "
            f"F1 {statistics.mean(f1s):.3f} over {len(f1s)} reference pages; "
            f"dates {date_ok}/{date_n}; with-snippets {with_found}/{with_total}; "
            f"leaks lexicon {totals[0]}, must-not {totals[1]}, off-reference {totals[2]}; "
            f"ms/page median {statistics.median(times):.0f}, mean {statistics.mean(times):.0f}, "
            f"max {max(times):.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
