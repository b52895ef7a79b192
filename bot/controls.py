"""Invisible characters that outside text may carry and no message should pass on.

The explicit bidirectional formatting characters (Unicode TR #9): embeddings (LRE U+202A,
RLE U+202B), the pop PDF (U+202C), overrides (LRO U+202D, RLO U+202E) and isolates (LRI,
RLI, FSI U+2066-2068, PDI U+2069). A feed title, page or chat argument holding an unclosed
override reverses the display of everything after it in its paragraph: a headline reads
backwards, the source name and date beside it are garbled, and a link written after it
can be made to look like another address (the "Trojan Source" trick). They carry no
content: Arabic and Latin mix correctly by the bidi algorithm alone, and the renderer adds
its own RIGHT-TO-LEFT MARK where a line needs one (``bot.render.bidi``). So they are
deleted, both where text comes in (feeds, pages) and where any text is shown (rows stored
before this rule). The marks LRM, RLM and ALM are kept: they have no scope and are
harmless.
"""

from __future__ import annotations

import re

__all__ = ["BIDI_CONTROLS", "clean_label", "strip_bidi_controls"]

#: A character class of the explicit bidi embedding, override and isolate controls.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def strip_bidi_controls(text: str) -> str:
    """``text`` without its bidi embedding, override and isolate controls."""
    return _BIDI.sub("", text)


# Control characters (C0 but tab/newline/return, DEL, C1), the bidi controls, surrogates
# and the noncharacters U+FFFE/U+FFFF: none may be written in XML (OPML export) or shown.
_UNWANTED = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}\ud800-\udfff\ufffe\uffff]")


def clean_label(text: str) -> str:
    """A name or category as stored: those characters deleted, whitespace collapsed.

    >>> clean_label("  bad\x01 name\u202e\n")
    'bad name'
    """
    return " ".join(_UNWANTED.sub("", text).split())
