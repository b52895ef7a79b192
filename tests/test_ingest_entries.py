"""Entry identity: distinct items, duplicate GUID policy, synthetic URLs. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.entries import (
    SYNTHETIC_PREFIX,
    article_url,
    is_known,
    needs_page,
    newest_first,
    unique_entries,
)
from bot.models import Entry


def entry(url: str | None, guid: str | None = None, title: str = "عنوان",
          text: str = "", day: int = 1) -> Entry:
    return Entry(title=title, url=url, guid=guid, text=text,
                 published=datetime(2024, 1, day, tzinfo=UTC))


def test_duplicate_guid_with_different_links_keeps_both_by_url() -> None:
    items = [entry("https://a/1", "same"), entry("https://a/2", "same"),
             entry("https://a/3", "other")]
    out = unique_entries(items)
    assert [e.url for e in out] == ["https://a/1", "https://a/2", "https://a/3"]
    assert [e.guid for e in out] == [None, None, "other"]  # an unreliable guid is dropped


def test_same_url_under_two_guids_is_one_item_first_wins() -> None:
    # France 24 lists one article in two sections with two guids
    out = unique_entries([entry("https://f/x", "FR-1", title="أول"),
                          entry("https://f/x", "FR-2", title="ثان")])
    assert [(e.guid, e.title) for e in out] == [("FR-1", "أول")]


def test_exact_repeats_and_guid_repeats_without_links() -> None:
    out = unique_entries([entry("https://a/1", "g"), entry("https://a/1", "g"),
                          entry(None, "n"), entry(None, "n")])
    assert [(e.url, e.guid) for e in out] == [("https://a/1", "g"), (None, "n")]


def test_synthetic_url_for_linkless_items_is_stable_and_per_feed() -> None:
    e = entry(None, "newsbot:sha1:abc")
    url = article_url(e, 7)
    assert url.startswith(SYNTHETIC_PREFIX + "7/") and url == article_url(e, 7)
    assert article_url(e, 8) != url
    assert article_url(entry("https://a/1"), 7) == "https://a/1"


def test_is_known_by_url_or_guid() -> None:
    e = entry("https://a/1", "g1")
    assert is_known(e, "https://a/1", {"https://a/1"}, set())
    assert is_known(e, "https://a/1", set(), {"g1"})  # link edited, same guid: not new
    assert not is_known(e, "https://a/1", {"https://a/2"}, {"g2"})
    assert not is_known(entry("https://a/1"), "https://a/1", set(), {"g1"})


def test_needs_page_only_for_linked_teasers() -> None:
    assert needs_page(entry("https://a/1", text="قصير"), 500)
    assert not needs_page(entry("https://a/1", text="x" * 500), 500)
    assert not needs_page(entry(None, "g", text="قصير"), 500)


def test_newest_first() -> None:
    items = [entry("https://a/1", day=1), entry("https://a/3", day=3),
             entry("https://a/2", day=2)]
    assert [e.url for e in newest_first(items)] == ["https://a/3", "https://a/2", "https://a/1"]
