"""HTTP fetching for feeds and article pages, with the SSRF guard."""

from bot.fetch.client import (
    DEFAULT_USER_AGENT,
    FEED_ACCEPT,
    HTML_ACCEPT,
    Fetcher,
    FetchResult,
    FetchStatusError,
)
from bot.fetch.guard import (
    AddressPolicy,
    Resolver,
    allow_all,
    blocked_reason,
    public_only,
    system_resolver,
)
from bot.fetch.headers import parse_max_age, parse_retry_after

__all__ = [
    "DEFAULT_USER_AGENT",
    "FEED_ACCEPT",
    "HTML_ACCEPT",
    "AddressPolicy",
    "FetchResult",
    "FetchStatusError",
    "Fetcher",
    "Resolver",
    "allow_all",
    "blocked_reason",
    "parse_max_age",
    "parse_retry_after",
    "public_only",
    "system_resolver",
]
