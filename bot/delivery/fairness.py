"""Which pending rows to claim next: oldest first, one per chat, ready chats only (pure).

The worker scans pending rows in id order from a cursor that wraps around (so every
chat gets a turn per pass, whatever sits at the head of the queue) and hands the rows to
:func:`pick`, which skips chats that already have a row in flight, takes at most one row
per chat, and defers chats whose own limit (SendLimiter.chat_ready_in: ~1/s private,
20/min groups, a 429's retry_after) would make a send wait, so one slow or rate-limited
chat never holds a send slot that another chat could use.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class Pick:
    ids: list[int] = field(default_factory=list)  # rows to claim, oldest first
    chats: list[int] = field(default_factory=list)  # their chats
    deferred: dict[int, float] = field(default_factory=dict)  # chat -> seconds until ready
    last_examined: int = 0  # row id where the scan stopped (the next cursor)
    exhausted: bool = True  # every scanned row was examined


def pick(rows: Sequence[tuple[int, int]], busy: Container[int],
         ready_in: Callable[[int], float], limit: int) -> Pick:
    """Choose up to ``limit`` rows from ``rows`` ((row id, chat id), oldest first)."""
    result = Pick()
    taken: set[int] = set()
    for row_id, chat_id in rows:
        if len(result.ids) >= limit:
            result.exhausted = False
            return result
        result.last_examined = row_id
        if chat_id in busy or chat_id in taken or chat_id in result.deferred:
            continue
        wait = ready_in(chat_id)
        if wait > 0:
            result.deferred[chat_id] = wait
            continue
        taken.add(chat_id)
        result.ids.append(row_id)
        result.chats.append(chat_id)
    return result


def next_cursor(cursor: int, scanned: int, window: int, chosen: Pick) -> tuple[int, bool]:
    """(new cursor, wrapped): continue after the last examined row, or start over from
    the oldest row when the scan reached the end of the pending rows."""
    if not chosen.exhausted:
        return chosen.last_examined, False
    if scanned < window:
        return 0, True
    return max(cursor, chosen.last_examined), False
