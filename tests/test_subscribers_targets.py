"""What "/subscribe X" resolves to (pure)."""

from __future__ import annotations

from bot.storage import Feed
from bot.subscribers.targets import matches_subscription, resolve, split_targets


def feed(feed_id: int, name: str, category: str = "") -> Feed:
    return Feed(id=feed_id, url=f"https://{feed_id}.example/rss", name=name, category=category,
                is_default=False, origin="config", interval_seconds=None, paused=False,
                disabled_reason=None, etag=None, last_modified=None, body_hash=None,
                initialized=True, next_poll_at=0, last_polled_at=None, last_success_at=None,
                last_error=None, last_error_kind=None, last_error_at=None,
                consecutive_failures=0, created_at=0)


def triple(text: str) -> tuple[str, str, str]:
    target = resolve(text, FEEDS, CATEGORIES)
    return target.kind, target.value, target.display


FEEDS = [feed(1, "بي بي سي عربي", "عام"), feed(2, "الرياضة اليوم", "رياضة")]
CATEGORIES = ["عام", "رياضة"]


def test_source_category_keyword_in_that_order() -> None:
    assert triple("بي بي سي عربي") == ("feed", "1", "بي بي سي عربي")
    assert triple("بى بى سى عربى") == ("feed", "1", "بي بي سي عربي")  # normalized
    assert resolve("2", FEEDS, CATEGORIES).feed_id == 2
    assert triple("رياضه") == ("category", "رياضه", "رياضة")
    target = resolve("الأمم المتّحدة", FEEDS, CATEGORIES)
    assert (target.kind, target.value, target.display) == ("keyword", "الامم المتحده",
                                                           "الأمم المتّحدة")
    hashtag = resolve("#رياضة", FEEDS, CATEGORIES)  # '#' forces a keyword
    assert (hashtag.kind, hashtag.value, hashtag.display) == ("keyword", "رياضه", "رياضة")
    assert resolve("#الأمم_المتحدة", FEEDS, CATEGORIES).value == "الامم المتحده"


def test_refusals() -> None:
    assert resolve("", FEEDS, CATEGORIES).error == "empty"
    assert resolve("ا" * 65, FEEDS, CATEGORIES).error == "too_long"
    assert resolve("!!! ؟؟", FEEDS, CATEGORIES).error == "no_letters"
    assert resolve("#", FEEDS, CATEGORIES).error == "no_letters"
    assert resolve("ب", FEEDS, CATEGORIES).error == "too_short"


def test_regex_looking_input_is_just_words() -> None:
    target = resolve("(a+)+$ سوريا", FEEDS, CATEGORIES)
    assert target.kind == "keyword" and target.value == "a سوريا"


def test_split_on_arabic_and_latin_commas() -> None:
    assert split_targets(" سوريا، لبنان ,  ,#اقتصاد ") == ["سوريا", "لبنان", "#اقتصاد"]


def test_unsubscribe_matching() -> None:
    assert matches_subscription("الامم المتحده", "keyword", "الامم المتحده", "الأمم المتحدة")
    assert matches_subscription("#الأمم_المتحدة", "keyword", "الامم المتحده", "x")
    assert matches_subscription("بي بي سي عربي", "feed", "1", "بي بي سي عربي")
    assert matches_subscription("1", "feed", "1", "بي بي سي عربي")
    assert not matches_subscription("#بي بي سي عربي", "feed", "1", "بي بي سي عربي")
    assert matches_subscription("رياضة", "category", "رياضه", "رياضة")
    assert not matches_subscription("اقتصاد", "category", "رياضه", "رياضة")


def test_bidi_controls_pasted_with_a_word_do_not_split_it() -> None:
    # text copied from some apps comes wrapped in embeddings (U+202B ... U+202C); an
    # override inside a word would have made it two words that never match
    parts = split_targets("\u202bسوريا\u202c، لب\u202eنان\u2069")
    assert parts == ["سوريا", "لبنان"]
    assert triple(parts[1]) == ("keyword", "لبنان", "لبنان")
