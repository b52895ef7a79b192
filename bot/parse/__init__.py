"""Feed parsing: bytes in, plain-text entries with canonical URLs out. No I/O."""

from bot.parse.digest import body_digest
from bot.parse.discover import FEED_TYPES, FeedLink, find_feed_links, looks_like_html
from bot.parse.feed import FUTURE_SKEW, ParsedFeed, parse_feed
from bot.parse.text import TEXT_MAX, TITLE_MAX, cut_words, strip_html, to_title

__all__ = [
    "FEED_TYPES",
    "FUTURE_SKEW",
    "TEXT_MAX",
    "TITLE_MAX",
    "FeedLink",
    "ParsedFeed",
    "body_digest",
    "cut_words",
    "find_feed_links",
    "looks_like_html",
    "parse_feed",
    "strip_html",
    "to_title",
]
