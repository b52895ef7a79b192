"""Ranking: relevance blended with recency, and the result types.

    relevance = -bm25(articles_fts; title 4, summary 2, text 1, source 0)      (> 0)
    score     = relevance * (1 + RECENCY_BOOST * 2 ** (-age_days / HALF_LIFE_DAYS))

With RECENCY_BOOST = 1 and HALF_LIFE_DAYS = 7, an article published now counts up to twice
its text relevance, one a week old 1.5 times, one a month old about 1.05 times: among
comparably relevant stories the fresh one wins, while an old story that matches much
better still comes first. Ties go to the newer article (higher id).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.models import Article

WEIGHTS = (4.0, 2.0, 1.0, 0.0)
"""bm25 column weights: title, summary, text, source (the source only filters)."""
RECENCY_BOOST = 1.0
HALF_LIFE_DAYS = 7.0


def blend(relevance: float, published_at: float, now: float) -> float:
    """The ranking score of a candidate with bm25 ``relevance`` (> 0)."""
    age_days = max(0.0, now - published_at) / 86400.0
    return relevance * (1.0 + RECENCY_BOOST * math.pow(2.0, -age_days / HALF_LIFE_DAYS))


@dataclass(frozen=True, slots=True)
class Hit:
    article: Article
    score: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results. ``total`` counts the ranked candidates; ``more`` says more
    articles matched than were ranked (see bot.storage._search)."""

    hits: tuple[Hit, ...]
    offset: int
    total: int
    more: bool = False

    @property
    def has_prev(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.hits) < self.total


__all__ = ["HALF_LIFE_DAYS", "RECENCY_BOOST", "WEIGHTS", "Hit", "SearchPage", "blend"]
