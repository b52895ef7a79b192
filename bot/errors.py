"""The one exception tree of newsbot.

Every error raised on purpose by the core derives from :class:`NewsbotError`, and its
message starts with where it came from (``config:``, ``storage:``, ``fetch:`` ...), so a
log line or a CLI error names its origin without a traceback.

    NewsbotError
    ├── ConfigError            a bad configuration file (carries every problem found)
    ├── StorageError           the database cannot be opened, migrated or written
    │   ├── StorageFull        the database cannot grow: its disk is full (SQLITE_FULL)
    │   └── SchemaVersionError the database is newer than this code
    ├── FeedError              a feed could not be fetched or parsed
    │   ├── FetchError         transport: DNS, refused, timeout, HTTP status, size cap
    │   │   └── BlockedAddressError  the SSRF guard refused the address
    │   └── ParseError         the body is not a usable feed
    ├── ExtractionError        an article page gave no usable text
    ├── SearchError
    │   └── InvalidSearchQuery a query that cannot be run (empty, stopwords only, too long)
    └── DeliveryError          a message could not be delivered
"""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class of every newsbot error."""


class ConfigError(NewsbotError):
    """A configuration file is unusable. ``problems`` lists each one with its key path."""

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        where = f" in {path}" if path else ""
        super().__init__(f"config: {len(self.problems)} problem(s){where}: " + "; ".join(problems))


class StorageError(NewsbotError):
    """The database cannot be opened, migrated or written."""


class StorageFull(StorageError):
    """The database cannot grow: the disk (or file system) holding it, or its ``-wal`` and
    ``-shm`` files, is full (SQLite's SQLITE_FULL, "database or disk is full"). Nothing of
    the failed transaction was kept; reads still work. Callers wait and try again: the
    condition ends when the operator frees space, not by itself."""


class SchemaVersionError(StorageError):
    """The database was written by a newer version of newsbot."""


class RebuildInProgress(StorageError):
    """Another process is rebuilding the search index; one rebuild runs at a time."""


class ReindexStopped(StorageError):
    """A search-index rebuild was asked to stop (the service is stopping): the old index
    stays, and the half-built one is dropped by the next rebuild."""


class FeedError(NewsbotError):
    """A feed could not be fetched or parsed."""


class FetchError(FeedError):
    """A transport failure. ``kind`` is a short machine label used in metrics and backoff:
    dns, connect, timeout, status, too_large, redirect, blocked, tls, protocol."""

    def __init__(self, message: str, kind: str = "other", status: int | None = None) -> None:
        self.kind = kind
        self.status = status
        super().__init__(message)


class BlockedAddressError(FetchError):
    """The SSRF guard refused to connect to a private, loopback or link-local address."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="blocked")


class ParseError(FeedError):
    """The body is not a usable feed (HTML, malformed beyond recovery, empty)."""


class ExtractionError(NewsbotError):
    """An article page gave no usable main text."""


class SearchError(NewsbotError):
    """A search failed."""


class InvalidSearchQuery(SearchError):
    """The query cannot be run. ``reason`` is a short label: empty, stopwords, too_long."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        self.reason = reason
        super().__init__(message)


class DeliveryError(NewsbotError):
    """A message could not be delivered."""
