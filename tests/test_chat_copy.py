"""Chat copy audit: every Arabic text the bot shows, checked the way a copy editor would.

Scope
-----
*Static*: every string literal with an Arabic letter in the modules that write chat text
(:data:`COPY_MODULES`: the handlers, the admin messages, the jobs, the digest, news and
search renderers, the application's generic error). Docstrings are skipped. An f-string,
an implicit concatenation or a ``+`` chain of strings is checked as one text, each
inserted value standing in as U+FFFC (so are ``{name}`` fields of ``str.format``
templates). Inside those modules, input vocabularies are not copy and are skipped
(:data:`INPUT_NAMES`: the words ``/digest`` and ``/quiet`` accept, spelled as users type
them, «ايقاف» included) as are digit translation tables (``str.maketrans`` arguments).
Whole modules of data and parsing are not copy either (:data:`NOT_COPY` says which and
why: normalizer, stopword lists, stemmer tables, noise vocabulary, search operators,
regular expressions, the English CLI). Month and weekday names are displayed in every
news message, so ``bot/render/dates.py`` *is* in scope. A module in neither list that
gains an Arabic literal fails :func:`test_every_module_with_arabic_is_classified`.

*Dynamic*: what the fake Bot API received while the real service (PTB application,
handlers, jobs) answered a sample session (:func:`test_replies_the_fake_telegram_received`):
every chat and admin command, most with good and bad input, in a private chat, a group
and as an admin; buttons, search and its paging, inline mode, news messages, /latest, a
text broadcast to its final report, and a digest. Checked: message texts and captions,
edits, callback answers, inline-keyboard labels, command-menu descriptions and inline
answers (result titles, descriptions, message texts and buttons, the button above the
list; one article starts left to right, «CNN: …», so the bidi rules bite). Pure
renderers fill in states a short session does not reach (progress and final reports,
/stats, /feeds with failing feeds, the disabled-feed alert, fetch errors, search
refusals, every stored feed error explained): :func:`test_rendered_texts`; real feed
failures end to end: ``tests/test_chat_copy_errors.py``. So numbers, names and plurals inserted by
f-strings are checked as users see them.

Rules (:data:`RULES`; each violation names its rule)
----------------------------------------------------
Commands, URLs, @mentions and ``{fields}`` are masked first: ``/start?`` is no Arabic
sentence. Then, in every text:

``latin-punct``     no ASCII ``,`` ``;`` ``?`` beside an Arabic word (``،`` ``؛`` ``؟``)
``space-before``    no space before ``، ؛ ؟ . ! :``
``space-after``     a space after ``، ؛ ؟ !`` (and ``.`` between two Arabic words)
``spaces``          no doubled space, no space at the start or end of a line
``ellipsis``        ``…``, not ``...``
``doubled-punct``   no ``،،``, ``..``, ``؟؟``, ``.،`` and the like
``quotes``          Arabic quoted in « », not in ASCII "…" (:data:`ASCII_QUOTES_OK`: where
                    the text shows what users may type)
``brackets``        balanced, well-ordered ``« »``, ``( )``, ``[ ]``, no space just inside
``tatweel``         no tatweel, except the Hijri era mark «هـ» and a one-letter prefix
                    before a non-Arabic word or a quote («بـ http»، «لـ «…»»)
``spelling``        none of :data:`MISSPELLED` (missing or wrong hamza: «الغاء», «اخبار»,
                    «إسم»; ه for ة: «الرساله»; ي for ى: «حتي»)
``tanween``         fathatan before the alef («كاملًا», the bot's spelling), not on it
                    («كاملاً»); no adverb of :data:`ADVERBS` without it («مثلا»). One
                    exception, :data:`CONTRACT`: the news link «اقرأ الخبر كاملاً» is
                    spelled as DESIGN.md's message shape gives it (other tools and
                    tests rely on that exact text)
``digits``          Western digits (the bot's choice, ``bot/render/dates.py``), no
                    Arabic-Indic ones; the Arabic percent sign ``٪`` after a number
``consistency``     (static, over all copy) one spelling per word: a word written with
                    two hamza, ة/ه, ى/ي or shadda spellings is reported with both
                    (:data:`HOMOGRAPHS` are different words: «أن»/«إن», «صفر»/«صُفّر»)

and in what was sent (dynamic only):

``latin-only``      every text and label has Arabic (after masking commands and URLs)
``line-start``      no line starts with a punctuation mark (a fragment joined wrongly)
``bidi-command``    a /command or @mention in a line with Arabic letters comes after an
                    LRM, else the bidi algorithm shows "start/" (``bot.render.bidi``)
``bidi-line``       a line with Arabic letters that starts with a Latin letter, a digit
                    or a command starts with an RLM (``bidi.needs_rtl_mark``), else it
                    is laid out left to right, its Arabic run reordered around the Latin
``bidi-url``        no URL cut short inside Arabic text (``http://``, ``https://…``): its
                    trailing ``//`` or ``…`` is moved to the other side of it
``latin-sentence``  no English sentence in Arabic copy: three Latin words (or numbers) in
                    a row, after masking commands and URLs, are an untranslated message
                    (an exception's text, a stored feed error); a short technical token
                    («RSS أو Atom»، «(HTTP 410)»، «Asia/Riyadh») is fine
"""

from __future__ import annotations

import ast
import asyncio
import html
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.render.bidi import needs_rtl_mark
from tests.admin_helpers import admin_config, buttons, command, register_chats
from tests.fakes.telegram import FakeTelegram
from tests.news import ask, eventually, store
from tests.service import running_service

ROOT = Path(__file__).resolve().parent.parent

#: Modules that write chat text (globs relative to the repository root).
COPY_MODULES = (
    "handlers/*.py",
    "bot/admin/*.py",
    "jobs/*.py",
    "bot/app.py",
    "bot/callbacks.py",
    "bot/delivery/digest_render.py",
    "bot/render/article.py",
    "bot/render/dates.py",
    "bot/render/pager.py",
    "bot/render/share.py",
    "bot/search/present.py",
    "bot/subscribers/manage.py",
)
#: Modules whose literals with Arabic letters (docstrings aside) are data or parsing, not
#: chat copy. (Literals of Arabic punctuation alone, «،» or «ـ», have no words to check.)
NOT_COPY = {
    "bot/arabic/normalize.py": "the normalizer's folding tables and tashkeel regex",
    "bot/arabic/sentences.py": "sentence-end marks and abbreviations",
    "bot/arabic/stem.py": "stemmer prefixes, suffixes and exceptions",
    "bot/arabic/stopwords.py": "the stopword list",
    "bot/cli/_feeds.py": "the English CLI's help text (an example category)",
    "bot/dedup/story.py": "fingerprint stopwords and article prefixes",
    "bot/delivery/schedule.py": "what /digest and /quiet parse (digits, «إلى»)",
    "bot/extract/article.py": "Urdu and Persian letters of the language guess",
    "bot/extract/encoding.py": "the Arabic block's bounds for mojibake detection",
    "bot/extract/noise.py": "the noise vocabulary of page boilerplate",
    "bot/matching.py": "keyword-matching prefixes",
    "bot/parse/text.py": "ة, the letter that ends a word, for stray bytes",
    "bot/render/punctuation.py": "regular expressions for feed punctuation",
    "bot/search/query.py": "search operators users type (مصدر:، أو)",
    "bot/search/terms.py": "index-key clitics, marks and whole-word exceptions",
    "bot/summarize/extractive.py": "summarizer punctuation and cue words",
}
#: Assignments (module, name) whose values are what users may type, not what they read.
INPUT_NAMES = {
    ("handlers/settings.py", "OFF"),
    ("handlers/settings.py", "HOURLY"),
    ("handlers/settings.py", "DAILY"),
}

RULES = {
    "latin-punct": "ASCII , ; ? beside an Arabic word: write ، ؛ ؟",
    "space-before": "a space before ، ؛ ؟ . ! :",
    "space-after": "no space after ، ؛ ؟ ! (or . between Arabic words)",
    "spaces": "a doubled space, or a space at the start or end of a line",
    "ellipsis": "ASCII ... instead of …",
    "doubled-punct": "two punctuation marks in a row",
    "quotes": "Arabic in ASCII double quotes instead of « »",
    "brackets": "unbalanced or misordered « » ( ) [ ], or a space just inside them",
    "tatweel": "tatweel (ـ) outside «هـ» and a one-letter prefix",
    "spelling": "a misspelling (hamza, ة/ه, ى/ي)",
    "tanween": "fathatan on the alef (اً) or an adverb without its tanween",
    "digits": "Arabic-Indic digits, or ASCII % after a number",
    "consistency": "one word, two spellings across the copy",
    "latin-only": "a text with Latin letters and no Arabic",
    "line-start": "a line that starts with a punctuation mark",
    "bidi-command": "a /command or @mention in an Arabic line without an LRM before it",
    "bidi-line": "an Arabic line that starts left-to-right without an RLM",
    "bidi-url": "a URL cut short (http://, https://…) inside Arabic text",
    "latin-sentence": "three Latin words in a row in Arabic copy: an untranslated message",
}

AR = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06fa-\u06ff"  # letters
HARAKAT = "\u064b-\u0652\u0670"
TATWEEL = "\u0640"
LRM, RLM = "\u200e", "\u200f"
HOLE = "\ufffc"  # an inserted value, a masked command or URL
_WORD = re.compile(f"[{AR}{HARAKAT}{TATWEEL}]+")
_HAS_AR = re.compile(f"[{AR}]")
_TAG = re.compile(r"<[^>]*>")
_URL = re.compile(r"https?://[^\s<>«»\"]*")
_CODE = re.compile(r"https?://[^\s<>«»\"]*"
                   r"|(?<![\w/:.])/[A-Za-z][A-Za-z0-9_]*(?:@(?:[A-Za-z0-9_]+|\{\w*\}))?"
                   r"|(?<![\w/])@(?:[A-Za-z0-9_]+|\{\w*\})|\{\w*\}")

# --------------------------------------------------------------------------- word lists

#: wrong -> right. Missing hamza on hamzat al-qat', hamza on hamzat al-wasl, ه for ة at
#: the end, ي for ى (and ى for ي) at the end: the words of this bot's vocabulary.
MISSPELLED = {
    # hamza missing
    "اخبار": "أخبار", "الاخبار": "الأخبار", "اخر": "آخر", "الاخر": "الآخر", "اخرى": "أخرى",
    "الغاء": "إلغاء", "ايقاف": "إيقاف", "اعدادات": "إعدادات", "الاعدادات": "الإعدادات",
    "اضافة": "إضافة", "ارسال": "إرسال", "الارسال": "الإرسال", "ارسل": "أرسل",
    "اضف": "أضف", "اعد": "أعد", "اعادة": "إعادة", "اكثر": "أكثر", "اقل": "أقل",
    "او": "أو", "الى": "إلى", "ان": "أن", "اذا": "إذا", "اي": "أي", "اول": "أول",
    "الان": "الآن", "اهلا": "أهلًا", "احدث": "أحدث", "الاحدث": "الأحدث", "ايام": "أيام",
    "اسبوع": "أسبوع", "امس": "أمس", "اسماء": "أسماء", "ابحث": "أبحث", "اعرف": "أعرف",
    "اجد": "أجد", "اخطاء": "أخطاء", "خطا": "خطأ", "الخطا": "الخطأ", "اوامر": "أوامر",
    "الاوامر": "الأوامر", "امر": "أمر", "الامر": "الأمر", "اخفاقات": "إخفاقات",
    "الاخفاقات": "الإخفاقات", "احصاءات": "إحصاءات", "اشعار": "إشعار", "اوقف": "أوقف",
    "اقصى": "أقصى", "الاقصى": "الأقصى", "الامم": "الأمم", "اساسي": "أساسي",
    "ارشيف": "أرشيف", "الارشيف": "الأرشيف", "الاسبوع": "الأسبوع", "اجاب": "أجاب",
    "ابلغ": "أبلغ", "ازيلت": "أُزيلت", "اضيف": "أُضيف", "الغي": "أُلغي", "الغيت": "أُلغيت",
    "ارسلت": "أُرسلت", "اعيد": "أُعيد", "اوقفت": "أُوقفت", "الاربعاء": "الأربعاء",
    "الاحد": "الأحد", "ابريل": "أبريل", "اغسطس": "أغسطس", "اكتوبر": "أكتوبر",
    "الاولى": "الأولى", "مسئول": "مسؤول", "هيئه": "هيئة",
    # hamza on hamzat al-wasl
    "إسم": "اسم", "الإسم": "الاسم", "إستئناف": "استئناف", "إشتراك": "اشتراك",
    "الإشتراك": "الاشتراك", "إشتراكات": "اشتراكات", "الإشتراكات": "الاشتراكات",
    "إنتهت": "انتهت", "إنتهى": "انتهى", "إختصر": "اختصر", "إضغط": "اضغط", "إكتب": "اكتب",
    "إبحث": "ابحث", "إختيار": "اختيار", "إستخدام": "استخدام", "إستقبال": "استقبال",
    "الإثنين": "الاثنين", "إثنين": "اثنين", "إقرأ": "اقرأ", "إبدأ": "ابدأ",
    "إنتظار": "انتظار", "الإنتظار": "الانتظار", "إستئنف": "استُؤنف",
    # ه for ة
    "رساله": "رسالة", "الرساله": "الرسالة", "محادثه": "محادثة", "المحادثه": "المحادثة",
    "ساعه": "ساعة", "الساعه": "الساعة", "دقيقه": "دقيقة", "كلمه": "كلمة", "الكلمه": "الكلمة",
    "صفحه": "صفحة", "الصفحه": "الصفحة", "قائمه": "قائمة", "القائمه": "القائمة",
    "خلاصه": "خلاصة", "الخلاصه": "الخلاصة", "المنطقه": "المنطقة", "الزمنيه": "الزمنية",
    "المتحده": "المتحدة", "نشطه": "نشطة", "النشطه": "النشطة", "الحاله": "الحالة",
    "مجموعه": "مجموعة", "المجموعه": "المجموعة", "ثانيه": "ثانية",
    # ي for ى and ى for ي
    "حتي": "حتى", "الي": "إلى", "متي": "متى", "اخري": "أخرى", "الاولي": "الأولى",
    "الاخري": "الأخرى", "فى": "في", "الذى": "الذي", "التى": "التي", "علي": "على",
}
#: ASCII-quoted Arabic that is meant: the /search help shows both quote styles it accepts.
ASCII_QUOTES_OK = frozenset({'"عبارة بين علامتي تنصيص"'})
#: Adverbs and accusatives that take fathatan in this bot's copy (bare: a typo).
ADVERBS = frozenset({
    "مثلا", "أولا", "حاليا", "مؤقتا", "جدا", "يوميا", "بدلا", "أيضا", "تقريبا", "دائما",
    "فورا", "أصلا", "نهائيا", "كاملا", "ليلا", "أهلا", "عذرا", "شكرا", "معا", "سابقا",
    "لاحقا", "تلقائيا", "صالحا", "متاحا", "حرفا", "يوما",
})

# --------------------------------------------------------------------------- the rules


def plain(text: str) -> str:
    """Telegram HTML as the user reads it: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def masked(text: str) -> str:
    """``text`` with commands, URLs, mentions and ``{fields}`` replaced by U+FFFC."""
    return _CODE.sub(HOLE, text)


def _strip(word: str) -> str:
    return re.sub(f"[{HARAKAT}{TATWEEL}]", "", word)


_LATIN_PUNCT = re.compile(f"(?<=[{AR}{HARAKAT}])[^\\S\\n]?[,;?]|[,;](?=[^\\S\\n]?[{AR}])")
_SPACE_BEFORE = re.compile(r"(?<=\S)[^\S\n]+[،؛؟!:]|(?<=\S)[^\S\n]+\.(?![.\d])")
_SPACE_AFTER = re.compile(f"[،؛؟!](?=[{AR}A-Za-z0-9])|(?<=[{AR}])\\.(?=[{AR}])")
_SPACES = re.compile(r"[^\S\n]{2,}|[^\S\n]+\n|\n[^\S\n]+")
_PUNCT_RUN = re.compile(r"[.،؛:؟!…]{2,}")
_QUOTED = re.compile(f'"[^"\n]*[{AR}][^"\n]*"')
_PAIRS = {"«": "»", "(": ")", "[": "]"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_TATWEEL_OK = re.compile(f"(?<![{AR}])(?:هـ|[بلكوف]ـ)(?![{AR}])")
_INDIC = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
_PERCENT = re.compile(r"\d[^\S\n]?%")


def _brackets(text: str) -> list[str]:
    found = []
    stack: list[str] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append(ch)
            if text[i + 1:i + 2] in (" ", "\n"):
                found.append(text[max(0, i - 8):i + 10])
        elif ch in _CLOSERS:
            if not stack or stack[-1] != _CLOSERS[ch]:
                found.append(text[max(0, i - 12):i + 4])
                continue
            stack.pop()
            if text[i - 1:i] == " ":
                found.append(text[max(0, i - 10):i + 4])
    found += [f"unclosed {opener}" for opener in stack]
    return found


#: Texts whose spelling is a contract (DESIGN.md's message shape): left out of the checks.
CONTRACT = ("اقرأ الخبر كاملاً",)


def text_violations(text: str) -> Iterator[tuple[str, str]]:
    """(rule, excerpt) for each problem in ``text`` (plain text, masked or not)."""
    for fixed in CONTRACT:
        text = text.replace(fixed, "اقرأ الخبر")
    text = masked(text)

    def around(m: re.Match[str]) -> str:
        return text[max(0, m.start() - 12):m.end() + 12]

    for m in _LATIN_PUNCT.finditer(text):
        yield "latin-punct", around(m)
    for m in _SPACE_BEFORE.finditer(text):
        yield "space-before", around(m)
    for m in _SPACE_AFTER.finditer(text):
        yield "space-after", around(m)
    for m in _SPACES.finditer(text):
        yield "spaces", around(m)
    for m in _PUNCT_RUN.finditer(text):
        yield ("ellipsis" if m.group() == "..." else "doubled-punct"), around(m)
    for m in _QUOTED.finditer(text):
        if m.group() not in ASCII_QUOTES_OK:
            yield "quotes", around(m)
    for excerpt in _brackets(text):
        yield "brackets", excerpt
    for m in re.finditer(TATWEEL, text):
        if not any(ok.start() <= m.start() < ok.end() for ok in _TATWEEL_OK.finditer(text)):
            yield "tatweel", around(m)
    for m in _WORD.finditer(text):
        raw, word = m.group(), _strip(m.group())
        bare = word[1:] if word[:1] in "وف" and word[1:] in MISSPELLED else word
        if bare in MISSPELLED and MISSPELLED[bare] != bare:
            yield "spelling", f"{raw} -> {MISSPELLED[bare]}"
        if "ا\u064b" in raw:
            yield "tanween", f"{raw} -> {raw.replace('ا' + chr(0x64B), chr(0x64B) + 'ا')}"
        elif word in ADVERBS and "\u064b" not in raw:
            yield "tanween", f"{raw} -> {word[:-1]}\u064bا"
    for m in _INDIC.finditer(text):
        yield "digits", around(m)
    if _HAS_AR.search(text):
        for m in _PERCENT.finditer(text):
            yield "digits", around(m)


_CMD_START = re.compile(r"(?<![\w/:.@<])[/@](?=[A-Za-z])")
_CUT_URL = re.compile(r"https?://(?:…|(?=[\s)»]|$))")
# three Latin words or numbers in a row ("HTTP 503 Service Unavailable", "read timeout
# (20s) at", "Message can't be copied"); "rel=alternate" and "Asia/Riyadh" are one token
_LATIN_TOKEN = r"[A-Za-z0-9][A-Za-z0-9'’_.=-]*"
_LATIN_SENTENCE = re.compile(f"{_LATIN_TOKEN}(?:[^\\S\\n]*[,;:()<>\\[\\]\"]*[^\\S\\n]+"
                             f"[,;:()<>\\[\\]\"]*{_LATIN_TOKEN}){{2,}}")


def sent_violations(text: str) -> Iterator[tuple[str, str]]:
    """The rules for a text as sent: the text rules, and Latin-only and bidi."""
    yield from text_violations(text)
    body = masked(text)
    if re.search("[A-Za-z]", body) and not _HAS_AR.search(body):
        yield "latin-only", text[:60]
    arabic = bool(_HAS_AR.search(body))
    for line in text.split("\n"):
        for m in _LATIN_SENTENCE.finditer(masked(line)) if arabic else ():
            if re.search("[A-Za-z]", m.group()):
                yield "latin-sentence", m.group()[:60]
        if not _HAS_AR.search(line):
            continue
        if line.lstrip(f"{RLM}{LRM} ")[:1] in tuple(".،؛:؟!"):
            yield "line-start", line[:60]
        if needs_rtl_mark(line):
            yield "bidi-line", line[:60]
        for m in _CMD_START.finditer(_URL.sub(lambda u: "x" * len(u.group()), line)):
            if line[m.start() - 1:m.start()] != LRM:
                yield "bidi-command", line[max(0, m.start() - 12):m.start() + 14]
        for m in _CUT_URL.finditer(line):
            yield "bidi-url", line[max(0, m.start() - 12):m.end() + 12]


# --------------------------------------------------------------------------- static


@dataclass(frozen=True, slots=True)
class Literal:
    path: str
    line: int
    text: str


def _module_paths(patterns: Iterable[str]) -> list[Path]:
    return sorted({p for pattern in patterns for p in ROOT.glob(pattern)})


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _is_text(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(
        node, ast.JoinedStr) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
                                 and (_is_text(node.left) or _is_text(node.right)))


def _flatten(node: ast.AST, seen: set[int]) -> str:
    """The text of a string expression, inserted values as U+FFFC; marks its parts seen."""
    seen.add(id(node))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_flatten(v, seen) if isinstance(v, ast.Constant) else HOLE
                       for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _is_text(node):
        return _flatten(node.left, seen) + _flatten(node.right, seen)
    return HOLE


def _skipped(tree: ast.AST, rel: str) -> set[int]:
    """Nodes that are not copy: input vocabularies and digit tables."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        data = None
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and (rel, t.id) in INPUT_NAMES for t in targets):
                data = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "maketrans":
            data = node
        if data is not None:
            skip |= {id(n) for n in ast.walk(data)}
    return skip


def literals(patterns: Iterable[str] = COPY_MODULES) -> list[Literal]:
    """Every Arabic string expression of the modules (see the module docstring)."""
    found = []
    for path in _module_paths(patterns):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        seen = _docstrings(tree) | _skipped(tree, rel)
        for node in ast.walk(tree):  # outer expressions come before their parts
            if id(node) in seen or not _is_text(node):
                continue
            text = _flatten(node, seen)
            if _HAS_AR.search(text):
                found.append(Literal(rel, getattr(node, "lineno", 0), text))
    return found


def _fold(word: str) -> str:
    word = re.sub(f"[{HARAKAT}{TATWEEL}]", "", word)
    return word.translate(str.maketrans("أإآٱىةؤئ", "اااايهوي"))


#: Different words that fold alike (not spelling variants of one word).
HOMOGRAPHS = frozenset({"ان", "صفر"})


def consistency_violations(items: list[Literal]) -> list[str]:
    """Words spelled two ways across the copy (hamza, ة/ه, ى/ي, shadda)."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    where: dict[str, Literal] = {}
    for item in items:
        for m in _WORD.finditer(masked(plain(item.text))):
            spelled = re.sub(f"[{TATWEEL}\u064b-\u0650\u0652\u0670]", "", m.group())
            spellings[_fold(m.group())][spelled] += 1
            where.setdefault(spelled, item)
    found = []
    for key, forms in sorted(spellings.items()):
        if len(forms) < 2 or key in HOMOGRAPHS:
            continue
        for form, _ in forms.most_common()[1:]:
            item = where[form]
            found.append(f"{item.path}:{item.line}: consistency: {form} / "
                         f"{forms.most_common(1)[0][0]}")
    return found


def static_report() -> list[str]:
    items = literals()
    lines = [f"{item.path}:{item.line}: {rule}: {excerpt!r}"
             for item in items for rule, excerpt in text_violations(plain(item.text))]
    return lines + consistency_violations(items)


def _summary(lines: list[str]) -> str:
    rules = Counter(line.split(": ")[1] for line in lines)
    head = ", ".join(f"{rule} {n}" for rule, n in rules.most_common())
    return f"{len(lines)} violation(s): {head}\n" + "\n".join(lines)


def test_every_module_with_arabic_is_classified() -> None:
    """A module with Arabic literals (docstrings aside) is in COPY_MODULES or NOT_COPY,
    and every module of NOT_COPY still has some."""
    in_scope = {p.relative_to(ROOT).as_posix() for p in _module_paths(COPY_MODULES)}
    with_arabic = set()
    for path in _module_paths(["bot/**/*.py", "handlers/**/*.py", "jobs/**/*.py"]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        if any(isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
               and _HAS_AR.search(n.value) for n in ast.walk(tree)):
            with_arabic.add(path.relative_to(ROOT).as_posix())
    unclassified = sorted(with_arabic - in_scope - set(NOT_COPY))
    assert not unclassified, f"classify these modules in {__name__}: {unclassified}"
    assert not sorted(set(NOT_COPY) - with_arabic), "stale NOT_COPY entries"


def test_static_copy() -> None:
    assert len(literals()) > 300  # the scope did not silently shrink
    report = static_report()
    assert not report, _summary(report)


@pytest.mark.parametrize(("text", "rules"), [
    ("أرسل /start? ثم اكتب", []),
    ("هل تريد المتابعة?", ["latin-punct"]),
    ("غزة, لبنان; سوريا", ["latin-punct", "latin-punct"]),
    ("تم الحفظ .", ["space-before"]),
    ("القيمة .5 كما هي", []),
    ("كلمة،كلمة", ["space-after"]),
    ("كلمتان  بينهما", ["spaces"]),
    ("جارٍ الحساب...", ["ellipsis"]),
    ("انتهى،،", ["doubled-punct"]),
    ('اكتب "كلمة" هنا', ["quotes"]),
    ("«قوس", ["brackets"]),
    ("( داخل)", ["brackets"]),
    ("الأحد 2 رجب 1447 هـ ويبدأ بـ http أو لـ «كلمة»", []),
    ("بعـد", ["tatweel"]),
    ("الغاء الاشتراك", ["spelling"]),
    ("اقرأ النص كاملاً", ["tanween"]),
    ("اقرأ الخبر كاملاً", []),  # CONTRACT
    ("اكتب مثلا كلمة", ["tanween"]),
    ("الساعة ٨", ["digits"]),
    ("بنسبة 45%", ["digits"]),
])
def test_rules_on_examples(text: str, rules: list[str]) -> None:
    assert [rule for rule, _ in text_violations(text)] == rules


@pytest.mark.parametrize(("text", "rules"), [
    ("أرسل /start أولًا", ["bidi-command"]),
    (f"أرسل {LRM}/start أولًا", []),
    ("/latest 10 — آخر عشرة أخبار", ["bidi-line", "bidi-command"]),
    (f"{RLM}{LRM}/latest 10 — آخر عشرة أخبار", []),
    ("مثل:\n/timezone Asia/Riyadh", []),
    (f"اكتب {LRM}@bot أو https://example.com/a/b", []),
    ("يبدأ بـ http:// أو https://", ["bidi-url", "bidi-url"]),
    ("Breaking news", ["latin-only"]),
    ("سطر\n، ثم فاصلة", ["line-start"]),
    ("آخر خطأ: fetch: https://x.example/rss: HTTP 503 <Service Unavailable>",
     ["latin-sentence"]),
    ("لا يمكن نسخ هذه الرسالة (Message can't be copied)", ["latin-sentence"]),
    ("صفحة ويب بلا وسم link rel=alternate لخلاصة RSS أو Atom، أُزيلت (HTTP 410)", []),
    ("بتوقيت Asia/Riyadh، النتائج 1–5 من 23", []),
])
def test_sent_rules_on_examples(text: str, rules: list[str]) -> None:
    assert [rule for rule, _ in sent_violations(text)] == rules


# --------------------------------------------------------------------------- dynamic


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _labels(markup: Any) -> list[str]:
    markup = _json(markup)
    if not isinstance(markup, dict):
        return []
    return [b.get("text", "") for row in markup.get("inline_keyboard", []) for b in row]


def received_texts(fake: FakeTelegram) -> list[tuple[str, str]]:
    """(where, plain text) of everything chat-facing the fake accepted."""
    out: list[tuple[str, str]] = []
    for call in fake.calls:
        if call.status != 200:
            continue
        p, method = call.params, call.method
        is_html = str(p.get("parse_mode", "")).upper() == "HTML"
        if method in ("sendMessage", "editMessageText") and p.get("text"):
            out.append((method, plain(p["text"]) if is_html else p["text"]))
        if method in ("sendPhoto", "editMessageCaption") and p.get("caption"):
            out.append((method, plain(p["caption"]) if is_html else p["caption"]))
        if method == "answerCallbackQuery" and p.get("text"):
            out.append((method, p["text"]))
        if method == "setMyCommands":
            out += [(method, c["description"]) for c in _json(p.get("commands")) or []]
        if method == "answerInlineQuery":
            for r in _json(p.get("results")) or []:
                out += [(method, r[k]) for k in ("title", "description") if r.get(k)]
                content = r.get("input_message_content") or {}
                if content.get("message_text"):
                    out.append((method, plain(content["message_text"])))
                out += [(method + " button", label) for label in _labels(r.get("reply_markup"))]
            button = _json(p.get("button"))
            if isinstance(button, dict) and button.get("text"):
                out.append((method, button["text"]))
        out += [(method + " button", label) for label in _labels(p.get("reply_markup"))]
    return out


def sent_report(texts: Iterable[tuple[str, str]]) -> list[str]:
    lines = []
    for where, text in dict.fromkeys(texts):  # each distinct text once
        lines += [f"{where}: {rule}: {excerpt!r}" for rule, excerpt in sent_violations(text)]
    return list(dict.fromkeys(lines))  # the same line of /help is one violation


ARTICLES = [(f"الحكومة تعلن الخطة رقم {i} لدعم الاقتصاد",
             f"أعلنت الحكومة اليوم الخطة رقم {i} لدعم الاقتصاد والأسواق.") for i in range(7)]
ARTICLES.append(("الأمم المتحدة تدعو إلى وقف إطلاق النار",
                 "دعت الأمم المتحدة إلى وقف فوري لإطلاق النار."))
# a headline and a summary that start left to right (a Latin name, a year): every place
# that shows them, inline results included, must lay them out right to left
ARTICLES.append(("CNN: الحكومة تعلن خطة الطوارئ",
                 "2025 عام الخطة الجديدة، كما أعلنت الحكومة اليوم في مؤتمر صحفي."))


async def _session(fake: FakeTelegram, tmp_path: Path) -> None:
    """A sample of every kind of reply (see the module docstring)."""
    admin = fake.add_private_chat(first_name="المشرف")
    user = fake.add_private_chat(first_name="قارئ")
    member = fake.add_user("عضو")
    group = fake.add_supergroup("مجموعة", admins=[admin.id])
    fake.set_limits(private_per_window=1000, group_per_window=1000)
    config = admin_config(tmp_path, fake, [admin.id])
    async with running_service(config) as service:
        assert service.storage is not None
        bot = "@newsbot_test_bot"
        await ask(fake, user.id, "/latest")  # before /start
        for text in ("/help", "/start", "/start", "/frobnicate", "/subscribe",
                     "/subscribe الأمم المتحدة", "/subscribe الأمم المتحدة",
                     "/subscribe عام، المصدر أ، #اقتصاد، ب، ***",
                     "/subscribe " + "، ".join(f"كلمة{i}" for i in range(12)),
                     "/subscribe " + "ت" * 65, "/unsubscribe", "/unsubscribe سوريا",
                     "/unsubscribe كلمة1", "/mysubs", "/latest", "/latest 50",
                     "/digest", "/digest hourly", "/digest daily 08:00", "/digest off",
                     "/quiet", "/quiet 23:00-07:00", "/quiet off", "/timezone",
                     "/timezone Mars/Base", "/timezone Africa/Cairo", "/search",
                     "/search من في على", "/search -صاروخ", "/search مصدر:",
                     "/search غزة صاروخ"):
            await ask(fake, user.id, text)
        for title, summary in ARTICLES:
            await store(service, title, summary=summary)
        await eventually(lambda: _sent_news(fake, user.id), timeout=20)
        await ask(fake, user.id, "/latest 3")
        results = await ask(fake, user.id, "/search الحكومة")
        for data in [b["callback_data"] for b in results.buttons][:1]:
            fake.inject_callback(user.id, results.message_id, data)
            await fake.wait_for_callback_answers(1)
        await ask(fake, user.id, "/search مصدر:المجهول")
        fake.inject_inline_query("الحكومة", from_user=user.user)
        fake.inject_inline_query("من في", from_user=user.user)
        await fake.wait_for_inline_answers(2)
        listing = await ask(fake, user.id, "/sources")
        answered = len(fake.callback_answers)
        for data in (listing.buttons[1]["callback_data"], "src:t:1:0"):
            fake.inject_callback(user.id, listing.message_id, data)
        await fake.wait_for_callback_answers(answered + 2)
        asked = await ask(fake, user.id, "/forget")
        answered = len(fake.callback_answers)
        for data in (asked.buttons[1]["callback_data"], asked.buttons[0]["callback_data"]):
            fake.inject_callback(user.id, asked.message_id, data)
            await fake.wait_for_callback_answers(answered + 1)
            answered += 1
        await ask(fake, user.id, "/stop")

        await ask(fake, group.id, f"/start{bot}", from_user=member)
        await ask(fake, group.id, f"/start{bot}", from_user=admin.user)
        await ask(fake, group.id, f"/stats{bot}", from_user=member)

        for text in ("/help", "/stats", "/feeds", "/addfeed", "/addfeed ftp://x",
                     "/delfeed", "/delfeed 99", "/delfeed المصدر", "/delfeed 1",
                     "/pausefeed 2", "/pausefeed 2", "/resumefeed 2", "/resumefeed 2",
                     "/broadcast"):
            await ask(fake, admin.id, text)
        await register_chats(service, [user])
        before = len(fake.sent(admin.id))
        fake.inject_message(admin.id, **command("/broadcast تنبيه: الخدمة تعود الليلة"))
        _, footer = (await fake.wait_for_messages(admin.id, before + 2))[before:]
        keys = list(buttons(footer).values())
        answered = len(fake.callback_answers)
        fake.inject_callback(admin.id, footer.message_id, keys[0])
        await fake.wait_for_callback_answers(answered + 1)
        await eventually(lambda: _final_report(fake, admin.id), timeout=30)

        await ask(fake, user.id, "/start")
        await ask(fake, user.id, "/digest hourly")
        await store(service, ARTICLES[0][0], summary=ARTICLES[0][1])
        assert service.services.digests is not None
        before = len(fake.sent(user.id))
        fake.inject_message(user.id, "/digest off")  # what waits goes as a digest
        await fake.wait_for_messages(user.id, before + 2)
        await asyncio.sleep(0.2)


async def _sent_news(fake: FakeTelegram, chat_id: int) -> bool:
    return any("الأمم المتحدة تدعو" in (m.plain_text or "") for m in fake.sent(chat_id))


async def _final_report(fake: FakeTelegram, chat_id: int) -> bool:
    return any("اكتمل البث" in (e.plain_text or "") for e in fake.edits(chat_id))


async def test_replies_the_fake_telegram_received(tmp_path: Path,
                                                   fake_telegram: FakeTelegram) -> None:
    await _session(fake_telegram, tmp_path)
    texts = received_texts(fake_telegram)
    methods = Counter(where for where, _ in texts)
    assert {"sendMessage", "editMessageText", "answerCallbackQuery", "setMyCommands",
            "answerInlineQuery", "sendMessage button"} <= set(methods), methods
    assert len(texts) > 100, methods
    assert any("CNN: الحكومة" in text for where, text in texts  # inline, left-to-right start
               if where == "answerInlineQuery")
    report = sent_report(texts)
    assert not report, _summary(report)


def test_rendered_texts() -> None:
    from bot.admin.broadcast import text_chunks
    from bot.admin.errors import AdminError, explain_error
    from bot.admin.feeds import disabled_alert, feed_blocks
    from bot.admin.progress import (
        Progress,
        render_final,
        render_preview_footer,
        render_progress,
    )
    from bot.admin.stats import render_stats
    from bot.delivery.digest_render import render_digest, render_latest
    from bot.errors import FetchError
    from bot.ingest.poller import GONE
    from bot.models import Article
    from bot.search import present
    from bot.search.query import parse_query
    from bot.storage import AdminStats, DigestItem, Feed, FeedFigures
    from bot.storage._polling import failure_reason
    from tests.test_admin_units import STORED_ERRORS

    now = time.time()
    texts: list[str] = []
    p = Progress(sent=40, failed=2, blocked=3, pending=55, cancelled=1, left=2, total=103)
    texts += [render_progress(7, p, 95.0), render_progress(7, p, None, stopping=True),
              render_progress(7, p, None, storage_full=True),
              render_final(7, p, "done", 3700.0), render_final(7, p, "cancelled", 12.0),
              render_final(7, Progress(), "done", 0.0), render_preview_footer(7, 1200, 3)]
    texts.append(render_stats(AdminStats(
        chats_active=12, chats_blocked=2, chats_stopped=1,
        chats_by_type={"private": 9, "supergroup": 2, "channel": 1}, subscriptions=30,
        articles_total=5000, articles_today=120, sent_today=900, failed_today=3,
        outbox_pending=4, oldest_pending_at=now - 300, last_poll_at=now - 30, feeds=5,
        feeds_failing=1, feeds_paused=1, feeds_disabled=1, broadcasts_sending=1,
        search_index_stale=True), now, "Asia/Riyadh"))

    def feed(i: int, **kw: Any) -> Feed:
        values: dict[str, Any] = dict(
            id=i, url=f"https://site{i}.example/rss", name=f"المصدر {i}", category="عام",
            is_default=False, origin="admin", interval_seconds=None, paused=False,
            disabled_reason=None, etag=None, last_modified=None, body_hash=None,
            initialized=True, next_poll_at=now, last_polled_at=now - 60,
            last_success_at=now - 60, last_error=None, last_error_kind=None,
            last_error_at=None, consecutive_failures=0, created_at=now - 30 * 86400)
        values.update(kw)
        return Feed(**values)

    # the stored errors as the poller writes them (English: for the logs and the CLI)
    unavailable = "fetch: https://site3.example/rss: HTTP 503 Service Unavailable"
    slow = ("fetch: https://site5.example/rss: read timeout (20s) at"
            " https://site5.example/rss")
    feeds = [feed(1), feed(2, paused=True),
             feed(3, consecutive_failures=4, last_error=unavailable, last_error_kind="status",
                  last_error_at=now - 90),
             feed(4, disabled_reason=GONE, last_error="fetch: https://site4.example/rss: "
                  "HTTP 410 Gone", last_error_kind="status", last_error_at=now - 5000),
             feed(5, disabled_reason=failure_reason(20, slow), consecutive_failures=20,
                  last_error=slow, last_error_kind="timeout", last_error_at=now - 90000,
                  last_success_at=None)]
    texts += feed_blocks(feeds, {1: FeedFigures(70, 12)}, now) + feed_blocks([], {}, now)
    texts += [disabled_alert(feeds[3], GONE),
              disabled_alert(feeds[4], feeds[4].disabled_reason or "")]
    kinds = ("dns", "connect", "timeout", "too_large", "redirect", "blocked", "tls",
             "protocol", "other")
    texts += [explain_error(FetchError("x", kind)) for kind in kinds]
    texts += [explain_error(FetchError("x", "status", status)) for status in
              (404, 403, 500, None)]
    texts += [explain_error(error, kind) for error, kind, _ in STORED_ERRORS]
    with pytest.raises(AdminError) as too_long:
        text_chunks("كلمة " * 5000)
    texts.append(str(too_long.value))

    for reason in ("empty", "stopwords", "too_long", "too_many_terms", "only_excluded",
                   "empty_source", "invalid"):
        texts += [present.invalid_message(reason, ("من", "في")),
                  present.inline_invalid_text(reason)]
    texts += [present.usage("newsbot_test_bot"),
              present.no_results_message("غزة صاروخ", [parse_query("غزة")], False, []),
              present.no_results_message("مصدر:المجهول", [], True, ["المصدر أ", "المصدر ب"])]
    items = [DigestItem(i, i, f"عنوان الخبر {i}", f"https://news.example/{i}", "المصدر أ",
                        now) for i in range(3)]
    texts += [chunk for chunk, _ in render_digest("daily", items, "Asia/Riyadh",
                                                  datetime.now(UTC))]
    texts += render_latest([Article(title="عنوان", url="https://news.example/1",
                                    source="المصدر أ", published=datetime.now(UTC))])
    report = sent_report(("rendered", plain(t)) for t in texts)
    assert not report, _summary(report)
