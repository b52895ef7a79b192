"""split_sentences() and unwrap_lines()."""

from __future__ import annotations

import pytest

from bot.arabic import split_sentences, unwrap_lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the Arabic question mark, semicolon, ! and .
        (
            "هل وصل الوفد؟ نعم وصل. وماذا بعد! لا شيء",
            ["هل وصل الوفد؟", "نعم وصل.", "وماذا بعد!", "لا شيء"],
        ),
        ("أعلن الوزير القرار؛ ورفضته المعارضة.", ["أعلن الوزير القرار؛", "ورفضته المعارضة."]),
        # the Arabic comma is not a boundary
        (
            "قال الوزير، في مؤتمر صحفي، إن النمو تحسن.",
            ["قال الوزير، في مؤتمر صحفي، إن النمو تحسن."],
        ),
        # numbers
        ("بلغ النمو 3.5 بالمئة. وارتفع.", ["بلغ النمو 3.5 بالمئة.", "وارتفع."]),
        ("قتل 2.000 شخص في 10.30 صباحا.", ["قتل 2.000 شخص في 10.30 صباحا."]),
        ("وقع ذلك عام 2017.وقال الوزير", ["وقع ذلك عام 2017.", "وقال الوزير"]),
        # initials and abbreviations
        ("التقى د. محمد علي بالمهندس م. أحمد.", ["التقى د. محمد علي بالمهندس م. أحمد."]),
        ("في مركز جون إف. كينيدي للفنون. ثم غادر.", ["في مركز جون إف. كينيدي للفنون.", "ثم غادر."]),
        ("قال J. Smith لـ Dr. Brown كلاما.", ["قال J. Smith لـ Dr. Brown كلاما."]),
        ("زار موقع www.cnn.com و U.S.A اليوم.", ["زار موقع www.cnn.com و U.S.A اليوم."]),
        # no space after the period (common in scraped Arabic)
        (
            "يرجعه البعض إلى نوح.و تعني كلمة العود الخشب .فالعود آلة",
            ["يرجعه البعض إلى نوح.", "و تعني كلمة العود الخشب .", "فالعود آلة"],
        ),
        # runs of terminators
        ("ماذا يحدث؟! لا أحد يعرف... ربما غدا", ["ماذا يحدث؟!", "لا أحد يعرف...", "ربما غدا"]),
        ("انتهى!!! حقا؟؟", ["انتهى!!!", "حقا؟؟"]),
        ("وصل…ثم غادر", ["وصل…", "ثم غادر"]),
        # closing quotes and brackets stay with their sentence
        ("قال «انتهى الأمر». ثم غادر.", ["قال «انتهى الأمر».", "ثم غادر."]),
        ("قال «انتهى الأمر.» ثم غادر.", ["قال «انتهى الأمر.»", "ثم غادر."]),
        ('وأضاف: "سنرى." وغادر.', ['وأضاف: "سنرى."', "وغادر."]),
        ("تفشى المرض (كوفيد-19.) وقال.", ["تفشى المرض (كوفيد-19.)", "وقال."]),
        ("ماذا قال؟» ثم سكت.", ["ماذا قال؟»", "ثم سكت."]),
        # a terminator inside a quotation does not tear it apart; the closing quote ends it
        (
            'وقال "نتوقع رحلة. هذا مثير." وأوضح ماسك.',
            ['وقال "نتوقع رحلة. هذا مثير."', "وأوضح ماسك."],
        ),
        ("قال «انتهى الأمر. وسنرى». ثم غادر.", ["قال «انتهى الأمر. وسنرى».", "ثم غادر."]),
        # ... unless the quotation is never closed on that line
        ('قال "انتهى. ثم غادر.', ['قال "انتهى.', "ثم غادر."]),
        # a straight quote after the terminator that opens the next sentence
        ('قالت: "لا." "نعم" قال.', ['قالت: "لا."', '"نعم" قال.']),
        # line breaks are boundaries; blank lines vanish
        (
            "سطر أول بلا نقطة\nسطر ثان.\n\n  سطر ثالث  ",
            ["سطر أول بلا نقطة", "سطر ثان.", "سطر ثالث"],
        ),
        ("أ\r\nب", ["أ", "ب"]),
        # Urdu's full stop
        (
            "ملائیشیا میں آپریشن جاری ہے۔ اس میں 25 ممالک مدد کر رہے ہیں۔",
            ["ملائیشیا میں آپریشن جاری ہے۔", "اس میں 25 ممالک مدد کر رہے ہیں۔"],
        ),
        # list markers and letterless pieces
        ("1. البند الأول\n2. البند الثاني", ["1. البند الأول", "2. البند الثاني"]),
        ("...بدأ الأمر", ["...بدأ الأمر"]),
        ("2018\nنص.", ["2018", "نص."]),
        # URLs
        ("راجع http://x.com/a?b=1 الآن.", ["راجع http://x.com/a?b=1 الآن."]),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_pieces_cover_the_text() -> None:
    text = "قال «نعم». ثم؟! نعم... 3.5 بالمئة؛ وانتهى\nسطر"
    joined = "".join(split_sentences(text)).replace(" ", "")
    assert joined == text.replace(" ", "").replace("\n", "")


def test_unwrap_joins_hard_wrapped_prose() -> None:
    wrapped = (
        "تبدأ الغرفة التجارية الصناعية في محافظة الأحساء تنفيذ برامجها التدريبية\n"
        "النسائية اعتباراً من يوم الأحد المقبل وذلك من خلال برنامجين نسائيين بعنوان\n"
        '"فنون التعامل مع الزوج" وذلك في الفترة من 7 - 8 من شهر ربيع الثاني الحالي،\n'
        "بمدينة المبرز التابعة للأحساء.\n"
        " وأوضح مدير التدريب والتطوير بالغرفة بدر الحليبي أن المحاضرة ستتناول في\n"
        "البرنامج الأول دراسة لأفضل توافق زواجي في العالم.\n"
    )
    out = unwrap_lines(wrapped)
    assert out.count("\n") == 1
    assert split_sentences(out)[0].startswith("تبدأ الغرفة") and "التدريبية النسائية" in out
    assert len(split_sentences(out)) == 2


def test_unwrap_leaves_paragraph_text_alone() -> None:
    text = "فقرة أولى كاملة تنتهي بنقطة.\nعنوان فرعي\nفقرة ثانية كاملة.\nفقرة ثالثة كاملة.\n"
    assert unwrap_lines(text) == text
    short = "سطر\nسطر\nسطر\nسطر\nسطر"
    assert unwrap_lines(short) == short  # short lines are a list, not wrapped prose
