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
                *, base: str = "https://news.example.com", new: int | None = None) -> bytes:
    """Feed ``n`` at ``version``: ``items`` items, all new at each version; with ``new``,
    a sliding window instead (as a real feed changes): version ``v`` serves items
    ``v * new`` to ``v * new + items - 1``, so ``new`` of them are new at each version and
    the rest are the same items as before (same GUID, link, date and text)."""
    vocab = [w for title, _ in corpus[:200] for w in title.split() if len(w) > 3]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
        f"<title>مصدر {n}</title><link>{base}/{n}/</link><language>ar</language>",
    ]
    if new is None:
        rng = random.Random(f"{n}/{version}")
        for i in range(items):
            when = datetime.fromtimestamp(
                1_700_000_000 + n * 1000 + i * 60 + version * 86400, UTC)
            parts.append(_item(rng, corpus, vocab, f"{n}.{i}.{version}",
                               f"{base}/{n}/{version}/article-{i}.html",
                               f"feed-{n}-v{version}-item-{i}", when))
    else:
        first = version * new
        for j in reversed(range(first, first + items)):  # newest first, as feeds are
            when = datetime.fromtimestamp(1_700_000_000 + n * 1000 + j * 60, UTC)
            parts.append(_item(random.Random(f"{n}/w{j}"), corpus, vocab, f"{n}.w{j}",
                               f"{base}/{n}/w/article-{j}.html", f"feed-{n}-w-item-{j}",
                               when))
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def _item(rng: random.Random, corpus: list[tuple[str, list[str]]], vocab: list[str],
          tag: str, link: str, guid: str, when: datetime) -> str:
    title, sentences = corpus[rng.randrange(len(corpus))]
    words = title.split()
    for k in range(len(words)):  # a headline of its own: a different story each time
        if k % 2 or rng.random() < 0.5:
            words[k] = rng.choice(vocab)
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
    return (f"<item><title>{escape(' '.join(words))} ({tag})</title>"
            f"<link>{link}</link>"
            f'<guid isPermaLink="false">{guid}</guid>'
            f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
            f"<category>عام</category><description>{escape(body)}</description></item>")
