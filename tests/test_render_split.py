"""split_message: every chunk is valid Telegram HTML within the limit, nothing is lost."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata

import pytest

from bot.render.escape import escape, html_to_text, visible_length
from bot.render.split import entity_count, split_message
from tests.test_render_htmlcheck import assert_telegram_html

WORDS = ["الأمم", "المتحدة", "تطالب", "بوقف", "إطلاق", "النار", "&", "<", ">", "\"", "😀",
         "مُحَمَّدٌ", "2018", "CNN"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _check(blocks: list[str], limit: int) -> list[str]:
    chunks = split_message(blocks, limit)
    for chunk in chunks:
        assert_telegram_html(chunk)
        assert 0 < visible_length(chunk) <= limit, (limit, chunk)
        assert chunk == chunk.strip()
        shown = html_to_text(chunk)
        assert shown.strip()
        assert unicodedata.category(shown[0]) != "Mn"  # never split a letter from its harakat
    # Nothing lost, nothing repeated, order kept (whitespace at cuts may go).
    assert _squash("".join(html_to_text(c) for c in chunks)) == _squash(
        "".join(html_to_text(b) for b in blocks)
    )
    return chunks


def _block(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    kind = rng.randrange(4)
    if kind == 0:
        return f"<b>{escape(text)}</b>"
    if kind == 1:
        return f'<a href="https://example.com/?q=1&amp;r=2">{escape(text)}</a>'
    if kind == 2:
        lines = text.split(" ")
        return "\n".join(f"• <i>{escape(' '.join(lines[i:i + 5]))}</i>"
                         for i in range(0, len(lines), 5))
    return escape(text)


def test_random_blocks_many_limits() -> None:
    rng = random.Random(4096)
    for _ in range(25):
        blocks = [_block(rng, rng.randint(1, 400)) for _ in range(rng.randint(1, 12))]
        for limit in (40, 100, 333, 1024, 4096):
            _check(blocks, limit)


def test_blocks_that_fit_are_never_split_and_packed_greedily() -> None:
    blocks = [f"<b>خبر {i}</b> " + "كلمة " * 100 for i in range(30)]
    chunks = _check(blocks, 4096)
    joined = "\n\n".join(chunks)
    for block in blocks:
        assert block.strip() in joined
    for chunk in chunks:
        assert chunk.count("<b>") == chunk.count("</b>")
    # Greedy: no two neighbours could have been one message.
    for a, b in itertools.pairwise(chunks):
        assert visible_length(a) + 2 + visible_length(b) > 4096


def test_short_input_is_one_chunk_unchanged() -> None:
    assert split_message(["<b>عنوان</b>", "سطر &amp; آخر"]) == ["<b>عنوان</b>\n\nسطر &amp; آخر"]
    assert split_message([]) == []
    assert split_message(["", "  ", "<b> </b>"]) == []


def test_open_tags_are_closed_and_reopened_across_cuts() -> None:
    opening = '<blockquote><a href="https://e.com/?a=1&amp;b=2"><b>'
    block = opening + "كلمة " * 3000 + "</b></a></blockquote>"
    chunks = _check([block], 1000)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.startswith(opening)
        assert chunk.endswith("</b></a></blockquote>")


def test_lines_are_preferred_to_spaces() -> None:
    lines = [f"{i}. " + "كلمة " * 20 for i in range(200)]
    chunks = _check(["\n".join(lines)], 1000)
    for chunk in chunks:
        assert re.match(r"\d+\. ", chunk)  # each chunk starts at a line start
        assert chunk.endswith("كلمة")


def test_entities_are_never_split() -> None:
    chunks = _check(["&amp;&lt;&gt;&quot;&#1575;&#x1F600;" * 2000], 97)
    assert all(visible_length(c) <= 97 for c in chunks)


def test_giant_word_is_cut_between_characters() -> None:
    word = "مُحَمَّدٌ" * 3000
    chunks = _check([word], 500)
    assert "".join(chunks) == word


@pytest.mark.parametrize("limit", [2, 3, 7, 64])
def test_tiny_limits(limit: int) -> None:
    _check(["<b>ab cd</b> 😀 &amp; " * 50], limit)


def test_bad_limit() -> None:
    with pytest.raises(ValueError):
        split_message(["x"], 1)


def test_custom_separator() -> None:
    assert split_message(["a", "b"], separator="\n") == ["a\nb"]
    assert split_message(["a", "b"], limit=2, separator="\n") == ["a", "b"]


# --- Telegram shows at most 100 formatting entities a message (ENTITY_LIMIT) -------------


def _links(n: int) -> list[str]:
    return [f'• <a href="https://e.com/{i}">خبر {i}</a> — مصدر' for i in range(n)]


def test_blocks_are_packed_within_the_entity_limit() -> None:
    # 180 short headlines fit one message by length (~3,500 units), not by entities
    blocks = ["<b>📰 الموجز اليومي</b>", *_links(180)]
    assert visible_length("\n\n".join(blocks)) < 4096
    chunks = _check(blocks, 4096)
    assert [entity_count(c) for c in chunks] == [100, 81]
    assert [c.count("<a ") for c in chunks] == [99, 81]
    assert split_message(blocks, 4096, max_entities=1000) == ["\n\n".join(blocks)]


def test_a_block_with_too_many_entities_is_cut_and_its_tags_reopened() -> None:
    # one broadcast text: 250 bold words inside an italic paragraph, on lines of 10 words
    words = [f"<b>كلمة{i}</b>" + ("\n" if i % 10 == 9 else " ") for i in range(250)]
    block = "<i>" + "".join(words).strip() + "</i>"
    chunks = _check([block], 4096)
    assert all(entity_count(c) <= 100 for c in chunks)
    assert len(chunks) == 3
    assert all(c.startswith("<i>") and c.endswith("</i>") for c in chunks)
    # cut at the last line break before the 100th entity: 9 lines (90 bold words) a chunk
    assert [c.count("<b>") for c in chunks] == [90, 90, 70]


def test_entity_limit_with_random_blocks() -> None:
    rng = random.Random(7)
    for max_entities in (1, 2, 5, 17, 100):
        blocks = [_block(rng, rng.randint(1, 60)) for _ in range(40)]
        chunks = split_message(blocks, 4096, max_entities=max_entities)
        for chunk in chunks:
            assert_telegram_html(chunk)
            assert entity_count(chunk) <= max(max_entities, 3)  # 3: _block nests that deep
        assert _squash("".join(html_to_text(c) for c in chunks)) == _squash(
            "".join(html_to_text(b) for b in blocks))


def test_bad_entity_limit() -> None:
    with pytest.raises(ValueError):
        split_message(["x"], 10, max_entities=0)
