"""Deduplication: canonical URLs and near-duplicate story fingerprints."""

from bot.dedup.story import DEFAULT_THRESHOLD, distance, fingerprint, same_story
from bot.dedup.urls import TRACKING_PARAMS, canonical_feed_url, canonicalize

__all__ = [
    "DEFAULT_THRESHOLD",
    "TRACKING_PARAMS",
    "canonical_feed_url",
    "canonicalize",
    "distance",
    "fingerprint",
    "same_story",
]
