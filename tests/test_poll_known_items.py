"""A changed feed is read for what is new in it: the items its previous version listed
come back from the parser without their text (their HTML is never stripped), and a poll
stores exactly what it stored when every item was read whole.

Most polls of a busy feed find it changed by one or two items among 20-50: reading the
others' text again was about half the CPU of such a cycle (bench/poll.py --new 3)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest import IngestOptions
from bot.ingest.entries import article_url
from bot.ingest.work import parse_in_worker
from bot.models import Entry
from bot.parse import parse_feed
from bot.parse.feed import _parse_feed
from bot.storage._listing import listing
from tests.fakes.feed_server import FeedServer
from tests.fixtures.ingest.site import FEEDS, REAL_FEEDS, item, open_env, rss

pytest_plugins = ["tests.fakes.feed_fixtures"]

NOW = datetime(2024, 3, 11, 9, 30, tzinfo=UTC)
URL = "https://news.example/feed.xml"
HEADERS = {"content-type": "application/rss+xml"}
BODIES = {
    **{key: path.read_bytes() for key, (path, _) in REAL_FEEDS.items()},
    "urdu-atom": (FEEDS / "bbc_urdu_atom.utf8.xml").read_bytes(),
    "windows-1256-undeclared": (FEEDS / "bbc-arabic.windows-1256-undeclared.xml").read_bytes(),
}


def _keys(e: Entry) -> tuple[object, ...]:
    return e.title, e.url, e.guid, e.published


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "feedparser"])
@pytest.mark.parametrize("name", sorted(BODIES))
def test_known_items_keep_their_title_link_guid_and_date_and_nothing_else(
        name: str, fast: bool) -> None:
    body = BODIES[name]
    whole = _parse_feed(body, url=URL, headers=HEADERS, fetched_at=NOW, fast=fast)
    assert len(whole.entries) >= 8
    # every other item is known: those come back light, the others exactly as before
    known_urls = {e.url for e in whole.entries[::2]}

    def known(url: str, guid: str | None) -> bool:
        return url in known_urls

    light = _parse_feed(body, url=URL, headers=HEADERS, fetched_at=NOW, fast=fast,
                        known=known)
    assert dataclasses.replace(light, entries=[]) == dataclasses.replace(whole, entries=[])
    assert [_keys(e) for e in light.entries] == [_keys(e) for e in whole.entries]
    for got, want in zip(light.entries, whole.entries, strict=True):
        if want.url in known_urls:
            assert (got.text, got.author, got.categories, got.image_url) == ("", None, (), None)
        else:
            assert got == want
    assert any(e.text for e in whole.entries[::2])  # there was text to skip


def test_items_whose_keys_come_from_their_text_are_always_read_whole() -> None:
    # no title: the title is the text's first line; neither link nor GUID: the GUID is a
    # digest of the text. Told they are known, they are still read whole.
    body = rss([
        "<item><description>نص خبر بلا عنوان ولا شيء غيره</description>"
        "<link>https://news.example/untitled</link></item>",
        item("خبر بلا رابط ولا معرّف", None, None, description="نصّ الخبر الكامل هنا"),
        item("خبر عادي", "https://news.example/plain", "p", description="نصّ عادي"),
    ])
    whole = parse_feed(body, url=URL, headers=HEADERS, fetched_at=NOW)
    light = parse_feed(body, url=URL, headers=HEADERS, fetched_at=NOW,
                       known=lambda url, guid: True)
    assert light.entries[:2] == whole.entries[:2]
    assert light.entries[0].title.startswith("نص خبر بلا عنوان")
    assert light.entries[2].text == "" and whole.entries[2].text == "نصّ عادي"


def test_the_worker_reads_whole_only_what_the_previous_listing_lacks() -> None:
    body = BODIES["bbc-arabic"]
    before = parse_in_worker(body, URL, HEADERS, NOW, 100)
    listed = before.entries[3:]
    blob = listing([article_url(e, 1) for e in listed], [e.guid for e in listed if e.guid])
    after = parse_in_worker(body, URL, HEADERS, NOW, 100, blob)
    assert [_keys(e) for e in after.entries] == [_keys(e) for e in before.entries]
    assert after.entries[:3] == before.entries[:3]
    assert [e.text for e in after.entries[3:]] == [""] * len(listed)


def _version(n: int) -> bytes:
    """Version ``n`` of a feed: a window of 6 items sliding by 2 at each version, newest
    first; each item's text is its own."""
    items = []
    for k in reversed(range(2 * n, 2 * n + 6)):
        items.append(item(
            f"الخبر رقم {k} عن افتتاح مشروع جديد في المدينة", f"https://news.example/{k}",
            f"g{k}", date=f"Mon, 19 Feb 2018 {k:02d}:00:00 +0000",
            description=(f"<p>أعلنت الوزارة اليوم عن المشروع رقم {k} في المدينة. وقال "
                         f"المسؤولون إن العمل سيبدأ خلال الشهر المقبل بتكلفة {k} مليون. "
                         "وأضافوا أن المشروع سيوفر مئات الوظائف للشباب.</p>")))
    return rss(items)


async def _stored(tmp_path: Path, feed_server: FeedServer, forget: bool) -> list[tuple]:
    """Poll versions 0-4 of the feed, the poller keeping the listings between polls or
    (``forget``) not; the articles stored."""
    tmp_path.mkdir()  # noqa: ASYNC240
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        feed_id = await env.add_feed(feed_server.url("/f.xml"), default=True)
        await env.storage.chats.register(42, "private")
        for n in range(5):
            feed_server.add_feed("/f.xml", _version(n))
            if forget:  # neither in memory nor in the database: every item read whole
                env.poller._listed.clear()
                await env.storage.db.write(lambda c: c.execute("UPDATE feeds SET listed = NULL"))
            report = await env.poller.poll_now(feed_id)
            assert (report.stored, report.count("ok")) == (6 if n == 0 else 2, 1)
        rows = await env.rows(
            "SELECT url, guid, title, text, summary, author, image_url, category, published_at,"
            " fingerprint FROM articles ORDER BY url")
        pushed = await env.rows("SELECT article_id FROM outbox ORDER BY article_id")
    return [tuple(r.values()) for r in rows] + [("pushed", len(pushed))]


async def test_polls_store_the_same_articles_as_when_every_item_is_read_whole(
        tmp_path: Path, feed_server: FeedServer) -> None:
    light = await _stored(tmp_path / "light", feed_server, forget=False)
    whole = await _stored(tmp_path / "whole", feed_server, forget=True)
    assert light == whole
    assert len(light) == 6 + 4 * 2 + 1 and light[-1][1] > 0  # (one story: pushed 4)
    assert all(row[3] and row[4] for row in light[:-1])  # every text and summary there


@pytest.mark.parametrize("restarted", [False, True], ids=["same run", "after a restart"])
async def test_an_item_listed_before_but_no_longer_stored_is_read_whole_again(
        tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture,
        restarted: bool) -> None:
    # (after a restart the listing comes from the database, feeds.listed)
    caplog.set_level(logging.INFO, "bot.ingest.poller")
    async with open_env(tmp_path, options=IngestOptions(extract=False)) as env:
        feed_id = await env.add_feed(feed_server.url("/f.xml"))
        feed_server.add_feed("/f.xml", _version(0))
        await env.poller.poll_now(feed_id)
        if restarted:
            env.poller._listed.clear()
        # its row goes (deleted by hand: nothing in the bot deletes a listed article)
        await env.storage.db.write(lambda c: c.execute(
            "DELETE FROM articles WHERE url = 'https://news.example/3'"))
        feed_server.add_feed("/f.xml", _version(1))
        report = await env.poller.poll_now(feed_id)
        assert report.stored == 3  # 6 and 7, and 3 again
        again = await env.rows("SELECT text, summary FROM articles"
                               " WHERE url = 'https://news.example/3'")
        assert again[0]["text"].startswith("أعلنت الوزارة اليوم عن المشروع رقم 3")
        assert again[0]["summary"]
    assert "an item listed before is not stored; reading it whole" in caplog.text
