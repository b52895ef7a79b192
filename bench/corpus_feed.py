"""Feeds of unique, realistic Arabic items for bench/poll.py.

Every item is a real article of DATA/articles.jsonl (or EASC) cut to about 1 KB of whole
sentences, with a tag unique to (feed, item, version) in each paragraph and most headline
words swapped for other corpus words: no two items share a line, a sentence or a story,
so nothing is cached across items and every item founds its own story, as with 1,000
unrelated feeds. Deterministic for a given (feed number, items, version).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

TEXT_CHARS = 1000


def load_corpus(data: Path) -> list[tuple[str, list[str]]]:
    """(title, sentences) of every article in DATA/articles.jsonl."""
    out: list[tuple[str, list[str]]] = []
    path = data / "articles.jsonl"
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        sentences = [s.strip() + "." for s in row["text"].replace("\n", " ").split(".")
                     if len(s.strip()) > 20]
        if sentences:
            out.append((row["title"], sentences))
    return out


def corpus_feed(n: int, items: int, version: int, corpus: list[tuple[str, list[str]]],
                *, base: str = "https://news.example.com") -> bytes:
    rng = random.Random(f"{n}/{version}")
    vocab = [w for title, _ in corpus[:200] for w in title.split() if len(w) > 3]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
        f"<title>مصدر {n}</title><link>{base}/{n}/</link><language>ar</language>",
    ]
    for i in range(items):
        title, sentences = corpus[rng.randrange(len(corpus))]
        words = title.split()
        for k in range(len(words)):  # a headline of its own: a different story each time
            if k % 2 or rng.random() < 0.5:
                words[k] = rng.choice(vocab)
        tag = f"{n}.{i}.{version}"
        text, paragraphs, para = 0, [], []
        start = rng.randrange(max(1, len(sentences) - 3))
        for sentence in sentences[start:] + sentences[:start]:
            para.append(sentence)
            text += len(sentence) + 1
            if len(para) == 2:
                paragraphs.append(" ".join(para) + f" ({tag})")
                para = []
            if text >= TEXT_CHARS:
                break
        if para:
            paragraphs.append(" ".join(para) + f" ({tag})")
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        when = datetime.fromtimestamp(1_700_000_000 + n * 1000 + i * 60 + version * 86400, UTC)
        parts.append(
            f"<item><title>{escape(' '.join(words))} ({tag})</title>"
            f"<link>{base}/{n}/{version}/article-{i}.html</link>"
            f'<guid isPermaLink="false">feed-{n}-v{version}-item-{i}</guid>'
            f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
            f"<category>عام</category><description>{escape(body)}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")
