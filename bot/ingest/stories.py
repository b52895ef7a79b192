"""Cross-source story grouping: the same wire story on several sites is one story.

Each story is represented by the fingerprint of the article that founded it
(:func:`bot.dedup.fingerprint`, a 64-bit SimHash). A new article joins the story whose
founder is nearest within ``threshold`` bits (:data:`bot.dedup.DEFAULT_THRESHOLD`, 10),
among stories founded in the last ``window`` seconds (48 h) and at most the ``limit``
(20,000) most recent ones; otherwise it founds a new story. Comparing with founders
only (not every member) keeps a story from drifting ("A ~ B ~ C" but A and C unrelated)
and keeps the index as small as the number of stories. The outbox's unique (chat, story)
index then gives one message per story.

Lookup is multi-index hashing: the 64 bits are cut into 6 blocks (11, 11, 11, 11, 10, 10
bits); two fingerprints at most 10 bits apart differ in at most 1 bit within at least one
block (pigeonhole: 6 x 2 > 10). Each block value has a slot holding the fingerprints
with that value, packed as 8-byte integers, so probing a block's value and its 1-bit
neighbours (72 slot reads in all) gathers every candidate without scanning the window.
The candidates' distances are then computed all at once, column by column: byte k of
every candidate (a strided slice of the packed bytes) is mapped by one ``translate`` to
the number of bits it differs in from the query's byte k, and the 8 columns, read as
integers, are summed (two dozen C calls on ~900-byte strings, not a Python loop over
~900 candidates at 20,000 stories). It replaced the popcount of the whole packed string
as one big integer XORed with the query and reduced by shift-and-mask steps: 41 -> 25 µs
for the ~900 candidates of a random lookup; whole lookups among ~17,700 stories of
bench/poll.py's corpus items, 107 -> 84 µs (medians of 6, alternated in one process;
same results). bench/dedup.py part 4 times it against the earlier lookup (4 blocks of
16 bits probed within 2 bits, 548 dictionary reads and a Python loop over the
candidates), same run. The limit keeps the index, and so each lookup, bounded on the
single writer thread. Wire copies appear within hours:
20,000 stories are four days of 100 feeds publishing 50 items a day, ten hours of 1,000
such.

The index lives in memory, is loaded from the database at start (articles of the last
48 h) and is only touched inside the storing transaction (on the database's writer
thread), under a lock.
"""

from __future__ import annotations

import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from itertools import combinations

from bot.dedup import DEFAULT_THRESHOLD

__all__ = ["LIMIT", "WINDOW", "StoryIndex"]

WINDOW = 48 * 3600.0
LIMIT = 20_000
_WIDTHS = (11, 11, 11, 11, 10, 10)
_U64 = (1 << 64) - 1
_FP = struct.Struct("<Q")

#: _DIFFERING[q][b]: how many bits the bytes q and b differ in (a translate table per q)
_DIFFERING = [bytes((q ^ b).bit_count() for b in range(256)) for q in range(256)]


def _distances(packed: bytes, u: int) -> bytes:
    """Hamming distances between ``u`` and each 8-byte fingerprint in ``packed``, one byte
    each, in order: per byte position, the candidates' bytes translated to their count of
    differing bits, summed as integers (at most 8 per position, 64 in all: no carry)."""
    total = sum([int.from_bytes(packed[k::8].translate(_DIFFERING[q]), "little")
                 for k, q in enumerate(_FP.pack(u))])
    return total.to_bytes(len(packed) // 8, "little")


def _blocks(threshold: int) -> list[tuple[int, int, list[int]]]:
    """(shift, mask, probe masks) per block: the masks flip at most ``radius`` bits of
    the block, where ``len(_WIDTHS) * (radius + 1) > threshold`` (the pigeonhole)."""
    radius = threshold // len(_WIDTHS)
    out: list[tuple[int, int, list[int]]] = []
    shift = 0
    for width in _WIDTHS:
        masks = [0]
        for r in range(1, radius + 1):
            for positions in combinations(range(width), r):
                masks.append(sum(1 << p for p in positions))
        out.append((shift, (1 << width) - 1, masks))
        shift += width
    return out


class StoryIndex:
    """Founding fingerprints of recent stories, searchable by Hamming distance."""

    def __init__(self, window: float = WINDOW, threshold: int = DEFAULT_THRESHOLD,
                 limit: int = LIMIT) -> None:
        self.window = window
        self.threshold = threshold
        self.limit = limit
        self._blocks = _blocks(threshold)
        self._far = bytes(range(threshold + 1, 256))
        # per block: block value -> the indexed fingerprints with it, packed (_FP)
        self._tables: list[list[bytearray]] = [
            [bytearray() for _ in range(mask + 1)] for _, mask, _ in self._blocks]
        # fingerprint -> its stories (two founders may share one after a removal)
        self._stories: dict[int, list[int]] = {}
        # story id -> (fp, founded at), oldest first
        self._founders: OrderedDict[int, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._founders)

    def find(self, fp: int) -> int | None:
        """The story of the nearest founder within the threshold (ties: the oldest story),
        or None. A zero fingerprint (no content words) never matches."""
        if fp == 0:
            return None
        u = fp & _U64
        with self._lock:
            slots: list[bytearray] = []
            for (shift, mask, probe), table in zip(self._blocks, self._tables, strict=True):
                value = (u >> shift) & mask
                slots += [table[value ^ m] for m in probe]
            packed = b"".join(slots)
            if not packed:
                return None
            distances = _distances(packed, u)
            near = distances.translate(None, self._far)  # the distances within threshold
            if not near:
                return None
            best_d = min(near)
            found = [_FP.unpack_from(packed, 8 * i)[0]
                     for i, d in enumerate(distances) if d == best_d]
            return min(story for f in found for story in self._stories[f])

    def add(self, story: int, fp: int, at: float | None = None) -> bool:
        """Index ``story`` founded with ``fp``; False (nothing done) for a zero
        fingerprint or a story already indexed."""
        if fp == 0:
            return False
        u = fp & _U64
        with self._lock:
            if story in self._founders:
                return False
            self._founders[story] = (u, time.time() if at is None else at)
            self._stories.setdefault(u, []).append(story)
            packed = _FP.pack(u)
            for (shift, mask, _), table in zip(self._blocks, self._tables, strict=True):
                table[(u >> shift) & mask] += packed
            while len(self._founders) > self.limit:
                self._remove(next(iter(self._founders)))
        return True

    def remove(self, story: int) -> None:
        with self._lock:
            self._remove(story)

    def _remove(self, story: int) -> None:
        entry = self._founders.pop(story, None)
        if entry is None:
            return
        u = entry[0]
        stories = self._stories[u]
        stories.remove(story)
        if not stories:
            del self._stories[u]
        packed = _FP.pack(u)
        for (shift, mask, _), table in zip(self._blocks, self._tables, strict=True):
            slot = table[(u >> shift) & mask]
            at = slot.find(packed)
            while at > 0 and at % 8:  # only an aligned match is this fingerprint
                at = slot.find(packed, at + 1)
            if at >= 0:
                del slot[at:at + 8]

    def prune(self, now: float | None = None) -> int:
        """Forget stories founded more than ``window`` seconds before ``now``."""
        limit = (time.time() if now is None else now) - self.window
        with self._lock:
            old = [s for s, (_, at) in self._founders.items() if at < limit]
            for story in old:
                self._remove(story)
        return len(old)

    def load(self, rows: Iterable[tuple[int, int, float]]) -> int:
        """Index (story id, fingerprint, fetched at) rows, oldest first: the first row of
        each story is taken as its founder. Returns how many stories were added."""
        added = 0
        for story, fp, at in rows:
            if story is not None and fp is not None and self.add(story, fp, at):
                added += 1
        return added
