"""What a feed lists now: the keys of the items in its latest parsed version.

Retention (:mod:`bot.storage._maintenance`) must not delete an article its feed still
lists: the next changed version of the feed would find the item unknown and store it
again, as news (an undated item takes the fetch time as its date, so it is even pushed).
Feeds that change rarely (a ministry's releases, a weekly column) keep items for many
months, longer than ``retention.articles_days``.

So every poll that parses a feed records its listing in ``feeds.listed``: one 8-byte
BLAKE2b digest per article URL and per GUID, sorted, as one BLOB (at most 16 KB for the
1,000 entries a poll reads; written in the UPDATE of the feed row that records the poll
anyway). A 304 or an unchanged body keeps the previous listing, which is still true.
Retention keeps an old article while the listing of its feed holds its URL or its GUID,
unless the feed is disabled (it will not be polled again).

Digests, not the strings: 8 bytes give a collision chance of about n² / 2⁶⁵ among a
feed's own ~100 keys (and a collision only keeps an article longer).
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import blake2b

__all__ = ["DIGEST_SIZE", "is_listed", "listed_keys", "listing"]

DIGEST_SIZE = 8


def _digest(kind: bytes, key: str) -> bytes:
    return blake2b(kind + key.encode("utf-8", "surrogatepass"),
                   digest_size=DIGEST_SIZE).digest()


def listing(urls: Iterable[str], guids: Iterable[str]) -> bytes:
    """The ``feeds.listed`` value for a version of a feed listing these article URLs and
    GUIDs (a URL and a GUID that are the same string still get different digests)."""
    keys = {_digest(b"u", u) for u in urls} | {_digest(b"g", g) for g in guids if g}
    return b"".join(sorted(keys))


def listed_keys(blob: bytes | None) -> frozenset[bytes]:
    """The digests of a ``feeds.listed`` value (empty for NULL or a malformed value)."""
    if not blob or len(blob) % DIGEST_SIZE:
        return frozenset()
    return frozenset(blob[i : i + DIGEST_SIZE] for i in range(0, len(blob), DIGEST_SIZE))


def is_listed(keys: frozenset[bytes], url: str, guid: str | None) -> bool:
    """True when an article with this URL or GUID is among ``keys``."""
    if not keys:
        return False
    if _digest(b"u", url) in keys:
        return True
    return bool(guid) and _digest(b"g", guid or "") in keys
