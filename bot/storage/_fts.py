"""The full-text index row of an article: what goes into ``articles_fts``.

The index holds normalized text (NOTES.md: FTS5's unicode61 does not fold Arabic), and is
written in the same transaction as the article. The search module owns how documents
and queries are turned into index terms; this is the one place that writes the index.
"""

from __future__ import annotations

import sqlite3

from bot.arabic import normalize


def index_fields(title: str, summary: str, text: str) -> tuple[str, str, str]:
    """The (title, summary, text) columns as stored in the index."""
    return normalize(title), normalize(summary), normalize(text)


def index_article(conn: sqlite3.Connection, article_id: int, title: str, summary: str,
                  text: str) -> None:
    conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (article_id,))
    conn.execute("INSERT INTO articles_fts (rowid, title, summary, text) VALUES (?, ?, ?, ?)",
                 (article_id, *index_fields(title, summary, text)))


def unindex_article(conn: sqlite3.Connection, article_id: int) -> None:
    conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (article_id,))
