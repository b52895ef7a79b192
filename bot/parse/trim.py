"""Cut the middle out of a document with too many entries, before feedparser reads it.

feedparser builds every entry of a document, ~1 ms each when its loose parser has to take
a broken one: a 5 MB archive of 30,000 items with a cut-off tail costs ~25 s of CPU at
every change of its body, though only the newest ``keep`` entries are ever used
(:data:`bot.ingest.entries.MAX_ENTRIES`). Feeds list their items newest first (some
oldest first), so :func:`trim` keeps the first ``keep`` and the last ``keep`` entries and
removes the ones between: whichever the order, the newest are among those kept.

Works on the raw bytes. Entries are found by their start tags (``<item``, ``<entry``, any
namespace prefix, any case; not ``<items>``); the cut runs from the start tag of the first
removed entry to the start tag of the first entry kept after it, so whole entries go and
the document keeps its shape. A start tag inside CDATA or a comment counts as an entry:
at worst one entry next to a cut is mangled, in a document that has thousands. Encodings
that do not write ``<`` as one ASCII byte (UTF-16, UTF-32) are never cut. Pure.
"""

from __future__ import annotations

import re

__all__ = ["trim"]

_ENTRY_START = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s/>]", re.IGNORECASE)


def trim(body: bytes, keep: int) -> tuple[bytes, int]:
    """``body`` without its entries past the first ``keep`` and before the last ``keep``,
    and how many entries were removed (``body`` itself and 0 when there are at most
    ``2 * keep``)."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    starts = [m.start() for m in _ENTRY_START.finditer(body)]
    removed = len(starts) - 2 * keep
    if removed <= 0:
        return body, 0
    return body[: starts[keep]] + body[starts[len(starts) - keep]:], removed
