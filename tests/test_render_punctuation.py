"""Spacing around punctuation in the headline and summary (bot/render/punctuation.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.models import Article
from bot.render import render_article
from bot.render.escape import html_to_text
from bot.render.punctuation import tidy_punctuation

CASES = [
    # real: youm7, elbalad, akhbarelyom, almadenahnews (shared pages)
    ("بإصابة الفنانة يسرا بفيروس كورونا . إلا أن يسرا لم تثبت",
     "بإصابة الفنانة يسرا بفيروس كورونا. إلا أن يسرا لم تثبت"),
    ("وذلك في عام 1963 .", "وذلك في عام 1963."),
    ("منها:تمر حنة ومدرسة البنات", "منها: تمر حنة ومدرسة البنات"),
    ("أميركا :50 الفا حصيلة الوفيات", "أميركا: 50 الفا حصيلة الوفيات"),
    ("قال الوزير ، في بيان ؛ إن", "قال الوزير، في بيان؛ إن"),
    ("هل انتهت الأزمة ؟ لا !", "هل انتهت الأزمة؟ لا!"),
    ("قال: «نعم» .", "قال: «نعم»."),
    ('وصف التصريحات "بالسيرك" .', 'وصف التصريحات "بالسيرك".'),
    ("في المدينةِ . وقال", "في المدينةِ. وقال"),
    ("وانتظر الجميع ...", "وانتظر الجميع..."),
    ("الساعة 10 :30 صباحا", "الساعة 10:30 صباحا"),
    # left alone
    ("الساعة 10:30 صباحا", "الساعة 10:30 صباحا"),
    ("بنسبة .5 بالمئة", "بنسبة .5 بالمئة"),
    ("https://arabic.cnn.com/a:b", "https://arabic.cnn.com/a:b"),
    ('<a href="javascript:alert(1)">اضغط</a>', '<a href="javascript:alert(1)">اضغط</a>'),
    ("Bonjour ! Comment ça va ?", "Bonjour ! Comment ça va ?"),
    ("Re:Zero", "Re:Zero"),
    ("سطر أول\n. سطر ثان", "سطر أول\n. سطر ثان"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "tidy"), CASES)
def test_tidy_punctuation(text: str, tidy: str) -> None:
    assert tidy_punctuation(text) == tidy
    assert tidy_punctuation(tidy) == tidy  # idempotent


def test_the_message_shows_tidy_headline_and_summary() -> None:
    article = Article(
        title="أميركا :50 الفا حصيلة الوفيات بسبب فيروس كورونا",
        url="https://news.example/a:b?x=1",
        source="المدينة نيوز",
        published=datetime(2020, 4, 24, 12, tzinfo=UTC),
        summary="بلغت حصيلة الوفيات 50 ألفاً ، بحسب مركز جامعة جونز هوبكنز .",
    )
    shown = html_to_text(render_article(article).text)
    assert "أميركا: 50 الفا" in shown
    assert "50 ألفاً، بحسب مركز جامعة جونز هوبكنز." in shown
    assert " ." not in shown and " ،" not in shown
