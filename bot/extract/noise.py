"""Line-level page noise: what a scraped news page leaves around its article.

:func:`noise_kind` labels one line of extracted text (or says it is article text);
:func:`attribution_of` recognises agency attribution lines ("(رويترز)", "أ ف ب",
"المصدر: وكالات"), and :func:`split_dateline` / :func:`split_trailing_attribution` take
an attribution off the start or end of a paragraph ("دمشق، سوريا (CNN) -- أكدت ...").

Matching is done on the normalized form (:func:`bot.arabic.normalize`), so "إقرأ أيضاً"
and "اقرا ايضا" are the same phrase. The rules are deliberately tied to *short* lines or to
whole-line patterns: a real paragraph that merely mentions Facebook or an advertisement is
article text. Everything here is a pure function.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from bot.arabic.normalize import normalize
from bot.arabic.tokens import _TOKEN, tokenize_normalized  # _TOKEN: tokenize_normalized's


@lru_cache(maxsize=1024)
def normalized(text: str) -> str:
    """:func:`bot.arabic.normalize`, remembered: cleaning and summarizing ask for the same
    line or sentence several times (noise kind, attribution, dedup key, terms)."""
    return normalize(text)


@lru_cache(maxsize=1024)
def normalized_tokens(text: str) -> tuple[str, ...]:
    """The tokens of :func:`normalized` ``text`` (:func:`bot.arabic.tokenize_normalized`),
    remembered likewise."""
    tokens: list[str] = []
    # Tokens never hold a space, and a word that is all letters is one token (most words
    # are): only the others need the token pattern. Same tokens, about twice as fast.
    for word in normalized(text).split():
        if word.isalpha():
            tokens.append(word)
        else:
            tokens += _TOKEN.findall(word)
    return tuple(tokens)


@lru_cache(maxsize=1024)
def _letter_words(text: str) -> int:
    """How many of the first 61 words (between spaces) of :func:`normalized` ``text`` are
    all letters.

    Each of them is one token, and the other words hold zero or more: so this is a lower
    bound of ``len(normalized_tokens(text))`` that costs a split, not a tokenization. (No
    rule is for lines over 60 tokens: the words past the 61st need no counting.)"""
    words = normalized(text).split(maxsplit=_COUNTED_WORDS)
    if len(words) > _COUNTED_WORDS:
        del words[-1]  # all the rest, unsplit
    return sum(map(str.isalpha, words))


def more_tokens_than(text: str, limit: int) -> bool:
    """``len(normalized_tokens(text)) > limit``, tokenizing ``text`` only when counting its
    all-letter words cannot tell (the rules below are for short lines: most lines are not)."""
    return _letter_words(text) > limit or len(normalized_tokens(text)) > limit


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


@lru_cache(maxsize=256)  # a short line may need it for two rules
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


# --- shortcuts: what each rule needs of a line, to skip the rules that cannot fire ---
# (They only skip work: whenever a rule may apply, it is checked exactly as written above.
# tests/test_extract_noise_equivalence.py compares with the code before the shortcuts.)

# The most tokens a line may have for any rule to apply (tags prefixes 30, disclaimer 60).
_MAX_TOKENS: Final = max(*_PREFIX_MAX_TOKENS.values(), *(limit for _, _, limit in _CONTAINS))
_COUNTED_WORDS: Final = _MAX_TOKENS + 1  # see _letter_words()
# The short-line rules (vocabularies, phrases, menus, timestamps) are for up to 12 tokens:
# over that, only a prefix or a contains rule can apply.
_SHORT_MAX_TOKENS: Final = 12
# A line made only of _PHRASES (and numbers) has no word token outside these.
_PHRASE_TOKENS: Final = frozenset(
    t for v in _PHRASES.values() for p in v for t in tokenize_normalized(normalize(p))
)
# The prefixes are whole words of letters (a test checks it), so the line after
# _strip_punct starts with a prefix only if its first token is the prefix's first word.
_PREFIX_FIRST_WORDS: Final = {k: frozenset(p.split()[0] for p in v) for k, v in _PREFIXES_N.items()}
_ANY_PREFIX_FIRST_WORD: Final = frozenset().union(*_PREFIX_FIRST_WORDS.values())
_MAX_PREFIX_TOKENS: Final = max(_PREFIX_MAX_TOKENS.values())
# The _CONTAINS phrases that apply to a line of n tokens, with their labels, in rule order.
_CONTAINS_BY_N: Final = tuple(
    tuple((p, label) for label, phrases, limit in _CONTAINS_N if n <= limit for p in phrases)
    for n in range(_MAX_TOKENS + 1)
)


def _shortest_cover(phrases: list[str]) -> tuple[str, ...]:
    """``phrases`` but those containing another one: a text holds one of ``phrases`` iff
    it holds one of these."""
    return tuple(p for p in phrases if not any(q != p and q in p for q in phrases))


# For a line of at least n tokens: is any _CONTAINS phrase that may apply in it?
_MAY_CONTAIN: Final = tuple(_shortest_cover([p for p, _ in group]) for group in _CONTAINS_BY_N)
_MENU_SEPARATORS: Final = re.compile(r"[|•»>]")


def _is_number(token: str) -> bool:
    return token[:1].isdigit()


def _is_timestamp(norm: str, tokens: tuple[str, ...]) -> bool:
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


def _short_line_kind(norm: str, tokens: tuple[str, ...]) -> str | None:
    """The rules for lines of up to 12 tokens, but the prefix, contains and timestamp ones."""
    words = [t for t in tokens if not t.isdigit()]
    token_set = set(words)
    if words and token_set <= _SHARE:
        return "share"
    if token_set and token_set <= _FONT and (token_set & _FONT_MARKERS or "+" in norm):
        return "font"
    if token_set and token_set <= _NAV:
        return "nav"
    if all(t in _PHRASE_TOKENS or _is_number(t) for t in tokens):
        bare = _strip_punct(norm)
        for label, pattern in _PHRASES_RE.items():
            if _only_phrases(bare, pattern):
                return label
        if _only_phrases(bare, _ALL_PHRASES_RE):
            return "nav"  # a footer row mixing several of the phrases above
    # menus and breadcrumbs: several short cells between separators
    cells = [c.strip() for c in _MENU_SEPARATORS.split(norm) if c.strip()]
    if len(cells) >= 3 and all(len(c.split()) <= 3 for c in cells):
        return "nav"
    return None


def _prefix_kind(norm: str, first: str, n: int) -> str | None:
    bare = _strip_punct(norm)
    for label, prefixes in _PREFIXES_N.items():
        if n > _PREFIX_MAX_TOKENS[label] or first not in _PREFIX_FIRST_WORDS[label]:
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
    return None


def _long_rule_may_apply(norm: str, least: int) -> bool:
    """Whether a prefix or a contains rule may apply to the normalized line ``norm`` of at
    least ``least`` tokens."""
    if least > _MAX_TOKENS:
        return False
    if least <= _MAX_PREFIX_TOKENS:
        first = _TOKEN.search(norm)
        if first is not None and first.group() in _ANY_PREFIX_FIRST_WORD:
            return True
    return any(map(norm.__contains__, _MAY_CONTAIN[least]))


def noise_kind(line: str) -> str | None:
    """The kind of page noise ``line`` is, or None for article text.

    Kinds: share, font, nav, advertise, contact, about, ad, comments, read_more, tags,
    photo, subscribe, byline, copyright, disclaimer, click, feed_footer, timestamp.
    """
    norm = normalized(line)
    if not norm:
        return None
    least = _letter_words(line)  # tokens, at least
    if least > _SHORT_MAX_TOKENS and not _long_rule_may_apply(norm, least):
        return None  # most paragraphs and sentences: no rule for them can apply
    tokens = normalized_tokens(line)
    if not tokens:
        return "nav" if _MENU_SEPARATORS.search(norm) else None  # "| | |", "» »"
    n = len(tokens)
    if n > _MAX_TOKENS:
        return None  # most paragraphs: no rule is for lines this long
    if n <= _SHORT_MAX_TOKENS:
        kind = _short_line_kind(norm, tokens)
        if kind:
            return kind

    if tokens[0] in _ANY_PREFIX_FIRST_WORD:
        kind = _prefix_kind(norm, tokens[0], n)
        if kind:
            return kind

    if any(map(norm.__contains__, _MAY_CONTAIN[n])):
        for phrase, label in _CONTAINS_BY_N[n]:
            if phrase in norm:
                return label

    if n <= _SHORT_MAX_TOKENS and _is_timestamp(norm, tokens):
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
_AGENCY_FIRST_TOKENS: Final = frozenset(a[0] for a in _AGENCY_TOKENS)
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
    if more_tokens_than(text, 8):
        return None
    tokens = normalized_tokens(text)
    if not tokens:
        return None
    stripped = text.strip(_EDGE)
    norm = normalized(stripped)
    if norm.startswith(_SOURCE_LABELS):
        for label in _SOURCE_LABELS:
            if norm.startswith(label) and norm[len(label) :].lstrip()[:1] in (":", "-", "–", "—"):
                name = re.split(r"[:\-–—]", stripped, maxsplit=1)[-1].strip(_EDGE)
                if name and len(tokenize_normalized(normalize(name))) <= 6:
                    return name
                return None
    if tokens[0] in _AGENCY_FIRST_TOKENS and _is_agency_sequence(list(tokens)):
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
    # (each pattern needs a character most paragraphs lack: "(", a dash, ":")
    m = _DATELINE_PAREN.match(paragraph) if "(" in paragraph else None
    if m and len(m.group("place").split()) <= 5:
        agency = m.group("agency").strip()
        if _is_agency_sequence(tokenize_normalized(normalize(agency))):
            return paragraph[m.end() :].lstrip(), agency
    m = _DATELINE_DASH.match(paragraph) if any(map(paragraph.__contains__, "-–—")) else None
    if m and 1 <= len(m.group("place").split()) <= 4:
        agency = m.group("agency").strip()
        if _is_agency_sequence(tokenize_normalized(normalize(agency))):
            return paragraph[m.end() :].lstrip(), agency
    m = _SITE_PREFIX.match(paragraph) if ":" in paragraph else None  # "المدينة نيوز :- "
    if m and len(m.group("agency").split()) <= 3:
        return paragraph[m.end() :].lstrip(), m.group("agency").strip()
    return paragraph, None


_TRAILING: Final = re.compile(r"\s*[-–—]*\s*\((?P<agency>[^()\n]{1,40})\)\s*[.]?\s*$")


def split_trailing_attribution(paragraph: str) -> tuple[str, str | None]:
    """Take a trailing "(رويترز)" off ``paragraph``: (rest, agency or None)."""
    # The pattern is tried at every character: first see that the paragraph ends with ")"
    # (give or take a period and spaces), as a match must.
    if not paragraph.rstrip().rstrip(".").rstrip().endswith(")"):
        return paragraph, None
    m = _TRAILING.search(paragraph)
    if m and m.start() > 0:
        agency = m.group("agency").strip()
        if _is_agency_sequence(tokenize_normalized(normalize(agency))):
            return paragraph[: m.start()].rstrip(), agency
    return paragraph, None


__all__ = [
    "attribution_of",
    "is_noise",
    "more_tokens_than",
    "noise_kind",
    "normalized",
    "normalized_tokens",
    "split_dateline",
    "split_trailing_attribution",
]
