"""Frozen copy of the line-noise filter as it was before the speed-up (commit 0c8c840).

The reference the equivalence tests (tests/test_extract_noise_equivalence.py) and
bench/noise.py compare the current code against: ``bot/extract/noise.py`` whole (its
tables, ``noise_kind``, ``attribution_of``, the dateline splits) and the line cleaning
of ``bot/extract/article.py`` (``_clean_lines``, ``clean_text_and_attribution`` and
what they call), copied verbatim; article.py's ``_SPACES`` is renamed ``_LINE_SPACES``
here (noise.py has a ``_SPACES`` of its own). Do not edit: it is the definition of "same output".
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from bot.arabic.normalize import normalize
from bot.arabic.tokens import tokenize_normalized


@lru_cache(maxsize=1024)
def normalized(text: str) -> str:
    """:func:`bot.arabic.normalize`, remembered: cleaning and summarizing ask for the same
    line or sentence several times (noise kind, attribution, dedup key, terms)."""
    return normalize(text)


@lru_cache(maxsize=1024)
def normalized_tokens(text: str) -> tuple[str, ...]:
    """The tokens of :func:`normalized` ``text``, remembered likewise."""
    return tuple(tokenize_normalized(normalized(text)))


def _norm_all(words: str) -> frozenset[str]:
    return frozenset(normalize(w) for w in words.split())


# --- whole-line vocabularies: a line made only of these words (and separators) is noise ---

# Share widgets and social buttons.
_SHARE: Final = _norm_all(
    """شارك شاركها شاركه شارك الخبر مشاركة المشاركة انشر نشر تويتر تويتير فيسبوك فيس بوك
    واتساب واتس اب وتساب تيليجرام تليجرام تلغرام تيلجرام تلجرام لينكدان لينكد ان انستغرام
    انستجرام انستقرام يوتيوب جوجل بلس ماسنجر مسنجر ايميل البريد الإلكتروني الالكتروني
    طباعة اطبع نسخ الرابط رابط المختصر حفظ تغريد غرد على عبر في مع
    facebook twitter whatsapp telegram linkedin pinterest email e mail print share tweet
    google plus reddit messenger copy link sms save x on via"""
)
# Font-size controls.
_FONT: Final = _norm_all("تكبير تصغير حجم الخط خط النص إعادة ضبط a font size")
_FONT_MARKERS: Final = _norm_all("الخط خط font")
# Navigation and interface words (menus, pagers, breadcrumbs).
_NAV: Final = _norm_all(
    """الرئيسية الصفحة الرئيسيه التالي السابق المزيد عرض تحميل القائمة بحث ابحث دخول تسجيل
    الدخول خروج أعلى العودة للأعلى إغلاق home next previous prev more menu search login
    logout close back top"""
)

# Phrases that make a line noise when the line holds nothing else (besides separators,
# digits and other such phrases). Label -> phrases.
_PHRASES: Final[dict[str, tuple[str, ...]]] = {
    "advertise": (
        "أعلن معنا",
        "اعلن معنا",
        "للإعلان معنا",
        "للإعلان",
        "advertise with us",
        "advertise",
    ),
    "contact": ("اتصل بنا", "اتصلوا بنا", "تواصل معنا", "راسلنا", "contact us", "contact"),
    "about": (
        "من نحن",
        "عن الموقع",
        "سياسة الخصوصية",
        "شروط الاستخدام",
        "اتفاقية الاستخدام",
        "خريطة الموقع",
        "هيئة التحرير",
        "about us",
        "privacy policy",
        "terms of use",
        "terms of service",
        "cookie policy",
        "sitemap",
    ),
    "ad": (
        "إضافة إعلان",
        "أضف إعلانك",
        "إعلان",
        "إعلانات",
        "مساحة إعلانية",
        "محتوى مدعوم",
        "محتوى ممول",
        "إعلان ممول",
        "advertisement",
        "ads",
        "ad",
        "sponsored",
    ),
    "comments": (
        "إضافة تعليق جديد",
        "إضافة تعليق",
        "أضف تعليق",
        "أضف تعليقك",
        "اترك تعليقا",
        "التعليقات",
        "تعليقات",
        "تعليق",
        "comments",
        "comment",
    ),
}

# --- prefixes: a *short* line that starts with one of these is noise ---
_PREFIXES: Final[dict[str, tuple[str, ...]]] = {
    "read_more": (
        "اقرأ أيضا",
        "اقرأ كذلك",
        "اقرأ المزيد",
        "إقرأ أيضا",
        "اقرأ ايضا",
        "شاهد أيضا",
        "شاهد الفيديو",
        "طالع أيضا",
        "اطلع أيضا",
        "للمزيد",
        "المزيد من الأخبار",
        "مواضيع ذات صلة",
        "أخبار ذات صلة",
        "مقالات ذات صلة",
        "ذات صلة",
        "قد يهمك",
        "قد يعجبك",
        "ننصحك بقراءة",
        "read more",
        "read also",
        "related",
        "see also",
        "you may also like",
    ),
    "tags": (
        "الكلمات المفتاحية",
        "كلمات مفتاحية",
        "الكلمات الدلالية",
        "كلمات دلالية",
        "الوسوم",
        "وسوم",
        "tags",
        "tag",
        "مواضيع متعلقة",
    ),
    "photo": (
        "تصوير",
        "مصدر الصورة",
        "الصورة",
        "صورة",
        "صور",
        "بعدسة",
        "photo",
        "credit",
        "image",
        "getty images",
    ),
    "subscribe": (
        "اشترك",
        "اشتركوا",
        "للاشتراك",
        "سجل الآن",
        "تابعونا",
        "تابعنا",
        "تابعوا",
        "حمل تطبيق",
        "حملوا تطبيق",
        "لمتابعة آخر الأخبار",
        "subscribe",
        "follow us",
        "sign up",
        "download the app",
    ),
    "byline": (
        "كتب",
        "كتبت",
        "بقلم",
        "حوار",
        "إعداد",
        "تحرير",
        "ترجمة",
        "متابعات",
        "by",
    ),
}
# How many tokens a line may have for a prefix rule to apply.
_PREFIX_MAX_TOKENS: Final = {
    "read_more": 25,
    "tags": 30,
    "photo": 12,
    "subscribe": 20,
    "byline": 6,
}
# For these labels the prefix must be followed by a colon or dash ("صورة: ..."), or be the
# whole line: the bare words start ordinary sentences too ("كتب الوزير ...").
_NEEDS_PUNCT: Final = frozenset({"photo", "byline", "tags"})

# --- substrings: a line (up to a length) containing one of these is noise ---
_CONTAINS: Final[tuple[tuple[str, tuple[str, ...], int], ...]] = (
    (
        "copyright",
        (
            "جميع الحقوق محفوظة",
            "كل الحقوق محفوظة",
            "الحقوق محفوظة",
            "حقوق النشر",
            "حقوق الطبع",
            "all rights reserved",
            "copyright",
            "©",
        ),
        30,
    ),
    (
        "disclaimer",
        (
            "لا تعبر عن رأي",
            "لا تعبر بالضرورة عن",
            "تعبر عن رأي أصحابها",
            "تعبر عن وجهة نظر كاتبها",
            "على مسؤولية كاتبها",
            "إرشادات الاستخدام",
        ),
        60,
    ),
    ("photo", ("getty images", "shutterstock", "istock", "afp/getty", "مصدر الصورة"), 12),
    ("click", ("اضغط هنا", "انقر هنا", "click here"), 15),
    ("subscribe", ("النشرة البريدية", "newsletter"), 20),
    ("feed_footer", ("ظهرت المقالة", "appeared first on"), 40),
)

# --- dates and times ---
_MONTHS: Final = _norm_all(
    """يناير فبراير مارس أبريل ابريل إبريل مايو يونيو يونيه يوليو يوليه أغسطس سبتمبر أكتوبر
    نوفمبر ديسمبر كانون الثاني شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين الأول
    جانفي فيفري أفريل ماي جوان جويلية أوت محرم صفر ربيع الآخر جمادى رجب شعبان رمضان شوال
    ذو القعدة الحجة january february march april may june july august september october
    november december jan feb mar apr jun jul aug sep sept oct nov dec"""
)
_TIME_WORDS: Final = _norm_all(
    """السبت الأحد الاحد الإثنين الاثنين الثلاثاء الأربعاء الاربعاء الخميس الجمعة
    ص م صباحا صباحاً مساء مساءً ظهرا فجرا هـ ه الموافق بتوقيت غرينتش جرينتش مكة المكرمة
    القدس القاهرة gmt utc am pm تم نشره نشر نشرت في تاريخ النشر آخر اخر تحديث تحديثه محدث
    منذ ساعة ساعه ساعات دقيقة دقائق يوم أيام ايام قبل أسبوع last updated published on at
    monday tuesday wednesday thursday friday saturday sunday"""
)
_DATE_WORDS: Final = _MONTHS | _TIME_WORDS
_DATE_RE: Final = re.compile(
    r"\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,4}|\d{1,2}:\d{2}(?::\d{2})?"
)
_RELATIVE_RE: Final = re.compile(r"^منذ\s+\d+\s+\S+$")

_SEPARATORS: Final = re.compile(r"[|•·»«>‹›/\\\-–—_=*:;,،؛.!?؟()\[\]{}\"'“”’+#]+")
_SPACES: Final = re.compile(r"\s+")


def _strip_punct(normalized: str) -> str:
    return _SPACES.sub(" ", _SEPARATORS.sub(" ", normalized)).strip()


def _phrase_re(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")


def _only_phrases(bare: str, pattern: re.Pattern[str]) -> bool:
    """True if ``bare`` is nothing but the phrases of ``pattern`` (and numbers)."""
    rest, found = pattern.subn(" ", bare)
    return found > 0 and not _DIGITS_SPACES.sub("", rest)


_DIGITS_SPACES: Final = re.compile(r"[\d\s]+")
_PHRASES_RE: Final = {k: _phrase_re(tuple(normalize(p) for p in v)) for k, v in _PHRASES.items()}
_ALL_PHRASES_RE: Final = _phrase_re(tuple(normalize(p) for v in _PHRASES.values() for p in v))
_PREFIXES_N: Final = {k: tuple(normalize(p) for p in v) for k, v in _PREFIXES.items()}
# "prefix:" / "prefix -" at the start of the (normalized) line
_PREFIX_PUNCT_RE: Final = {
    k: tuple(
        re.compile(r"^\W*" + r"\s+".join(map(re.escape, p.split())) + r"\s*[:\-–—|]") for p in v
    )
    for k, v in _PREFIXES_N.items()
}
_CONTAINS_N: Final = tuple(
    (label, tuple(normalize(p) for p in phrases), limit) for label, phrases, limit in _CONTAINS
)


def _is_number(token: str) -> bool:
    return token[:1].isdigit()


def _is_timestamp(norm: str, tokens: list[str]) -> bool:
    """A line that only dates the article: "2017/03/02 10:22", "تم نشره الجمعة 24 نيسان /
    أبريل 2020 09:22 مساءً", "منذ 3 ساعات", optionally after a one- or two-word section
    label ("ثقافة 2017/02/25 13:39")."""
    end = norm.rstrip()[-1:]
    if end in (":", ".", "!", "?", "؟"):
        return False  # "الخميس 02 مارس 2017:" introduces a schedule; "... 2017." is prose
    if _RELATIVE_RE.match(norm):
        return True
    has_date = bool(_DATE_RE.search(norm)) or (
        any(t in _MONTHS for t in tokens) and any(_is_number(t) for t in tokens)
    )
    if not has_date:
        return False
    rest = [i for i, t in enumerate(tokens) if not _is_number(t) and t not in _DATE_WORDS]
    # what is left may only be a short label in front of the stamp
    return len(rest) <= 2 and rest == list(range(len(rest)))


def noise_kind(line: str) -> str | None:
    """The kind of page noise ``line`` is, or None for article text.

    Kinds: share, font, nav, advertise, contact, about, ad, comments, read_more, tags,
    photo, subscribe, byline, copyright, disclaimer, click, feed_footer, timestamp.
    """
    norm = normalized(line)
    if not norm:
        return None
    tokens = list(normalized_tokens(line))
    if not tokens:
        return "nav" if re.search(r"[|•»>]", norm) else None  # "| | |", "» »"
    bare = _strip_punct(norm)
    n = len(tokens)

    if n <= 12:
        words = [t for t in tokens if not t.isdigit()]
        token_set = set(words)
        if words and token_set <= _SHARE:
            return "share"
        if token_set and token_set <= _FONT and (token_set & _FONT_MARKERS or "+" in norm):
            return "font"
        if token_set and token_set <= _NAV:
            return "nav"
        for label, pattern in _PHRASES_RE.items():
            if _only_phrases(bare, pattern):
                return label
        if _only_phrases(bare, _ALL_PHRASES_RE):
            return "nav"  # a footer row mixing several of the phrases above
        # menus and breadcrumbs: several short cells between separators
        cells = [c.strip() for c in re.split(r"[|•»>]", norm) if c.strip()]
        if len(cells) >= 3 and all(len(c.split()) <= 3 for c in cells):
            return "nav"

    for label, prefixes in _PREFIXES_N.items():
        if n > _PREFIX_MAX_TOKENS[label]:
            continue
        for prefix, punct_re in zip(prefixes, _PREFIX_PUNCT_RE[label], strict=True):
            if not (bare == prefix or bare.startswith(prefix + " ")):
                continue
            if (
                label in _NEEDS_PUNCT
                and bare != prefix
                and not punct_re.match(norm)
                and not (label == "photo" and n <= 4)
            ):
                continue
            return label

    for label, phrases, limit in _CONTAINS_N:
        if n <= limit and any(p in norm for p in phrases):
            return label

    if n <= 12 and _is_timestamp(norm, tokens):
        return "timestamp"
    return None


def is_noise(line: str) -> bool:
    """True when ``line`` is page noise rather than article text."""
    return noise_kind(line) is not None


# --- agency attribution ---

_AGENCIES: Final = tuple(
    normalize(a)
    for a in (
        "رويترز",
        "أ ف ب",
        "اف ب",
        "فرانس برس",
        "وكالة فرانس برس",
        "فرانس 24",
        "د ب أ",
        "أ ب",
        "أسوشيتد برس",
        "أسوشييتد برس",
        "يو بي آي",
        "وكالات",
        "واس",
        "وام",
        "قنا",
        "كونا",
        "بترا",
        "سانا",
        "وفا",
        "معا",
        "الأناضول",
        "شينخوا",
        "سبوتنيك",
        "إرنا",
        "تسنيم",
        "سي إن إن",
        "بي بي سي",
        "العربية نت",
        "سكاي نيوز عربية",
        "cnn",
        "bbc",
        "afp",
        "reuters",
        "ap",
        "dpa",
        "upi",
        "xinhua",
        "anadolu",
    )
)
_AGENCY_TOKENS: Final = tuple(sorted((a.split() for a in _AGENCIES), key=len, reverse=True))
_SOURCE_LABELS: Final = tuple(
    normalize(s) for s in ("المصدر", "المصادر", "مصدر الخبر", "نقلا عن", "source", "sources")
)


def _is_agency_sequence(tokens: list[str]) -> bool:
    """True if ``tokens`` is one or more known agency names (and "و" between them)."""
    i = 0
    found = False
    while i < len(tokens):
        if tokens[i] in ("و", "and") and found:
            i += 1
            continue
        for agency in _AGENCY_TOKENS:
            if tokens[i : i + len(agency)] == agency:
                i += len(agency)
                found = True
                break
        else:
            return False
    return found


_EDGE: Final = " \t-–—_:;.,،()[]{}«»\"'*|"


def attribution_of(line: str) -> str | None:
    """The agency or source named by an attribution-only line, else None.

    >>> attribution_of("--(بترا)"), attribution_of("المصدر: سكاي نيوز عربية")
    ('بترا', 'سكاي نيوز عربية')
    """
    text = line.strip()
    tokens = list(normalized_tokens(text))
    if not tokens or len(tokens) > 8:
        return None
    stripped = text.strip(_EDGE)
    norm = normalize(stripped)
    for label in _SOURCE_LABELS:
        if norm.startswith(label) and norm[len(label) :].lstrip()[:1] in (":", "-", "–", "—"):
            name = re.split(r"[:\-–—]", stripped, maxsplit=1)[-1].strip(_EDGE)
            if name and len(tokenize_normalized(normalize(name))) <= 6:
                return name
            return None
    if _is_agency_sequence(tokens):
        return stripped
    return None


# "دمشق، سوريا (CNN) -- ", "القاهرة (رويترز) - ", "(CNN)-- ", "باريس - أ ف ب: ",
# "المدينة نيوز :- "
_DATELINE_PAREN: Final = re.compile(
    r"^\s*(?P<place>[^\n()\d]{0,50}?)\s*\((?P<agency>[^()\n]{1,40})\)\s*(?:[-–—:]+\s*|\s+)"
)
_DATELINE_DASH: Final = re.compile(
    r"^\s*(?P<place>[^\n()\d:\-–—]{0,40}?)\s*[-–—]\s*(?P<agency>[^\n:\-–—]{1,25}?)\s*[:\-–—]+\s*"
)
_SITE_PREFIX: Final = re.compile(r"^\s*(?P<agency>[^\n:.،\d]{2,30}?)\s*:\s*-+\s*")


def split_dateline(paragraph: str) -> tuple[str, str | None]:
    """Take a leading dateline with an agency off ``paragraph``: (rest, agency or None).

    >>> split_dateline("دمشق، سوريا (CNN) -- أكدت جهات معارضة")
    ('أكدت جهات معارضة', 'CNN')
    """
    m = _DATELINE_PAREN.match(paragraph)
    if m and len(m.group("place").split()) <= 5:
        agency = m.group("agency").strip()
        if _is_agency_sequence(tokenize_normalized(normalize(agency))):
            return paragraph[m.end() :].lstrip(), agency
    m = _DATELINE_DASH.match(paragraph)
    if m and 1 <= len(m.group("place").split()) <= 4:
        agency = m.group("agency").strip()
        if _is_agency_sequence(tokenize_normalized(normalize(agency))):
            return paragraph[m.end() :].lstrip(), agency
    m = _SITE_PREFIX.match(paragraph)  # "المدينة نيوز :- "
    if m and len(m.group("agency").split()) <= 3:
        return paragraph[m.end() :].lstrip(), m.group("agency").strip()
    return paragraph, None


_TRAILING: Final = re.compile(r"\s*[-–—]*\s*\((?P<agency>[^()\n]{1,40})\)\s*[.]?\s*$")


def split_trailing_attribution(paragraph: str) -> tuple[str, str | None]:
    """Take a trailing "(رويترز)" off ``paragraph``: (rest, agency or None)."""
    m = _TRAILING.search(paragraph)
    if m and m.start() > 0:
        agency = m.group("agency").strip()
        if _is_agency_sequence(tokenize_normalized(normalize(agency))):
            return paragraph[: m.start()].rstrip(), agency
    return paragraph, None




# --- bot/extract/article.py (line cleaning) ---


# Lines at least this long are printed once (pull quotes and captions repeated by pages).
_DEDUP_MIN_TOKENS = 8


@dataclass(frozen=True, slots=True)
class _Cleaned:
    lines: list[str]
    attributions: list[str]
    bylines: list[str]
    stamps: list[str]  # timestamp lines met in the first lines


_LINE_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—:]{1,2}\s+|\s*\|\s*")


def _near_same(a: str, b: str) -> bool:
    """Same words, give or take punctuation and a couple of tokens."""
    # normalized_tokens is cached: the headline meets each of the first lines
    ta, tb = normalized_tokens(a), normalized_tokens(b)
    if not ta or not tb:
        return False
    if "".join(ta) == "".join(tb):  # also when only spacing differs: لـ"الخطاب" / لـالخطاب
        return True
    sa, sb = set(ta), set(tb)
    return len(sa & sb) / len(sa | sb) >= 0.8


def _is_caption(line: str) -> bool:
    return len(tokenize_normalized(normalize(line))) <= 12 and line[-1:] not in '.!?؟…»"'


def _clean_lines(raw_lines: list[str], title: str = "") -> _Cleaned:
    title_parts = [p for p in _TITLE_SEPARATORS.split(title) if p.strip()] if title else []
    title_forms = [title, *title_parts] if title else []
    lines: list[str] = []
    attributions: list[str] = []
    bylines: list[str] = []
    stamps: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_lines):
        line = _LINE_SPACES.sub(" ", raw).strip()
        if not line:
            continue
        if not lines and index < 4 and any(_near_same(line, t) for t in title_forms):
            continue  # the headline, repeated at the top of the body
        agency = attribution_of(line)
        if agency:
            attributions.append(agency)
            continue
        kind = noise_kind(line)
        if kind is not None:
            if kind == "byline":
                bylines.append(line)
            elif kind == "timestamp" and not lines:
                stamps.append(line)
            continue
        key = normalized(line)
        if key in seen:
            continue  # a pull quote or caption printed twice
        if len(tokenize_normalized(key)) >= _DEDUP_MIN_TOKENS:
            seen.add(key)  # short lines may repeat for real ("الساعة الثالثة :" in a schedule)
        lines.append(line)
    for k, line in enumerate(lines[:3]):
        rest, agency = split_dateline(line)
        if agency:
            # The dateline opens the story: short lines above it are captions or kickers.
            kept = [ln for ln in lines[:k] if not _is_caption(ln)]
            lines = [*kept, rest, *lines[k + 1 :]]
            attributions.insert(0, agency)
            break
    if lines:
        last, agency = split_trailing_attribution(lines[-1])
        if agency:
            attributions.append(agency)
            lines[-1] = last
    lines = [ln for ln in lines if ln]
    return _Cleaned(lines, attributions, bylines, stamps)


def _join_attributions(found: list[str]) -> str | None:
    unique: list[str] = []
    keys: set[str] = set()
    for a in found:
        key = normalize(a)
        if key not in keys:
            keys.add(key)
            unique.append(a)
    return "، ".join(unique) if unique else None


_BLOCK_TAGS = re.compile(
    r"<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|h[1-6]|/tr|tr|/blockquote|blockquote)\b[^>]*>",
    re.IGNORECASE,
)
_DROP_ELEMENTS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)
_HASHTAG = re.compile(r"#(\w+)")
_TRUNCATION = re.compile(r"\s*(?:\[\s*(?:\.\.\.|…)\s*\]|\(\s*(?:\.\.\.|…)\s*\))\s*$")


def _strip_html(text: str) -> str:
    for _ in range(2):  # feeds double-escape now and then: "&lt;p&gt;"
        if "&" not in text:
            break
        text = html_lib.unescape(text)
    if "<" in text:
        text = _DROP_ELEMENTS.sub(" ", text)
        text = _BLOCK_TAGS.sub("\n", text)
        text = _TAG.sub("", text)
    return text


def clean_text_and_attribution(text: str, title: str = "") -> tuple[str, str | None]:
    """:func:`clean_text`, also returning the attribution it took out."""
    text = _strip_html(text)
    text = _HASHTAG.sub(lambda m: m.group(1).replace("_", " ").strip(), text)
    lines = [_TRUNCATION.sub("", ln) for ln in text.splitlines()]
    cleaned = _clean_lines(lines, title)
    return "\n".join(cleaned.lines), _join_attributions(cleaned.attributions)


