"""Feed text to plain text: HTML stripped, entities unescaped, whitespace collapsed.

Rendering HTML-escapes everything later, so the output here is plain text, never markup.
``<script>``, ``<style>`` and similar non-content elements lose their content too;
unbalanced or broken tags never raise (an unclosed ``<script>`` swallows the rest,
which is what a browser would do as well). The replacement character U+FFFD, which a
stray invalid byte decodes to, never comes out (:func:`drop_replacement_chars`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from bot.controls import BIDI_CONTROLS

__all__ = ["TEXT_MAX", "TITLE_MAX", "cut_words", "drop_replacement_chars", "strip_html",
           "to_title"]

#: Titles longer than this are cut on a word boundary (a headline, not an article).
TITLE_MAX = 300
#: Item text (description / content) longer than this is cut on a word boundary.
TEXT_MAX = 50_000

_SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg", "math",
                   "head", "title", "select", "button", "textarea"})
_BLOCK = frozenset({
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "td", "th", "table", "blockquote", "section", "article", "header", "footer",
    "figure", "figcaption", "pre", "hr", "aside", "nav", "main", "address", "caption",
})
# C0/C1 controls (except tab/newline), the bidi embedding, override and isolate controls
# (bot.controls) and other characters that never belong in text.
_CONTROLS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff{BIDI_CONTROLS}]")


_REPLACEMENT = re.compile("\ufffd+")
# Letters that only ever end an Arabic word: ta marbuta (a suffix turns it into ت). A
# letter after it starts another word. (Alef maksura ى is left out: Persian text typed in
# windows-1256, which has no ی, writes ى inside words.)
_WORD_FINAL = frozenset("\u0629\ufe93\ufe94")


def _kind(ch: str) -> str | None:
    """What a character is part of: "digit" (a number), "arabic" (an Arabic-script word:
    letters and tashkeel), "letter" (a word in another script), or None (neither)."""
    category = unicodedata.category(ch)[0]
    if category == "N":
        return "digit"
    if category not in "LM":
        return None
    code = ord(ch)
    if 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return "arabic"
    return "letter"


def _mend(m: re.Match[str]) -> str:
    text = m.string
    before = _kind(text[m.start() - 1]) if m.start() else None
    after = _kind(text[m.end()]) if m.end() < len(text) else None
    if before is None or before != after or text[m.start() - 1] in _WORD_FINAL:
        return " "
    return ""


def drop_replacement_chars(text: str) -> str:
    """``text`` without U+FFFD (the "\ufffd" a stray invalid byte is decoded to).

    The character stands for bytes that were lost, never for something to read. Feed
    text (:func:`strip_html`) and the text, title, byline and site name of an article
    page (:func:`bot.extract.extract_article`) go through this one function.

    * Between two characters that can be one word (two letters of one script, tashkeel
      included, or two digits) a run is deleted: the bytes were part of the word (a stray
      byte inside it, or a letter cut in half), and «الفيدر\ufffdالية» reads better as one
      word, whole or with one letter missing, than as two fragments split by a space.
    * Between two complete words (the bytes stood for a space) there is in general no
      telling them from a word's own letters, so the words are kept apart only where
      they cannot be one word: across scripts («CNN\ufffdالعربية»), between a letter and
      a digit («عام\ufffd2024»), and after ة, which only ends a word («كلمة\ufffdأخرى»).
      Elsewhere they are joined: a byte inside a word or a letter cut in half is what
      Arabic feeds and pages give. The one byte that stands for a space in every
      single-byte code page, the no-break space 0xA0, is decoded as a space and never
      becomes U+FFFD (:func:`bot.extract.encoding.mostly_utf8`).
    * Anywhere else (beside a space, punctuation, a line break, at either end) a run
      becomes a space, which the whitespace collapse of :func:`strip_html` then merges with
      the space beside it or drops at a line's end; a space it leaves before a comma or
      full stop is taken out by the renderer (:mod:`bot.render.punctuation`).

    URLs and GUIDs never come here: they are identities, not display text.

    >>> strip_html("الفيدر\ufffdالية العربية\ufffd لحقوق \ufffd الإنسان\ufffd")
    'الفيدرالية العربية لحقوق الإنسان'
    """
    if "\ufffd" not in text:
        return text
    return _REPLACEMENT.sub(_mend, text)


class _Stripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if self._skip:
                self._skip -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(value: str, *, single_line: bool = False) -> str:
    """Plain text of an HTML fragment (or of plain text with entities).

    Block elements become line breaks; runs of spaces collapse to one space and runs of
    blank lines to one ``\\n``. With ``single_line`` every whitespace run becomes a space.
    """
    if not value:
        return ""
    if "<" in value:
        parser = _Stripper()
        try:
            parser.feed(value)
            parser.close()
        except Exception:  # HTMLParser is lenient; this is belt and braces
            return strip_html(re.sub(r"<[^>]*>?", " ", value), single_line=single_line)
        text = "".join(parser.parts)
    elif "&" in value:
        text = html.unescape(value)
    else:
        text = value
    text = drop_replacement_chars(_CONTROLS.sub("", text))
    # str.split() and the regex \s agree on what whitespace is; splitting and joining is
    # what re.sub(r"\s+", " ") (one line) or re.sub(r"[^\S\n]+", " ") then
    # re.sub(r"\s*\n\s*", "\n") (lines) with strip() do, ~10x faster.
    if single_line:
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def cut_words(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` if it fits ``limit`` characters, else cut at the last space before the
    limit (or hard, when a single "word" is that long) with ``ellipsis`` appended; the
    result never exceeds ``limit``."""
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    head = text[: room + 1]
    cut = head.rfind(" ")
    if cut < room // 2:  # no useful word boundary: one giant token
        cut = room
    return text[:cut].rstrip(" ،,;:-–—") + ellipsis


def to_title(value: str, limit: int = TITLE_MAX) -> str:
    """A one-line, plain-text headline of at most ``limit`` characters."""
    return cut_words(strip_html(value, single_line=True), limit)
