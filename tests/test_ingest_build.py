"""Entry (+ article page) -> article: text choice, attribution, summary, image. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.extract import clean_text, guess_lang
from bot.ingest import build as build_module
from bot.ingest.build import DeadlinePassed, build_article, build_articles
from bot.ingest.work import Page
from bot.models import Entry
from bot.parse import parse_feed
from bot.render import render_article
from tests.fixtures.ingest.site import NOISE_MARKERS, article_page, load_articles

NOW = datetime(2018, 2, 20, 12, tzinfo=UTC)
ROWS = {r["title"]: r for r in load_articles()}
CNN = next(r for r in ROWS.values() if r["source"] == "cnn-arabic")
SHORT = next(r for r in ROWS.values() if len(r["text"]) < 200)


def teaser(row: dict, **extra: object) -> Entry:
    lead = row["text"].split("\n")[0][:150]
    return Entry(title=row["title"], url=row["url"], guid="g", text=lead,
                 published=datetime(2018, 2, 19, tzinfo=UTC), **extra)  # type: ignore[arg-type]


def page_of(row: dict, image: str = "https://img.example/og.jpg") -> Page:
    html = article_page(row["title"], row["text"], published=row["published"], image=image,
                        related=("عنوان خبر آخر لا علاقة له", "خبر ثالث عن الطقس"))
    return Page(row["url"], html.encode("utf-8"), "utf-8")


def assert_clean(text: str) -> None:
    for marker in NOISE_MARKERS:
        assert marker not in text, marker


def test_page_text_replaces_the_teaser_and_agency_goes_to_author() -> None:
    built = build_article(teaser(CNN), feed_id=3, source="سي إن إن", fetched_at=NOW,
                          page=page_of(CNN))
    a = built.article
    assert built.from_page and built.page_error is None
    assert len(a.text) > 1000 and "(CNN)" not in a.text
    assert a.author == "CNN"  # the agency is credited, not summarized
    assert a.summary and guess_lang(a.summary) == "ar" and len(a.summary) <= 600
    assert "CNN" not in a.summary and a.title not in a.summary
    assert_clean(a.text)
    assert_clean(a.summary)
    assert a.image_url == "https://img.example/og.jpg"  # og:image when the feed has none
    assert (a.source, a.feed_id, a.guid, a.url) == ("سي إن إن", 3, "g", CNN["url"])
    assert a.published == datetime(2018, 2, 19, tzinfo=UTC) and built.fingerprint != 0


def test_feed_image_wins_over_og_image() -> None:
    built = build_article(teaser(CNN, image_url="https://feed.example/i.jpg"), feed_id=1,
                          source="s", fetched_at=NOW, page=page_of(CNN))
    assert built.article.image_url == "https://feed.example/i.jpg"


def test_short_item_on_a_boilerplate_page_keeps_no_page_noise() -> None:
    # trafilatura's flattening fallback used to glue share and font widgets into short items
    built = build_article(teaser(SHORT), feed_id=1, source="s", fetched_at=NOW,
                          page=page_of(SHORT))
    assert_clean(built.article.text)
    assert_clean(built.article.summary)
    assert built.article.summary


@pytest.mark.parametrize("body", [b"", b"<html><body><p>404</p></body></html>",
                                  b"\x00\x01\x02 binary junk", "<p>نعم</p>".encode()])
def test_unusable_page_falls_back_to_cleaned_feed_text(body: bytes) -> None:
    e = Entry(title="عنوان الخبر", url="https://a.example/1",
              text="أفاد مراسل بانفجار قرب #قطاع_غزة دون إصابات. (رويترز)",
              published=NOW)
    built = build_article(e, feed_id=1, source="s", fetched_at=NOW,
                          page=Page("https://a.example/1", body))
    a = built.article
    assert not built.from_page and built.page_error
    assert a.text == "أفاد مراسل بانفجار قرب قطاع غزة دون إصابات."
    assert a.summary == a.text and a.author == "رويترز"


def test_summary_never_repeats_the_headline() -> None:
    title = "الحكومة تعلن خطة جديدة لدعم الاقتصاد"
    e = Entry(title=title, url="https://a.example/2", published=NOW,
              text=f"{title}\nقالت الحكومة اليوم إنها ستقدم حزمة دعم للشركات الصغيرة. "
                   "وتشمل الحزمة قروضا ميسرة وإعفاءات ضريبية لمدة عام.")
    a = build_article(e, feed_id=1, source="s", fetched_at=NOW).article
    assert title not in a.summary and a.summary.startswith("قالت الحكومة")


def test_headline_only_item_has_an_empty_summary_but_is_kept() -> None:
    e = Entry(title="عاجل: زلزال بقوة 6 درجات", url=None, guid="x", published=NOW,
              text="عاجل: زلزال بقوة 6 درجات")
    built = build_articles([(e, None)], 4, "s", NOW)
    assert len(built) == 1 and built[0].article.summary == ""
    assert built[0].article.url.startswith("newsbot:feed/4/")


def test_a_crash_while_building_still_stores_the_article(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("bug")

    monkeypatch.setattr(build_module, "summarize", boom)
    e = Entry(title="عنوان", url="https://a.example/3", text="نص الخبر", published=NOW)
    [built] = build_articles([(e, None)], 1, "المصدر", NOW)
    assert built.article.title == "عنوان" and built.article.text == "نص الخبر"
    assert built.page_error == "build failed"


def test_a_sentence_that_is_the_headline_plus_a_short_tail_is_not_the_summary() -> None:
    from bot.summarize import summarize

    title = "وفاة مورغان تسفانغيراي، زعيم المعارضة في زيمبابوي"
    tail = f"{title} بعد صراع مع مرض السرطان."
    other = "وقال حزبه إنه توفي في مستشفى بجنوب أفريقيا حيث كان يتلقى العلاج منذ أشهر."
    assert summarize(f"{tail} {other}", title) == other
    assert summarize(tail, title) == ""
    longer = f"{title} في مستشفى بجوهانسبرغ بعد صراع طويل مع مرض السرطان عن 65 عاما."
    assert summarize(longer, title) == longer  # a real lead that adds news is kept


def test_the_worker_computes_the_index_row_and_keyword_words_exactly() -> None:
    from bot.matching import KeywordIndex
    from bot.storage._fts import index_fields
    from bot.storage._matching import keyword_text, keyword_words

    jobs = [(teaser(row), page_of(row)) for row in list(ROWS.values())[:4]]
    jobs += [(Entry(title=r["title"], url=r["url"], text=r["text"], published=NOW), None)
             for r in list(ROWS.values())[4:]]
    for built in build_articles(jobs, 3, "بي بي سي عربي", NOW):
        a = built.article
        assert built.index == index_fields(a.title, a.summary, a.text, a.source, a.url)
        assert built.tokens == keyword_words(a.title, a.summary, a.text)
        assert built.tokens is not None
        original = KeywordIndex(keyword_text(a.title, a.summary, a.text))
        assert tuple(built.tokens.split()) == original.tokens


def test_a_crash_while_preparing_leaves_it_to_the_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(build_module, "prepare", boom)
    e = Entry(title="عنوان الخبر", url="https://a.example/4", text="نص الخبر. جملة ثانية هنا.",
              published=NOW)
    [built] = build_articles([(e, None)], 1, "المصدر", NOW)
    assert built.page_error is None and built.article.text  # the article is built as usual
    assert built.index is None and built.tokens is None


def test_built_articles_cross_processes_unchanged() -> None:
    import pickle

    jobs = [(Entry(title=r["title"], url=r["url"], text=r["text"], published=NOW,
                   categories=("سياسة", "عربي"), author="رويترز"), None)
            for r in list(ROWS.values())[:3]]
    built = build_articles(jobs, 3, "بي بي سي عربي", NOW)
    for value in [*built, *(b.article for b in built), *(e for e, _ in jobs)]:
        again = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == value and type(again) is type(value)
        assert type(value).__reduce__(value)[0] is type(value)  # pickled by constructor


class StepClock:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_pages_are_extracted_newest_first_within_the_polls_budget() -> None:
    rows = list(ROWS.values())[:5]
    jobs = [(teaser(row), page_of(row)) for row in rows]  # oldest first, as polled
    # every clock reading moves 10 s: the deadline is 25 s after the start, so the last
    # two jobs (the newest entries) are extracted and the three older ones are not
    built = build_articles(jobs, 3, "سي إن إن", NOW, extract_budget=25.0, clock=StepClock(10))
    assert [b.from_page for b in built] == [False, False, False, True, True]
    for b, (entry, _) in zip(built[:3], jobs, strict=False):
        assert b.page_error == "not extracted: this poll's 25 s for pages were spent"
        assert b.article.text == clean_text(entry.text, entry.title)  # the feed's text
        assert b.article.summary
    assert all(b.page_error is None for b in built[3:])
    # the default budget holds all five on any clock that is not absurd
    assert all(b.from_page for b in build_articles(jobs, 3, "سي إن إن", NOW))


def test_a_crash_in_the_extractor_keeps_the_feed_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(page: Page) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(build_module, "extract_page", boom)
    [built] = build_articles([(teaser(CNN), page_of(CNN))], 3, "سي إن إن", NOW)
    assert built.page_error == "extraction failed: RuntimeError"
    assert not built.from_page and built.article.summary and built.fingerprint


def test_work_stops_once_the_polls_deadline_passed() -> None:
    rows = list(ROWS.values())[:5]
    entries = [teaser(row) for row in rows]
    # the wall clock moves 1 s a reading: building stops at the 4th entry of 5
    with pytest.raises(DeadlinePassed, match="while building articles"):
        build_articles([(e, None) for e in entries], 3, "سي إن إن", NOW, deadline=3.5,
                       wall=StepClock(1))
    # with pages: the first page is extracted, the second is never started
    jobs = [(e, page_of(row)) for e, row in zip(entries, rows, strict=True)]
    with pytest.raises(DeadlinePassed, match="while extracting pages"):
        build_articles(jobs, 3, "سي إن إن", NOW, deadline=1.5, wall=StepClock(1))
    assert issubclass(DeadlinePassed, TimeoutError)  # a poll seeing it has timed out
    built = build_articles(jobs, 3, "سي إن إن", NOW, deadline=1e12)  # far ahead: all built
    assert len(built) == 5 and all(b.from_page for b in built)


def test_stray_bytes_in_a_feed_never_reach_the_pushed_message() -> None:
    """bbc-arabic.stray-bytes.xml: the headline and summary pushed to subscribers showed
    "\ufffd" where a feed had a stray byte, inside a word and between words."""
    body = (Path(__file__).parent / "fixtures" / "feeds" / "bbc-arabic.stray-bytes.xml")
    feed = parse_feed(body.read_bytes(), url="https://feeds.bbci.co.uk/arabic/rss.xml",
                      headers=None, fetched_at=NOW)
    for entry in feed.entries[:2]:
        article = build_article(entry, feed_id=1, source="بي بي سي عربي",
                                fetched_at=NOW).article
        message = render_article(article)
        assert "\ufffd" not in article.title + article.summary + article.text
        assert "\ufffd" not in message.text and article.summary[:40] in message.text
    assert article.title.startswith("بعد مذبحة المدرسة الأمريكية، مسيرة في واشنطن")
