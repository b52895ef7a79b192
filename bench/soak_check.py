"""bench/soak.py's bookkeeping: time passing faster for retention, and the final check of
what the fake Bot API received against what the database says was sent.

**Aging.** Retention keeps at least a day (``retention.*_days`` >= 1), and a soak lasts
minutes, so every ``--age-every`` seconds :meth:`Ledger.age` moves what is older than a
couple of minutes two days back in one transaction: articles no live outbox row needs
(``fetched_at``), outbox rows in a final state (``created_at``, ``sent_at``) and finished
broadcasts. Retention then prunes them as it would after two days. Before they can go,
the same transaction (~0.1 s with 7,000 rows) copies every final outbox row, with its
article's URL and its broadcast's text, and every article into the ledger, so the check
still sees everything that was ever sent. Rows are known by what they carry, not by their
ids alone: SQLite gives the id of the newest row of a table to the next one once it is
deleted (a broadcast pruned while no later one existed gave its id to the next one).

**The check** (:func:`check`), after the service has stopped:

- *lost*: an outbox row marked sent whose message is not in the fake's record of that
  chat, or does not hold the article (its URL) or broadcast (its number); a row still
  pending or sending for an active chat after the drain; a failed row;
- *duplicate*: one article in two pushed messages (news or digest) of one chat, one
  broadcast twice in a chat;
- *stray*: a pushed message no outbox row points at (sent, but not recorded);
- *missing*: a chat subscribed (to the feed, or its category) before the feeds started
  changing, and never blocked, has no row for an article of that feed stored after it
  (nor for the article's story).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

DAY = 86400.0
FINAL = "('sent','failed','dropped','cancelled')"
LIVE = "('pending','sending')"
ARTICLE_URL = re.compile(r"news\.example\.com/(\d+)/(\d+)/article-(\d+)\.html")
BROADCAST_MARK = re.compile(r"بث تجريبي رقم (\d+)")


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


#: outbox rows with what they carry: ids are not kept for ever (SQLite reuses the id of
#: the newest row once retention deletes it: a broadcast pruned while no later one exists
#: gives its id to the next one), so a row is known by its content
ROWS = ("SELECT o.id, o.chat_id, o.article_id, o.broadcast_id, o.story_id, o.status,"
        " o.message_id, o.error, a.url AS article_url, b.text AS broadcast_text FROM outbox o"
        " LEFT JOIN articles a ON a.id = o.article_id"
        " LEFT JOIN broadcasts b ON b.id = o.broadcast_id")


def row_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["id"], row["chat_id"], row["article_url"], row["broadcast_text"]


class Ledger:
    """Every final outbox row (by content) and every article (by URL) seen."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.articles: dict[str, dict[str, Any]] = {}
        self.aged = Counter[str]()

    def _copy(self, conn: sqlite3.Connection, where: str = f" WHERE o.status IN {FINAL}") -> None:
        for r in conn.execute(ROWS + where):
            self.rows[row_key(r)] = dict(r)
        for r in conn.execute("SELECT id, feed_id, url, story_id, fetched_at FROM articles"):
            self.articles.setdefault(r["url"], dict(r))  # its fetched_at before any aging

    def age(self, older_than: float, shift: float = 2 * DAY) -> dict[str, int]:
        """Copy, then move what is older than ``older_than`` seconds ``shift`` back."""
        now = time.time()
        lo, hi = now - DAY, now - older_than
        conn = connect(self.db)
        try:
            conn.execute("BEGIN IMMEDIATE")
            self._copy(conn)
            done = {
                "articles": conn.execute(
                    "UPDATE articles SET fetched_at = fetched_at - ? WHERE fetched_at"
                    " BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE"
                    f" o.article_id = articles.id AND o.status IN {LIVE})",
                    (shift, lo, hi)).rowcount,
                "outbox": conn.execute(
                    "UPDATE outbox SET created_at = created_at - ?, sent_at = sent_at - ?"
                    f" WHERE status IN {FINAL} AND COALESCE(sent_at, created_at) BETWEEN ? AND ?",
                    (shift, shift, lo, hi)).rowcount,
                "broadcasts": conn.execute(
                    "UPDATE broadcasts SET created_at = created_at - ?, finished_at ="
                    " finished_at - ? WHERE status IN ('done','cancelled') AND finished_at"
                    " BETWEEN ? AND ?", (shift, shift, lo, hi)).rowcount,
            }
            conn.execute("COMMIT")
        finally:
            conn.close()
        self.aged.update(done)
        return done

    def final(self) -> dict[str, Any]:
        """Everything, the ledger's copies completed and overridden by what the database
        still holds (read after the service stopped)."""
        conn = connect(self.db)
        try:
            self._copy(conn, where="")
            return {
                "rows": self.rows,
                "articles": self.articles,
                "chats": {r["id"]: dict(r) for r in conn.execute(
                    "SELECT id, type, active, deactivated_reason, digest FROM chats")},
                "subs": [dict(r) for r in conn.execute(
                    "SELECT chat_id, kind, feed_id, value, created_at FROM subscriptions")],
                "feeds": {r["id"]: dict(r) for r in conn.execute(
                    "SELECT id, url, category FROM feeds")},
            }
        finally:
            conn.close()


def article_key(url: str) -> str | None:
    m = ARTICLE_URL.search(url)
    return "/".join(m.groups()) if m else None


def message_kind(message: dict[str, Any]) -> str:
    plain = message.get("plain_text") or message.get("plain_caption") or ""
    buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
               for b in row]
    if any(str(b.get("url", "")).startswith("https://wa.me/") for b in buttons):
        return "news"
    if "📰" in plain.split("\n", 1)[0]:
        return "digest"
    if "أحدث الأخبار في اشتراكاتك" in plain:
        return "latest"
    if BROADCAST_MARK.search(plain):
        return "broadcast"
    return "other"


@dataclass
class Verdict:
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, what: str, example: str) -> None:
        self.counts[what] += 1
        if len(self.examples[what]) < 5:
            self.examples[what].append(example)


def check(state: dict[str, Any], messages: dict[int, list[dict[str, Any]]],
          blocked: set[int], go_time: float, feed_number: dict[int, int],
          admin: int | None = None) -> Verdict:
    """See the module docstring. ``messages``: the fake's sent messages by chat;
    ``blocked``: chats the bench blocked or kicked the bot from; ``feed_number``: feed
    id -> the feed server's number; ``admin``: the chat that also gets each broadcast's
    preview (not a second copy)."""
    v = Verdict()
    rows, chats = state["rows"], state["chats"]
    by_id = {(c, m["message_id"]): m for c, ms in messages.items() for m in ms}
    keys = {id(m): {"/".join(g) for g in ARTICLE_URL.findall(m.get("text") or
                                                             m.get("caption") or "")}
            for ms in messages.values() for m in ms}
    marks = {id(m): set(BROADCAST_MARK.findall(m.get("plain_text") or ""))
             for ms in messages.values() for m in ms}
    referenced: set[tuple[int, int]] = set()
    for row in rows.values():
        chat, status = row["chat_id"], row["status"]
        what = (f"article {row['article_id']}" if row["article_id"] is not None
                else f"broadcast {row['broadcast_id']}")
        where = f"row {row['id']} chat {chat} {what}"
        v.counts[f"rows {status}"] += 1
        if status in ("pending", "sending"):
            if chats.get(chat, {}).get("active") and chat not in blocked:
                v.add("lost: still to send after the drain", where)
            continue
        if status == "failed":
            v.add("lost: failed", f"{where}: {row['error']}")
            continue
        if status != "sent":
            continue
        referenced.add((chat, row["message_id"]))
        message = by_id.get((chat, row["message_id"]))
        if message is None:
            v.add("lost: sent, no such message", f"{where} message {row['message_id']}")
            continue
        if row["article_id"] is not None:
            key = article_key(row["article_url"] or "")
            if key is None or key not in keys[id(message)]:
                v.add("lost: message lacks the article", f"{where} {key}")
        else:
            want = set(BROADCAST_MARK.findall(row["broadcast_text"] or ""))
            if want and not want & marks[id(message)]:
                v.add("lost: message lacks the broadcast", where)
    for chat, ms in messages.items():
        seen: Counter[str] = Counter()
        seen_marks: Counter[str] = Counter()
        for m in ms:
            kind = message_kind(m)
            v.counts[f"messages {kind}"] += 1
            if kind in ("news", "digest"):
                seen.update(keys[id(m)])
                if (chat, m["message_id"]) not in referenced:
                    v.add("stray: pushed, no row points at it", f"chat {chat} message "
                          f"{m['message_id']} {kind} {sorted(keys[id(m)])[:3]}")
            if kind == "broadcast" and chat != admin:
                seen_marks.update(marks[id(m)])
        for key, n in seen.items():
            if n > 1:
                v.add("duplicate: article", f"chat {chat} {key} x{n}")
        for mark, n in seen_marks.items():
            if n > 1:
                v.add("duplicate: broadcast", f"chat {chat} broadcast {mark} x{n}")
    _expected(v, state, blocked, go_time, feed_number)
    return v


def _expected(v: Verdict, state: dict[str, Any], blocked: set[int], go_time: float,
              feed_number: dict[int, int]) -> None:
    """The *missing* check: feed and category subscriptions made before ``go_time``."""
    feeds = state["feeds"]
    wants: dict[int, set[int]] = defaultdict(set)  # chat -> feed ids
    for s in state["subs"]:
        if s["created_at"] >= go_time or s["chat_id"] in blocked:
            continue
        if s["kind"] == "feed":
            wants[s["chat_id"]].add(s["feed_id"])
        elif s["kind"] == "category":
            wants[s["chat_id"]].update(f for f, row in feeds.items()
                                       if row["category"] == s["value"])
    have = {(r["chat_id"], r["article_url"]) for r in state["rows"].values()
            if r["article_url"] is not None}
    stories = {(r["chat_id"], r["story_id"]) for r in state["rows"].values()
               if r["story_id"] is not None}
    by_feed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in state["articles"].values():
        if a["fetched_at"] > go_time and a["feed_id"] in feed_number:
            by_feed[a["feed_id"]].append(a)
    for chat, feed_ids in wants.items():
        for feed in feed_ids:
            for a in by_feed.get(feed, []):
                v.counts["expected (chat, article)"] += 1
                if (chat, a["url"]) not in have and (chat, a["story_id"]) not in stories:
                    v.add("missing: no row for a subscribed chat",
                          f"chat {chat} article {a['id']} {article_key(a['url'])}")
