"""Storage: the public API over one SQLite file.

    storage = await Storage.open("newsbot.sqlite3")
    chat, is_new = await storage.chats.register(42, "private")
    await storage.close()

Each area has its own module and attribute (``chats``, ``feeds`` ...); the sync functions
in those modules take a ``sqlite3.Connection`` and are what the async methods run on the
single writer thread (see ``_db.py``). SQLite errors come out as :class:`StorageError`.
"""

from __future__ import annotations

from typing import Any

from bot.storage import _stats
from bot.storage._admin import AdminQueries, AdminStats, FeedFigures
from bot.storage._articles import Articles
from bot.storage._broadcasts import BroadcastRecord, Broadcasts
from bot.storage._chat_settings import ChatSettings, Forgotten
from bot.storage._chats import Chat, Chats
from bot.storage._db import Database
from bot.storage._digests import DigestChat, DigestItem, Digests
from bot.storage._feeds import Feed, Feeds
from bot.storage._latest import Latest
from bot.storage._lease import Lease
from bot.storage._maintenance import Maintenance
from bot.storage._meta import Meta
from bot.storage._ops import Ops
from bot.storage._outbox import Outbox, OutboxRow, PartsSent, RowUpdate
from bot.storage._polling import Polling
from bot.storage._search import Search
from bot.storage._subscriptions import Subscription, Subscriptions

__all__ = ["AdminStats", "BroadcastRecord", "Chat", "Database", "DigestChat", "DigestItem", "Feed",
           "FeedFigures", "Forgotten", "OutboxRow", "PartsSent", "RowUpdate", "Storage",
           "Subscription"]


class Storage:
    """The database, with one attribute per area."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.articles = Articles(db)
        self.chats = Chats(db)
        self.feeds = Feeds(db)
        self.meta = Meta(db)
        self.lease = Lease(db)
        self.maintenance = Maintenance(db)
        self.ops = Ops(db)
        self.polling = Polling(db)
        self.search = Search(db)
        self.subscriptions = Subscriptions(db)
        # delivery (bot/delivery, the chat commands of handlers/)
        self.outbox = Outbox(db)
        self.chat_settings = ChatSettings(db)
        self.digests = Digests(db)
        self.latest = Latest(db)
        # admin commands (handlers/admin*.py)
        self.broadcasts = Broadcasts(db)
        self.admin = AdminQueries(db)

    @classmethod
    async def open(cls, path: str) -> Storage:
        return cls(await Database.open(path))

    async def stats(self) -> dict[str, Any]:
        return await self.db.read(_stats.counts)

    async def backup(self, target: str) -> int:
        """Copy the database to the new file ``target``; its size in bytes."""
        return await self.db.backup(target)

    async def close(self) -> None:
        await self.db.close()
