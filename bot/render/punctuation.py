"""Spacing around punctuation in display text, as Arabic typography wants it.

Many Arabic sites type a space *before* a full stop or a colon ("بفيروس كورونا ."،
"أميركا :50") and none after a comma or colon ("منها:تمر حنة"). In a message the stray
space leaves the mark alone at the start of a line on a narrow phone screen. So, in the
headline and the summary, in Arabic context only (Latin text, URLs, French spacing before
"!" and ":" are left as they are):

* no whitespace before ``. ، , ؛ ; : ؟ ? !`` (a full stop before a digit is left alone:
  ".5"; so is a mark after another punctuation mark or at the start of the text);
* one space after ``، ؛ :`` between an Arabic letter and a letter or digit
  ("منها:تمر" -> "منها: تمر", "أميركا:50" -> "أميركا: 50"); "10:30" and "https://" keep
  theirs.

Nothing else changes: words, quotes and brackets stay as the source wrote them.
"""

from __future__ import annotations

import re

_ARABIC = "\u0621-\u065f\u0660-\u0669\u066e-\u06d3\u06fa-\u06ff"
# Whitespace (not a line break) between Arabic (a letter, a digit, a closing quote or
# bracket) and punctuation.
_SPACE_BEFORE = re.compile(rf"(?<=[{_ARABIC}\d\"'»”)\]])[^\S\n]+(?=[،؛;:؟?!,]|\.(?!\d))")
# ، ؛ : glued between an Arabic letter and a letter or digit.
_GLUED_AFTER = re.compile(rf"(?<=[{_ARABIC}])([،؛:])(?=[^\W_])")


def tidy_punctuation(text: str) -> str:
    """``text`` with the spacing around its punctuation fixed (module doc).

    >>> tidy_punctuation("أصيبت بفيروس كورونا . منها:تمر حنة ، وغيرها")
    'أصيبت بفيروس كورونا. منها: تمر حنة، وغيرها'
    """
    if " " in text:
        text = _SPACE_BEFORE.sub("", text)
    return _GLUED_AFTER.sub(r"\1 ", text)


__all__ = ["tidy_punctuation"]
