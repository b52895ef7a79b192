"""The line-level noise filter and the attribution split."""

from __future__ import annotations

import pytest

from bot.extract.noise import (
    attribution_of,
    noise_kind,
    split_dateline,
    split_trailing_attribution,
)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("شارك", "share"),
        ("تويتر فيسبوك واتساب", "share"),
        ("شارك على فيسبوك", "share"),
        ("Facebook Twitter WhatsApp Email", "share"),
        ("A+ A-", "font"),
        ("تكبير الخط", "font"),
        ("تصغير الخط", "font"),
        ("حجم الخط", "font"),
        ("أعلن معنا", "advertise"),
        ("Advertise with us", "advertise"),
        ("اتصل بنا", "contact"),
        ("Contact us", "contact"),
        ("إعلان", "ad"),
        ("إضافة إعلان", "ad"),
        ("Advertisement", "ad"),
        ("من نحن | اتصل بنا | أعلن معنا", "nav"),
        ("الرئيسية » أخبار » سياسة", "nav"),
        ("|  | تحميل |  |", "nav"),
        ("التالي", "nav"),
        ("جميع الحقوق محفوظة © 2020", "copyright"),
        ("**حقوق النشر محفوظة لمجلة القافلة، أرامكو السعودية", "copyright"),
        ("© 2024 BBC", "copyright"),
        ("تصوير: محمد علي", "photo"),
        ("مصدر الصورة Getty Images", "photo"),
        ("الصورة: رويترز", "photo"),
        ("اقرأ أيضا: الرئيس يزور باريس", "read_more"),
        ("إقرأ أيضاً", "read_more"),
        ("أخبار ذات صلة", "read_more"),
        ("الوسوم: غزة، إسرائيل", "tags"),
        ("الكلمات المفتاحية", "tags"),
        ("ثقافة 2017/02/25 13:39", "timestamp"),
        ("متفرقات2017/03/02 10:22", "timestamp"),
        ("تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً", "timestamp"),
        ("آخر تحديث: 2020-06-03 10:15", "timestamp"),
        ("منذ 3 ساعات", "timestamp"),
        ("الأحد 12 يناير 2020", "timestamp"),
        ("حوار: آسيا العتروس", "byline"),
        ("بقلم: سمير عطا الله", "byline"),
        ("إضافة تعليق جديد", "comments"),
        ("تعليقات (3)", "comments"),
        (
            "الآراء الواردة أدناه لا تعبر عن رأي موقع CNN بالعربية، بل تعكس وجهات نظر أصحابها فقط.",
            "disclaimer",
        ),
        ("ننصحك بمراجعة إرشادات الاستخدام للتعرف إليها جيداً.", "disclaimer"),
        ("تابعونا على تويتر", "subscribe"),
        ("اشترك في النشرة البريدية", "subscribe"),
        ("اضغط هنا لمشاهدة الفيديو", "click"),
        ("ظهرت المقالة الخبر أولاً على موقع الصحيفة", "feed_footer"),
    ],
)
def test_noise_lines(line: str, kind: str) -> None:
    assert noise_kind(line) == kind


@pytest.mark.parametrize(
    "line",
    [
        "وقالت شركة فيسبوك إنها ستستأنف الحكم الصادر ضدها.",
        'واعتبر موقع فيسبوك الحكم "محبطا".',
        "وشارك في بطولته كل من خالد سرحان وحلا شيحة.",
        "ونشرت الصورة في إطار حملة إعلانية جديدة للشركة.",
        "كتب الوزير رسالة إلى رئيس الحكومة",
        "إحصاءات",
        "فساد واحتيال",
        "وقع الحادث في 2017/02/25.",
        "الخميس 02 مارس 2017:",
        "2018",
        "أكد الناطق الرسمي اليوم الخميس 2 مارس 2017 أن القرار نهائي.",
        "اتصل الرئيس بنظيره الفرنسي لبحث الأزمة.",
        "تصوير فيلم جديد في القاهرة يبدأ الشهر المقبل بمشاركة نجوم عرب",
        "",
    ],
)
def test_article_lines_are_not_noise(line: str) -> None:
    assert noise_kind(line) is None


@pytest.mark.parametrize(
    ("line", "agency"),
    [
        ("(رويترز)", "رويترز"),
        ("--(بترا)", "بترا"),
        ("أ ف ب", "أ ف ب"),
        ("(د ب أ)", "د ب أ"),
        ("وكالات", "وكالات"),
        ("فرانس 24/ أ ف ب", "فرانس 24/ أ ف ب"),
        ("المصدر: وكالات", "وكالات"),
        ("المصدر : سكاي نيوز عربية", "سكاي نيوز عربية"),
        ("(CNN)", "CNN"),
    ],
)
def test_attribution_lines(line: str, agency: str) -> None:
    assert attribution_of(line) == agency


@pytest.mark.parametrize(
    "line", ["قال مصدر مطلع إن الوفد وصل", "المصدر", "رويترز تقول إن الأسعار سترتفع كثيرا", ""]
)
def test_not_attribution(line: str) -> None:
    assert attribution_of(line) is None


@pytest.mark.parametrize(
    ("paragraph", "rest", "agency"),
    [
        ("دمشق، سوريا (CNN) -- أكدت جهات معارضة", "أكدت جهات معارضة", "CNN"),
        ("(CNN)--\u00a0قال هيربيرت ماكماستر", "قال هيربيرت ماكماستر", "CNN"),
        ("دبي، الإمارات العربية المتحدة (CNN)— قال", "قال", "CNN"),
        ("القاهرة (رويترز) - قال مسؤول", "قال مسؤول", "رويترز"),
        ("باريس - أ ف ب: أعلن الرئيس", "أعلن الرئيس", "أ ف ب"),
        ("المدينة نيوز :-  بلغت حصيلة", "بلغت حصيلة", "المدينة نيوز"),
        ("الرياض - أعلنت وزارة الصحة", "الرياض - أعلنت وزارة الصحة", None),
        ("الشرطة (المحلية) - قالت", "الشرطة (المحلية) - قالت", None),
        (
            "الساعة الثانية و النصف بعد الظهر : - الشبيبة",
            "الساعة الثانية و النصف بعد الظهر : - الشبيبة",
            None,
        ),
    ],
)
def test_dateline(paragraph: str, rest: str, agency: str | None) -> None:
    assert split_dateline(paragraph) == (rest, agency)


@pytest.mark.parametrize(
    ("paragraph", "rest", "agency"),
    [
        ("أعلن الوزير القرار. (رويترز)", "أعلن الوزير القرار.", "رويترز"),
        ("انتهى الخبر - (أ ف ب).", "انتهى الخبر", "أ ف ب"),
        ("وأضاف البيان (رسميا)", "وأضاف البيان (رسميا)", None),
    ],
)
def test_trailing_attribution(paragraph: str, rest: str, agency: str | None) -> None:
    assert split_trailing_attribution(paragraph) == (rest, agency)


def test_prefixes_are_words_of_letters() -> None:
    """noise_kind() looks for a prefix only when the line's first token is the first word
    of one: that needs every prefix to be words of letters, one token each."""
    from bot.arabic.tokens import tokenize_normalized
    from bot.extract.noise import _PREFIXES_N

    for prefixes in _PREFIXES_N.values():
        for prefix in prefixes:
            words = prefix.split()
            assert tokenize_normalized(prefix) == words
            assert all(w.isalpha() for w in words), prefix
