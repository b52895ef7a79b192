"""Golden build results: what the pipeline makes of the fixture feeds and articles.

Every item of the fixture feeds (parsed, then built as the poller builds it), every
fixture article (as an entry carrying its whole text), and the EASC fixture texts through
the summarizer. Stored per article: the author, category, date and story fingerprint, the
start of the summary, and digests of the headline, URL, summary, image, stored text,
full-text row and keyword words. The golden file was written by the code before the speed
work on parsing, cleaning, summarizing and fingerprinting (commit 0c8c840): any change to
what is stored shows up here as a difference.

Regenerate (after a deliberate change in behaviour): ``NEWSBOT_WRITE_GOLDEN=1 pytest
tests/test_ingest_golden.py``, and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.ingest.build import build_articles
from bot.models import Entry
from bot.parse import parse_feed
from bot.summarize import summarize

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = FIXTURES / "ingest" / "build_golden.json"
NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _digest(value: object) -> str:
    return hashlib.sha1(json.dumps(value, ensure_ascii=False).encode()).hexdigest()[:16]


def _built(jobs: list[Entry], feed_id: int, source: str) -> list[dict[str, object]]:
    out = []
    for b in build_articles([(e, None) for e in jobs], feed_id, source, NOW):
        a = b.article
        out.append({
            "title": _digest(a.title), "url": _digest(a.url), "summary": _digest(a.summary),
            "summary_start": a.summary[:40], "author": a.author, "image": _digest(a.image_url),
            "category": a.category, "published": a.published.isoformat(),
            "fingerprint": b.fingerprint, "text": _digest(a.text), "index": _digest(b.index),
            "tokens": _digest(b.tokens.split() if isinstance(b.tokens, str) else b.tokens),
        })
    return out


def snapshot() -> dict[str, object]:
    out: dict[str, object] = {}
    feeds = sorted((FIXTURES / "feeds").glob("*.xml")) + sorted((FIXTURES / "ingest").glob("*.xml"))
    for n, path in enumerate(feeds, 1):
        parsed = parse_feed(path.read_bytes(), url=f"https://{path.stem}.example/feed",
                            fetched_at=NOW)
        out[f"feed:{path.parent.name}/{path.name}"] = _built(parsed.entries, n, path.stem)
    rows = [json.loads(line) for line in
            (FIXTURES / "ingest" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    entries = [Entry(title=r["title"], url=r["url"], guid=None, text=r["text"], published=NOW)
               for r in rows]
    out["articles"] = _built(entries, 99, "articles")
    for path in sorted((FIXTURES / "text" / "easc").rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out[f"easc:{path.name}"] = [summarize(text), summarize(text, text.split("\n")[0][:80])]
    return out


def test_build_results_equal_the_golden_file() -> None:
    got = json.loads(json.dumps(snapshot(), ensure_ascii=False))
    if os.environ.get("NEWSBOT_WRITE_GOLDEN"):
        GOLDEN.write_text("{\n" + ",\n".join(
            f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
            for k, v in got.items()) + "\n}\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key] == want[key], key
    assert sum(len(v) for k, v in want.items() if k.startswith("feed:")) > 200
