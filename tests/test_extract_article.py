"""extract_article() and clean_text() on real pages (fixtures copied from the shared data)."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from bot.arabic import normalize, split_sentences, tokenize
from bot.errors import ExtractionError
from bot.extract import (
    Extracted,
    clean_text,
    clean_text_and_attribution,
    decode_html,
    extract_article,
)
from bot.extract.noise import noise_kind
from bot.summarize import summarize
from bot.summarize.rouge import rouge_n

FIX = Path(__file__).parent / "fixtures" / "text"
CNN = "cnn_arabic_2013_syria-clashes"
JAWHARA = "jawharafm_JA-culture-1-20170225"
MADENAH = "htmldate_almadenahnews_1588107198"
ASSABAH = "assabah_com_tn_article_164913"
PAGES = (CNN, JAWHARA, MADENAH, ASSABAH)


def page(name: str) -> bytes:
    return (FIX / "pages" / f"{name}.html").read_bytes()


@cache
def extracted(name: str) -> Extracted:
    return extract_article(page(name))


def jawhara_reference() -> str:
    raw = (FIX / "expected" / f"{JAWHARA}.ant.txt").read_text("utf-8")
    return raw.split("<TEXT>", 1)[1].split("</TEXT>", 1)[0]


# Boilerplate seen on these pages (checked by eye), none of which may come out.
PAGE_NOISE = (
    "ترحب شبكة CNN بالنقاش",
    "الآراء الواردة أدناه",
    "تحميل",
    "2017/02/25 13:39",
    "(بترا)",
    "المدينة نيوز :-",
    "تم نشره",
    "اصابات بفيروس كورونا",  # a photo caption above the story
    "كورونا يقتل",
    "غائم جزئيا",
    "إضافة تعليق جديد",
    "حوار:",
)


def test_cnn_body_attribution_and_metadata() -> None:
    e = extracted(CNN)
    assert e.title == "معارضون يسيطرون على مخازن للصواريخ بريف دمشق"
    assert e.attribution == "CNN"
    assert e.text.startswith("أكدت جهات سورية معارضة")  # "دمشق، سوريا (CNN) --" went
    assert "(CNN)" not in e.text
    assert e.image_url == (
        "http://i.cdn.turner.com/cnn/arabic/2013/middle_east/8/3/syria.clashes/"
        "Gal.syria.assad.army.jpg_-1_-1.jpg"
    )
    assert e.lang == "ar" and e.encoding == "utf-8"
    reference = (FIX / "expected" / f"{CNN}.txt").read_text("utf-8")
    score = rouge_n(tokenize(e.text), tokenize(reference), 1)
    assert score.precision == 1.0  # nothing but article text (the comment policy is gone)
    assert score.recall > 0.98  # all but the dateline, moved to attribution


def test_jawhara_body_equals_reference() -> None:
    e = extracted(JAWHARA)
    # the body's spelling of the headline (trafilatura's <title> lost the quotes)
    assert normalize(e.title) == normalize('جزء ثالث لـ"الخطاب على الباب" : "الشيخ تحيفة" يوضح')
    assert tokenize(e.text) == tokenize(jawhara_reference())  # no headline, stamp or widget
    assert e.published == date(2017, 2, 25)
    assert e.attribution is None


def test_madenah_attribution_dateline_and_caption() -> None:
    e = extracted(MADENAH)
    assert e.title == "أميركا :50 الفا حصيلة الوفيات بسبب فيروس كورونا"
    assert e.attribution == "المدينة نيوز، بترا"
    assert e.text.startswith("بلغت حصيلة الوفيات")
    assert e.published == date(2020, 4, 24)
    assert e.image_url and e.image_url.startswith("https://")


def test_assabah_snippets() -> None:
    e = extracted(ASSABAH)
    ev = json.loads((FIX / "expected" / f"{ASSABAH}.trafilatura-eval.json").read_text("utf-8"))
    for snippet in ev["with"]:
        assert normalize(snippet) in normalize(e.text)
    for snippet in ev["without"]:
        assert normalize(snippet) not in normalize(e.text)
    assert e.author == "آسيا العتروس"  # from the "حوار: ..." byline, which left the text


@pytest.mark.parametrize("name", PAGES)
def test_no_page_noise_in_text_or_summary(name: str) -> None:
    e = extracted(name)
    summary = summarize(e.text, e.title)
    assert summary
    assert len(summary) <= 600
    for text in (e.text, summary):
        for noise in PAGE_NOISE:
            assert noise not in text, (name, noise)
        for line in text.splitlines():
            assert noise_kind(line) is None, (name, line)
    for sentence in split_sentences(summary):
        assert noise_kind(sentence) is None
        assert normalize(sentence) != normalize(e.title)
    if e.attribution:
        assert f"({e.attribution})" not in summary


@pytest.mark.parametrize(("name", "site"), [
    (CNN, "CNNArabic"), (JAWHARA, "JawharaFM"), (ASSABAH, "Assabah News"),
    (MADENAH, "شركة قنوات البث الأردنية"),
])
def test_site_name_of_real_pages(name: str, site: str) -> None:
    assert extracted(name).site_name == site


@pytest.mark.parametrize(("meta", "site"), [
    ("اليوم السابع", "اليوم السابع"),
    ("LBCI Lebanon", "LBCI Lebanon"),
    ("  اليوم   السابع ", "اليوم السابع"),
    ("beirutobserver.com", "beirutobserver.com"),
    ("https://akhbarelyom.com/", None),  # an address, not a name (seen on akhbarelyom)
    ("www.example.com", None),
    ("ا" * 41, None),
    ("س", None),
])
def test_site_name_must_be_a_name(meta: str, site: str | None) -> None:
    body = " ".join(["نص الخبر الرئيسي عن الاقتصاد والسياسة في المنطقة العربية."] * 8)
    html = (f'<html><head><meta property="og:site_name" content="{meta}"></head>'
            f"<body><article><p>{body}</p><p>{body}</p></article></body></html>")
    assert extract_article(html, "https://news.example/a").site_name == site



def test_bidi_override_controls_are_dropped_from_the_page() -> None:
    # trafilatura drops unprintable characters (its remove_control_characters), these
    # included; feeds get the same from bot.parse.text (bot.controls)
    rlo = "\u202e"
    body = " ".join([f"نص الخبر {rlo}الرئيسي عن الاقتصاد والسياسة في المنطقة العربية."] * 8)
    html = (f'<html><head><meta property="og:site_name" content="اليوم{rlo} السابع">'
            f"<title>عنوان{rlo} الخبر</title>"
            f"</head><body><article><p>{body}</p><p>&#x2066;CNN&#x2069; {body}</p>"
            "</article></body></html>")
    e = extract_article(html, "https://news.example/a")
    assert not any(ch in f"{e.text}{e.title}{e.site_name}"
                   for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "نص الخبر الرئيسي" in e.text and "CNN نص" in e.text
    assert (e.title, e.site_name) == ("عنوان الخبر", "اليوم السابع")


def test_relative_image_url_is_made_absolute() -> None:
    html = (
        '<html><head><meta property="og:image" content="/img/a.jpg"><title>عنوان</title>'
        "</head><body><article><p>" + "نص الخبر الكامل هنا. " * 20 + "</p></article></body></html>"
    )
    e = extract_article(html, "https://example.com/news/1")
    assert e.image_url == "https://example.com/img/a.jpg"
    assert extract_article(html).image_url is None  # relative and no base: no usable URL


# --- encodings ---


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("chardet_chromium_windows-1256_no_charset.html", "cp1256"),
        ("chardet_chromium_iso-8859-6_no_charset.html", "iso8859-6"),
    ],
)
def test_undeclared_arabic_codepages(name: str, codec: str) -> None:
    e = extract_article((FIX / "encodings" / name).read_bytes())
    assert e.encoding == codec
    assert "كتائب الشهيد عز الدين القسام" in e.text
    assert e.lang == "ar"


def _undeclared(html: str) -> str:
    return re.sub(r"<meta[^>]*charset[^>]*>", "", html, flags=re.IGNORECASE)


def test_windows_1256_page_without_declaration_gives_the_same_text() -> None:
    original = page(JAWHARA).decode("utf-8")
    cp1256 = _undeclared(original).encode("cp1256", errors="replace")
    e = extract_article(cp1256)
    assert e.encoding == "cp1256"
    assert tokenize(e.text) == tokenize(extracted(JAWHARA).text)


def test_iso_8859_6_page_without_declaration() -> None:
    body = jawhara_reference()
    html = (
        f"<html><head><title>خبر</title></head><body><article><p>{body}</p></article></body></html>"
    )
    data = html.encode("iso-8859-6", errors="ignore")
    e = extract_article(data)
    assert e.encoding == "iso8859-6"
    expected = tokenize(body.encode("iso-8859-6", errors="ignore").decode("iso-8859-6"))
    assert tokenize(e.text) == expected


def test_http_charset_wins_and_a_wrong_western_label_yields() -> None:
    raw = (FIX / "encodings" / "chardet_chromium_windows-1256_no_charset.html").read_bytes()
    assert extract_article(raw, encoding="windows-1256").encoding == "cp1256"
    assert extract_article(raw, encoding="iso-8859-1").encoding == "cp1256"


def test_a_stray_byte_in_a_utf8_page_does_not_turn_it_into_mojibake() -> None:
    """One invalid byte failed strict UTF-8, and detection read the whole page as cp1251
    or ptcp154 (5 of the 20 real pages): the summary was Cyrillic mojibake."""
    raw = page(JAWHARA)
    broken = raw[: len(raw) // 2] + b"\xff" + raw[len(raw) // 2:]
    text, codec = decode_html(broken)
    assert codec == "utf-8"
    assert text.count("\ufffd") == 1 and text.replace("\ufffd", "") == raw.decode("utf-8")
    undeclared = _undeclared(raw.decode("utf-8")).encode("utf-8")
    assert decode_html(undeclared[:5000] + b"\xc3" + undeclared[5000:])[1] == "utf-8"
    # another encoding has bad UTF-8 all through its Arabic text: still detected
    cp1256 = _undeclared(raw.decode("utf-8")).encode("cp1256", errors="replace")
    assert decode_html(cp1256)[1] == "cp1256"
    # a few Arabic words in windows-1256 on an ASCII page: few bad bytes, but no good
    # multi-byte character at all, so not UTF-8 either
    few = ("<p>" + "x" * 60_000 + "</p><p>خبر عاجل</p>").encode("cp1256")
    assert decode_html(few)[1] != "utf-8"


# Stray bytes put into the Jawhara page's display text (titles, site name, article body),
# none into a URL: (clean text, the bytes standing for it).
STRAY_BYTES = (
    # a byte inside a word of the headline (<title>, og:title, the page's heading)
    ("الشيخ تحيفة", "الشيخ تحي".encode() + b"\xff" + "فة".encode()),
    ('content="JawharaFM"', b'content="Jawhara\xffFM"'),  # inside the og:site_name
    # a Latin-1 / windows-1256 no-break space
    ("الحديث مؤخرا", "الحديث".encode() + b"\xa0" + "مؤخرا".encode()),
    # a letter cut in half (its lead byte left)
    ("المسلسل التونسي", "المسلسل التون".encode() + b"\xd9" + "سي".encode()),
    # a UTF-8 no-break space cut in half (its lead byte left), after ة
    ("التونسية بعد", "التونسية".encode() + b"\xc2" + "بعد".encode()),
)


def stray_bytes_page(*, declared: bool) -> bytes:
    """The Jawhara page as UTF-8 with the :data:`STRAY_BYTES`, declaring its charset in a
    <meta> or not."""
    html = page(JAWHARA).decode("utf-8")
    data = (html if declared else _undeclared(html)).encode("utf-8")
    for clean, broken in STRAY_BYTES:
        assert clean.encode() in data
        data = data.replace(clean.encode(), broken)
    return data


@pytest.mark.parametrize("declared", [True, False])
def test_stray_bytes_in_a_page_never_reach_its_text_title_or_site_name(declared: bool) -> None:
    """A page's U+FFFD went straight into the extracted text, and so into the summary
    pushed to readers («الحديث\ufffdمؤخرا»), the headline of /broadcast URL and preview
    and the source name: only feed text went through drop_replacement_chars. The page,
    with and without its charset declared, now gives the clean page's text: the stray
    no-break space stays a space, a byte inside a word goes, and the cut no-break space
    after ة leaves the two words apart."""
    broken = stray_bytes_page(declared=declared)
    html = page(JAWHARA).decode("utf-8")
    assert broken.decode("utf-8", "replace").count("\ufffd") == sum(
        html.count(clean) for clean, _ in STRAY_BYTES) > 10
    e, clean = extract_article(broken), extracted(JAWHARA)
    assert e.encoding == "utf-8"
    for value in (e.text, e.title, e.site_name or "", e.author or ""):
        assert "\ufffd" not in value
    assert e.text == clean.text and e.title == clean.title
    assert e.site_name == clean.site_name == "JawharaFM"
    assert "الحديث مؤخرا" in e.text and "الدراما التونسية بعد" in e.text
    summary = summarize(e.text, e.title)
    assert summary.startswith("كثُر الحديث مؤخرا في مواقع التواصل")


# --- failures ---


@pytest.mark.parametrize(
    "html",
    [
        b"",
        "   ",
        "<html></html>",
        "<html><body><nav>الرئيسية | اتصل بنا | أعلن معنا</nav><p>شارك</p></body></html>",
        b"\x00\x01\x02 not html at all",
    ],
)
def test_no_usable_text_raises(html: bytes | str) -> None:
    with pytest.raises(ExtractionError) as err:
        extract_article(html)
    assert str(err.value).startswith("extract:")


def test_a_page_with_too_much_markup_is_not_extracted(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.extract import article as article_module

    monkeypatch.setattr(article_module, "MAX_MARKUP", 1_000)  # the test stays quick
    sentence = "أعلنت الحكومة اليوم خطة جديدة لدعم المزارعين. "
    article = f"<article><p>{sentence * 5}</p></article>"
    at_limit = "<html><body><ul>" + "<li>قسم</li>" * 400 + "</ul>" + article
    at_limit = at_limit.replace("<body>", "<body>" + "<br>" * (1_000 - at_limit.count("<")))
    assert at_limit.count("<") == 1_000
    assert "المزارعين" in extract_article(at_limit, "https://a.example/1").text
    over = at_limit.replace("<body>", "<body><br>")
    for page in (over, over.encode()):
        with pytest.raises(ExtractionError) as err:
            extract_article(page, "https://a.example/1")
        assert str(err.value) == ("extract: too much markup to extract (1,001 '<' characters; "
                                  "at most 1,000)")


def test_a_page_too_slow_to_extract_gives_up_and_the_next_page_is_unharmed() -> None:
    # 20,000 list items: trafilatura's list handling is quadratic (~120 s here)
    sentence = "أعلنت الحكومة اليوم خطة جديدة لدعم المزارعين. "
    slow = ("<html><body><ul>" + "<li>قسم</li>" * 19_990 + "</ul><article><p>"
            + sentence * 5 + "</p></article></body></html>")
    before = extract_article(page(JAWHARA), "https://www.jawharafm.net/ar/article/1")
    started = time.process_time()
    with pytest.raises(ExtractionError) as err:
        extract_article(slow, "https://a.example/1", cpu_seconds=0.5)
    assert str(err.value) == "extract: page too slow to extract (gave up after 0.5 s of CPU)"
    assert time.process_time() - started < 5
    after = extract_article(page(JAWHARA), "https://www.jawharafm.net/ar/article/1")
    assert after == before


# --- feed text ---


def test_clean_text_feed_description() -> None:
    raw = (
        "<p>أعلن #الجيش_اليمني عن نزع &quot;الألغام&quot; في #صعدة.</p>"
        "<p>شارك</p><br/>اقرأ أيضا: خبر آخر<br>"
        "<script>var x = 1;</script>فرانس 24/ أ ف ب"
    )
    text, attribution = clean_text_and_attribution(raw)
    assert text == 'أعلن الجيش اليمني عن نزع "الألغام" في صعدة.'
    assert attribution == "فرانس 24/ أ ف ب"


def test_clean_text_drops_truncation_marks_and_headline() -> None:
    raw = "انفجار في المرفأ\nوقع انفجار كبير في مرفأ المدينة صباح اليوم [...]"
    assert clean_text(raw, title="انفجار في المرفأ") == "وقع انفجار كبير في مرفأ المدينة صباح اليوم"


def test_clean_text_keeps_plain_article_text() -> None:
    text = "وقالت شركة فيسبوك إنها ستستأنف الحكم.\nواعتبر موقع فيسبوك الحكم محبطا."
    assert clean_text(text) == text
    assert clean_text("") == ""
