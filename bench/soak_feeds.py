"""The feeds of bench/soak.py: who does what, and the feed server process serving them.

    python bench/soak_feeds.py FEEDS PERIOD DATA     # prints its port, then reads commands

Feed ``n`` (0..FEEDS-1) has a role by ``n % 10``; its category is one of five by
``(n // 10) % 5``:

- 0, 1, 2  ``changing``: one new item every PERIOD seconds (after ``go``);
- 3        ``sometimes``: one new item every fourth PERIOD;
- 4, 5, 6  ``static``: never changes, ETag and Last-Modified: every poll is a 304;
- 7        ``no-etag``: never changes, no validators: the body digest says "unchanged";
- 8        ``failing``: 500, 404, a timeout, an HTML page or 410 Gone (by ``n // 10``);
- 9        ``flaky``: like ``changing``, but every other PERIOD a 502, a cut body or a
           dropped connection instead.

Items are bench/corpus_feed.py items (~1 KB of real article text, unique per item, URL
``…/N/VERSION/article-I.html``); a feed lists its newest :data:`WINDOW` items, so old
ones leave it (and retention may prune them). Version 0, served until ``go``, has five
items: the first poll stores them without pushing them.

Commands on stdin, one a line, each answered ``ok``: ``go`` (versions start to advance),
``freeze`` (they stop: the feeds stay as they are), ``quit``.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_feed import corpus_feed, load_corpus  # noqa: E402

from tests.fakes.feed_server import FeedServer, Route, http_date  # noqa: E402

ROLES = {0: "changing", 1: "changing", 2: "changing", 3: "sometimes", 4: "static",
         5: "static", 6: "static", 7: "no-etag", 8: "failing", 9: "flaky"}
CATEGORIES = ["سياسة", "اقتصاد", "رياضة", "ثقافة", "تقنية"]
FAILURES = ["500", "404", "timeout", "html", "410"]
FLAKES = ["502", "truncate", "disconnect"]
DEFAULT_FEEDS = (3, 4)  # /start subscribes every chat to these: a "sometimes" and a static
WINDOW = 8
FIRST_ITEMS = 5
TIMEOUT_DELAY = 30.0  # the "timeout" feed answers after this (the bot gives up first)
_ITEM = re.compile(r"<item>.*?</item>", re.S)


def role(n: int) -> str:
    return ROLES[n % 10]


def category(n: int) -> str:
    return CATEGORIES[(n // 10) % len(CATEGORIES)]


def failure(n: int) -> str:
    return FAILURES[(n // 10) % len(FAILURES)]


def path(n: int) -> str:
    return f"/feed/{n}.xml"


def grows(n: int) -> bool:
    """Does this feed get new items after ``go``?"""
    return role(n) in ("changing", "sometimes", "flaky")


def feed_version(n: int, tick: int) -> int:
    """The version feed ``n`` serves at the ``tick``-th PERIOD after ``go`` (0 before)."""
    if role(n) == "sometimes":
        return tick // 4
    if role(n) in ("changing", "flaky"):
        return tick
    return 0


class Feeds:
    """Builds the bodies (items cached by (feed, version)) and keeps the routes current."""

    def __init__(self, server: FeedServer, count: int, corpus: list) -> None:
        self.server, self.count, self.corpus = server, count, corpus
        self.items: dict[tuple[int, int], list[str]] = {}
        self.tick = 0

    def _items(self, n: int, version: int) -> list[str]:
        key = (n, version)
        if key not in self.items:
            body = corpus_feed(n, FIRST_ITEMS if version == 0 else 1, version, self.corpus)
            self.items[key] = _ITEM.findall(body.decode("utf-8"))
        return self.items[key]

    def body(self, n: int, version: int) -> bytes:
        head = corpus_feed(n, 0, 0, self.corpus).decode("utf-8").removesuffix("</channel></rss>")
        items: list[str] = []
        for v in range(version, -1, -1):
            items += self._items(n, v)
            if len(items) >= WINDOW:
                break
        return (head + "".join(items[:WINDOW]) + "</channel></rss>").encode("utf-8")

    def route(self, n: int) -> Route:
        kind = role(n)
        if kind == "failing":
            what = failure(n)
            if what == "timeout":
                return Route(body=self.body(n, 0), delay=TIMEOUT_DELAY)
            if what == "html":
                return Route(body=b"<!doctype html><html><body><p>" + b"x" * 2000
                             + b"</p></body></html>", content_type="text/html; charset=utf-8")
            return Route(body=b"error", status=int(what), content_type="text/plain")
        if kind == "flaky" and self.tick % 2 == 1:
            flake = FLAKES[(n // 10 + self.tick // 2) % len(FLAKES)]
            if flake == "502":
                return Route(body=b"bad gateway", status=502, content_type="text/plain")
            return Route(body=self.body(n, self.tick), fault=flake)  # type: ignore[arg-type]
        version = feed_version(n, self.tick)
        if kind == "no-etag":
            return Route(body=self.body(n, version))
        return Route(body=self.body(n, version), etag=f'"{n}-{version}"',
                     last_modified=http_date(1_700_000_000 + version * 60))

    def refresh(self) -> None:
        for n in range(self.count):
            self.server.routes[path(n)] = self.route(n)
        self.server.reset_log()  # its request log would grow for the whole run
        oldest = self.tick - 2 * WINDOW
        for key in [k for k in self.items if 0 < k[1] < oldest]:
            del self.items[key]


async def serve(count: int, period: float, data: Path) -> None:
    corpus = load_corpus(data)
    async with FeedServer("127.0.0.1") as server:
        feeds = Feeds(server, count, corpus)
        feeds.refresh()
        print(server.port, flush=True)
        loop = asyncio.get_running_loop()
        ticking: asyncio.Task | None = None

        async def tick() -> None:
            started = time.monotonic()
            while True:
                feeds.tick += 1
                feeds.refresh()
                await asyncio.sleep(max(0.0, started + feeds.tick * period - time.monotonic()))

        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if line == "go" and ticking is None:
                ticking = asyncio.create_task(tick())
            elif line == "freeze" and ticking is not None:
                ticking.cancel()
                if feeds.tick % 2 == 1:  # leave the flaky feeds answering
                    feeds.tick += 1
                    feeds.refresh()
            elif line in ("quit", ""):
                return
            print(f"ok {feeds.tick}", flush=True)


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3])))
