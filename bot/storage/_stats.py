"""Counts for `newsbot stats` and the admin /stats command."""

from __future__ import annotations

import sqlite3
import time

from bot.storage._fts import terms_version
from bot.storage._ops import digest_waiting, oldest_to_send


def counts(conn: sqlite3.Connection) -> dict[str, int | float | None]:
    day_ago = time.time() - 86400

    def one(sql: str, *args: object) -> int:
        return int(conn.execute(sql, args).fetchone()[0] or 0)

    return {
        "feeds": one("SELECT COUNT(*) FROM feeds"),
        "feeds_failing": one("SELECT COUNT(*) FROM feeds WHERE consecutive_failures > 0"),
        "feeds_disabled": one(
            "SELECT COUNT(*) FROM feeds WHERE paused = 1 OR disabled_reason IS NOT NULL"),
        "chats_active": one("SELECT COUNT(*) FROM chats WHERE active = 1"),
        "chats_inactive": one("SELECT COUNT(*) FROM chats WHERE active = 0"),
        "subscriptions": one("SELECT COUNT(*) FROM subscriptions"),
        "articles": one("SELECT COUNT(*) FROM articles"),
        "articles_24h": one("SELECT COUNT(*) FROM articles WHERE fetched_at >= ?", day_ago),
        "outbox_pending": one(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending','sending')"),
        "sent_24h": one(
            "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND sent_at >= ?", day_ago),
        "failed_24h": one(
            "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND created_at >= ?", day_ago),
        # of outbox_pending: headlines waiting for their chat's digest (up to a day)
        "digest_waiting": digest_waiting(conn),
        # the oldest row still to send that is not waiting for a digest
        "oldest_pending_at": oldest_to_send(conn),
        "last_poll_at": conn.execute("SELECT MAX(last_polled_at) FROM feeds").fetchone()[0],
        "search_terms_version": terms_version(conn),
    }
