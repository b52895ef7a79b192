"""A document with too many entries: trim() cuts its middle out before feedparser reads it,
and parse_in_worker() returns the newest max_entries (bot/parse/trim.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import feedparser
import pytest

from bot.ingest.work import parse_in_worker
from bot.parse import parse_feed
from bot.parse.trim import trim

NOW = datetime(2018, 3, 1, 12, 0, tzinfo=UTC)
URL = "https://feeds.example.com/archive.xml"


def rss_item(n: int) -> str:
    """Item ``n``, published ``n`` hours after the first."""
    date = format_datetime(datetime(2018, 2, 1, tzinfo=UTC) + timedelta(hours=n), usegmt=True)
    return (f"<item><title>خبر رقم {n} في الأرشيف</title><link>https://a.example/{n}</link>"
            f"<guid>g{n}</guid><pubDate>{date}</pubDate>"
            f"<description>نص الخبر رقم {n} من أرشيف الموقع.</description></item>")


def rss(numbers: list[int]) -> bytes:
    items = "\n".join(rss_item(n) for n in numbers)
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>أرشيف</title><link>https://a.example/</link>\n{items}\n</channel></rss>"
            ).encode()


def broken(body: bytes) -> bytes:
    """A body whose tail was cut off: not well-formed, so feedparser reads it."""
    return body[: body.rindex(b"</channel>") - 1]


def titles(body: bytes) -> list[str]:
    return [e.title for e in feedparser.parse(body).entries]


# --- trim() ----------------------------------------------------------------------------


def test_keeps_the_first_and_last_entries_and_the_documents_shape() -> None:
    body = rss(list(range(10)))
    trimmed, removed = trim(body, 3)
    assert removed == 4
    assert titles(trimmed) == [f"خبر رقم {n} في الأرشيف" for n in (0, 1, 2, 7, 8, 9)]
    assert trimmed.endswith(b"</channel></rss>")
    assert feedparser.parse(trimmed).bozo == 0  # still well-formed
    assert trimmed.startswith(body[: body.index(b"<item>")])  # channel head untouched


@pytest.mark.parametrize("count", [0, 1, 5, 6])
def test_at_most_twice_keep_is_left_alone(count: int) -> None:
    body = rss(list(range(count)))
    assert trim(body, 3) == (body, 0)


def test_atom_entries_with_prefixes_and_attributes() -> None:
    entries = "".join(
        f'<a:entry xml:lang="ar"><a:title>مدخل {n}</a:title><a:id>urn:{n}</a:id>'
        f'<a:link href="https://a.example/{n}"/><a:updated>2018-02-0{n + 1}T00:00:00Z'
        f"</a:updated></a:entry>" for n in range(7))
    body = (f'<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>ذ</a:title>{entries}'
            "</a:feed>").encode()
    trimmed, removed = trim(body, 2)
    assert removed == 3
    assert [e.title for e in feedparser.parse(trimmed).entries] == [
        "مدخل 0", "مدخل 1", "مدخل 5", "مدخل 6"]


def test_rss_1_0_items_list_is_not_an_entry() -> None:
    seq = "".join(f'<rdf:li resource="https://a.example/{n}"/>' for n in range(5))
    items = "".join(f'<item rdf:about="https://a.example/{n}"><title>بند {n}</title>'
                    f"<link>https://a.example/{n}</link></item>" for n in range(5))
    body = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://a.example/">'
            f"<title>ر</title><items><rdf:Seq>{seq}</rdf:Seq></items></channel>{items}"
            "</rdf:RDF>").encode()
    trimmed, removed = trim(body, 2)
    assert removed == 1  # <items> and <rdf:li> are not counted
    assert b"<items><rdf:Seq>" in trimmed
    assert [e.title for e in feedparser.parse(trimmed).entries] == [
        "بند 0", "بند 1", "بند 3", "بند 4"]


def test_upper_case_tags_count() -> None:
    body = b"<rss><channel>" + b"".join(b"<ITEM><title>x</title></ITEM>" for _ in range(5))
    assert trim(body, 1)[1] == 3


def test_utf16_documents_are_never_cut() -> None:
    body = rss(list(range(10))).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = body.encode("utf-16")
    assert trim(data, 2) == (data, 0)


def test_keep_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        trim(b"<rss/>", 0)


# --- parse_feed(max_entries=) ----------------------------------------------------------


def test_a_broken_document_is_trimmed_before_feedparser() -> None:
    body = broken(rss(list(range(50))))
    whole = parse_feed(body, url=URL, fetched_at=NOW)
    assert (len(whole.entries), whole.omitted) == (49, 0)  # the cut-off last one dropped
    assert whole.warning is not None  # feedparser read it
    feed = parse_feed(body, url=URL, fetched_at=NOW, max_entries=5)
    # 6 from each end (max_entries + 10 % + 1: the cut-off last one is dropped below)
    assert feed.omitted == 38
    assert [e.guid for e in feed.entries] == [f"g{n}" for n in (*range(6), *range(44, 49))]
    assert feed.skipped == 1  # the last, cut off, as without trimming


def test_a_well_formed_document_is_read_whole() -> None:
    # the fast path is exact and ~7x cheaper per entry: nothing is cut
    feed = parse_feed(rss(list(range(50))), url=URL, fetched_at=NOW, max_entries=5)
    assert (len(feed.entries), feed.omitted, feed.warning) == (50, 0, None)


# --- parse_in_worker(): the newest max_entries, whatever the document's order ----------


@pytest.mark.parametrize("order", ["newest first", "oldest first"])
@pytest.mark.parametrize("shape", ["well-formed", "broken"])
def test_the_worker_returns_the_newest_entries(order: str, shape: str) -> None:
    numbers = list(range(60))  # a higher number is a later date
    if order == "newest first":
        numbers.reverse()
    body = rss(numbers)
    if shape == "broken":
        body = broken(body)  # its last item is cut off, whichever that is
    parsed = parse_in_worker(body, URL, {}, NOW, 5)
    # the same entries as from the whole document, in document order
    whole = parse_feed(body, url=URL, fetched_at=NOW)
    newest = sorted(whole.entries, key=lambda e: e.published or NOW, reverse=True)[:5]
    assert {e.guid for e in parsed.entries} == {e.guid for e in newest}
    assert [e.guid for e in parsed.entries] == [
        e.guid for e in whole.entries if e in newest]
    # every item of the document is returned, omitted, or skipped (the cut-off one)
    assert len(parsed.entries) + parsed.omitted + parsed.skipped == 60
    assert parsed.skipped == (1 if shape == "broken" else 0)


def test_the_worker_returns_distinct_entries_and_omits_none_of_a_small_feed() -> None:
    parsed = parse_in_worker(rss([*range(10), 0, 1, 2]), URL, {}, NOW, 20)
    assert [e.guid for e in parsed.entries] == [f"g{n}" for n in range(10)]
    assert parsed.omitted == 0
