"""Read-only figures for the admin chat commands (/feeds, /stats, /delfeed)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.storage._fts import index_is_stale
from bot.storage._ops import digest_waiting, oldest_to_send

if TYPE_CHECKING:
    from bot.storage._db import Database


@dataclass(frozen=True, slots=True)
class FeedFigures:
    """Per feed: articles fetched since the ``since`` given, and subscribed chats."""

    articles: int = 0
    subscribers: int = 0


@dataclass(frozen=True, slots=True)
class AdminStats:
    chats_active: int
    #: inactive because Telegram refused sends (blocked, kicked, deactivated, not found)
    chats_blocked: int
    #: inactive after /stop
    chats_stopped: int
    #: active chats by type (private, group, supergroup, channel)
    chats_by_type: dict[str, int]
    subscriptions: int
    articles_total: int
    articles_today: int
    sent_today: int
    failed_today: int
    #: rows still to send (pending or in flight), digest rows included
    outbox_pending: int
    #: creation time of the oldest row still to send that is not waiting for a digest
    oldest_pending_at: float | None
    last_poll_at: float | None
    feeds: int
    feeds_failing: int
    feeds_paused: int
    feeds_disabled: int
    broadcasts_sending: int
    #: the search index holds keys of an older version and is being rebuilt (after an
    #: upgrade): old articles may be missing from search results until it is done
    search_index_stale: bool = False
    #: of ``outbox_pending``, headlines waiting for their chat's digest (up to a day)
    digest_waiting: int = 0


def feed_figures(conn: sqlite3.Connection, since: float) -> dict[int, FeedFigures]:
    counts: dict[int, list[int]] = {}
    for feed_id, n in conn.execute(
            "SELECT feed_id, COUNT(*) FROM articles WHERE fetched_at >= ? AND feed_id IS NOT"
            " NULL GROUP BY feed_id", (since,)):
        counts.setdefault(feed_id, [0, 0])[0] = n
    for feed_id, n in conn.execute(
            "SELECT feed_id, COUNT(*) FROM subscriptions WHERE feed_id IS NOT NULL"
            " GROUP BY feed_id"):
        counts.setdefault(feed_id, [0, 0])[1] = n
    return {k: FeedFigures(*v) for k, v in counts.items()}


def subscribers(conn: sqlite3.Connection, feed_id: int) -> list[int]:
    """The chats subscribed to the feed."""
    return [r[0] for r in conn.execute("SELECT chat_id FROM subscriptions WHERE feed_id = ?",
                                       (feed_id,))]


def admin_stats(conn: sqlite3.Connection, today_start: float) -> AdminStats:
    def one(sql: str, *args: object) -> int:
        return int(conn.execute(sql, args).fetchone()[0] or 0)

    by_type = {t: n for t, n in conn.execute(
        "SELECT type, COUNT(*) FROM chats WHERE active = 1 GROUP BY type")}
    return AdminStats(
        chats_active=sum(by_type.values()),
        chats_blocked=one("SELECT COUNT(*) FROM chats WHERE active = 0"
                          " AND deactivated_reason IS NOT 'stopped'"),
        chats_stopped=one("SELECT COUNT(*) FROM chats WHERE active = 0"
                          " AND deactivated_reason = 'stopped'"),
        chats_by_type=by_type,
        subscriptions=one("SELECT COUNT(*) FROM subscriptions"),
        articles_total=one("SELECT COUNT(*) FROM articles"),
        articles_today=one("SELECT COUNT(*) FROM articles WHERE fetched_at >= ?", today_start),
        sent_today=one("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND sent_at >= ?",
                       today_start),
        failed_today=one("SELECT COUNT(*) FROM outbox WHERE status = 'failed'"
                         " AND created_at >= ?", today_start),
        outbox_pending=one("SELECT COUNT(*) FROM outbox WHERE status IN ('pending','sending')"),
        oldest_pending_at=oldest_to_send(conn),
        digest_waiting=digest_waiting(conn),
        last_poll_at=conn.execute("SELECT MAX(last_polled_at) FROM feeds").fetchone()[0],
        feeds=one("SELECT COUNT(*) FROM feeds"),
        feeds_failing=one("SELECT COUNT(*) FROM feeds WHERE consecutive_failures > 0"
                          " AND disabled_reason IS NULL AND paused = 0"),
        feeds_paused=one("SELECT COUNT(*) FROM feeds WHERE paused = 1"),
        feeds_disabled=one("SELECT COUNT(*) FROM feeds WHERE disabled_reason IS NOT NULL"
                           " AND paused = 0"),
        broadcasts_sending=one("SELECT COUNT(*) FROM broadcasts WHERE status = 'sending'"),
        search_index_stale=index_is_stale(conn),
    )


class AdminQueries:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def feed_figures(self, since: float) -> dict[int, FeedFigures]:
        return await self._db.read(lambda c: feed_figures(c, since))

    async def subscribers(self, feed_id: int) -> list[int]:
        return await self._db.read(lambda c: subscribers(c, feed_id))

    async def stats(self, today_start: float) -> AdminStats:
        return await self._db.read(lambda c: admin_stats(c, today_start))
