"""Turn the bytes of a page into text, also when the page does not say its encoding.

Order: a byte-order mark; the charset the caller got from the HTTP header; the charset the
page declares (``<meta charset>``, ``http-equiv``, an XML declaration) in its first 4 KB;
strict UTF-8; UTF-8 with a few bad bytes replaced (:func:`mostly_utf8`), when nothing or
UTF-8 is declared; then detection: windows-1256 and ISO-8859-6 when they turn the bytes
into Arabic text, else charset_normalizer. Each declared charset is only taken if the
bytes decode with it cleanly, and a Western one (latin-1, windows-1252: they decode any
byte) gives way when detection finds an Arabic codec, the usual mislabelling.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WESTERN = frozenset({"latin-1", "iso8859-1", "cp1252", "iso8859-15", "ascii"})
_ARABIC = frozenset({"cp1256", "iso8859-6", "cp720", "cp864"})
_ARABIC_PUNCT = frozenset("«»…“”‘’–—\u00a0\u200c\u200d\u200e\u200f")
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-:.]+)""",
    re.IGNORECASE,
)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB, as a Python codec name, or None."""
    m = _DECLARED.search(data[:4096])
    if not m:
        return None
    return _codec((m.group(1) or m.group(2)).decode("ascii", "replace"))


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns (text, codec name used).

    ``declared`` is the charset from the HTTP ``Content-Type`` header, if any.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    for candidate in (_codec(declared), declared_charset(data), "utf-8"):
        if not candidate:
            continue
        if candidate in _WESTERN:
            # A Western charset decodes any byte, so a mislabelled Arabic page would come
            # out as mojibake: let detection overrule it when it finds an Arabic codec.
            detected = _detect(data)
            if detected in _ARABIC:
                return data.decode(detected, errors="replace"), detected
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    if _codec(declared) in (None, "utf-8") and declared_charset(data) in (None, "utf-8"):
        repaired = mostly_utf8(data)
        if repaired is not None:
            return repaired, "utf-8"
    name = _detect(data) or "utf-8"
    return data.decode(name, errors="replace"), name


#: At most one bad byte in this many characters (and at most MAX_BAD_BYTES) for text to
#: count as UTF-8 with a few stray bytes rather than another encoding.
BAD_BYTE_RATIO = 1000
MAX_BAD_BYTES = 50


def _stray_byte(exc: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: a lone 0xA0 is a no-break space, any other bad bytes are
    U+FFFD (what ``errors="replace"`` gives)."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start:exc.end]
    return ("\u00a0" if bad == b"\xa0" else "\ufffd"), exc.end


codecs.register_error("newsbot-stray-byte", _stray_byte)


def mostly_utf8(data: bytes) -> str | None:
    """``data`` decoded as UTF-8 with U+FFFD for its bad bytes, when they are only a few
    (a stray byte, an Arabic letter cut in half); None when it is not UTF-8.

    A lone 0xA0 is decoded as the no-break space it is in every single-byte code page
    (windows-1252 and -1256, ISO-8859-1 and -6): text copied from one into a UTF-8 page
    keeps it as a space between two words, which U+FFFD would have joined
    (:func:`bot.parse.text.drop_replacement_chars`). As a UTF-8 continuation byte whose
    lead is lost it would be the end of ؠ or ٠ (U+0620, U+0660) or of a Latin-1
    letter, far rarer.

    One bad byte makes strict UTF-8 fail, and detection then reads the whole document in
    a Latin or Cyrillic code page: every Arabic letter comes out as two letters of
    mojibake (measured: cp1251, ptcp154 or iso8859-10 for 5 of 20 real pages, iso8859-2
    for every real feed). A text in another encoding has bad UTF-8 sequences all through
    its non-ASCII text, far above the threshold.
    """
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    bad = replaced - data.count("\ufffd".encode())
    # and the text must really be UTF-8: many good multi-byte characters for each bad
    # byte (a page in windows-1256 with a few Arabic words has few bad bytes, but no good)
    good = len(text) - len(text.encode("ascii", "ignore")) - replaced
    if bad <= min(MAX_BAD_BYTES, max(1, len(text) // BAD_BYTE_RATIO)) and good >= 20 * bad:
        return data.decode("utf-8", errors="newsbot-stray-byte") if b"\xa0" in data else text
    return None


def _arabic_share(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are Arabic script or the
    punctuation Arabic text uses."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return 0.0
    good = sum(1 for ch in non_ascii if "\u0600" <= ch <= "\u06ff" or ch in _ARABIC_PUNCT)
    return good / len(non_ascii)


def _detect(data: bytes) -> str | None:
    """Guess the codec of bytes that are not UTF-8 and say nothing reliable.

    An Arabic-first bot meets windows-1256 and ISO-8859-6 most: they are tried first and
    kept when the non-ASCII text they give is Arabic (>= 90 %). charset_normalizer alone
    can be misled on a large page that is mostly ASCII markup (it said mac-latin2 for a
    windows-1256 news page), so it only decides the remaining cases.
    """
    best_share, best_codec = 0.0, None
    for codec in ("cp1256", "iso8859-6"):
        try:
            share = _arabic_share(data.decode(codec))
        except UnicodeDecodeError:
            continue
        if share > best_share:
            best_share, best_codec = share, codec
    if best_codec is not None and best_share >= 0.9:
        return best_codec
    best = charset_normalizer.from_bytes(data).best()
    return _codec(best.encoding) if best is not None else None


__all__ = ["declared_charset", "decode_html", "mostly_utf8"]
