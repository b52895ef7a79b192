"""Arabic stopwords, on normalized tokens.

The list ships as ``bot/data/stopwords_ar.txt`` (one normalized word a line, ``#`` comments).
It was built from mohataher/arabic-stop-words (MIT, see ``bot/data/stopwords_ar.LICENSE``)
by :func:`clean_stopwords`; rebuild it with::

    python -m bot.arabic.stopwords SOURCE_LIST > bot/data/stopwords_ar.txt

The source list is noisy: tashkeel and hamza variants of the same word, single letters,
``?`` where a character was lost (``ا?``), stray punctuation (``تحت'``), typos (``االا``),
multi-word entries, fragments of names (``برس`` from "فرانس برس", ``لوكالة``, ``للامم``)
and a few content words that a news search must not drop (currencies, ``قوة``, ``زيارة``,
``شمال``, ``ذهب`` ...). Cleaning normalizes, drops all of those and dedupes.

:func:`is_stopword` takes a *normalized* token (as :func:`bot.arabic.tokens.tokenize`
gives); any single letter also counts as a stopword.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from importlib import resources

from bot.arabic.normalize import normalize

# Normalized entries of the source list that are not stopwords, with why.
DROPPED = frozenset(
    {
        # typos and fragments
        "االا",
        "االتي",
        "وثي",
        "ليسب",
        "برس",  # from "فرانس برس"
        "لوكاله",  # "لوكالة" (to the agency of ...)
        "للامم",  # "للأمم" (المتحدة)
        "ين",  # yen, and a common word ending
        # currencies: content words in economic news
        "دولار",
        "دينار",
        "ريال",
        "جنيه",
        "درهم",
        "يورو",
        "شيكل",
        "ليره",
        "قرش",
        "فلس",
        "سنتيم",
        "مليم",
        "هلله",
        "يوان",
        # content words a search or a summary must keep
        "قوه",  # force
        "زياره",  # visit
        "حبيب",
        "شمال",  # north
        "يمين",  # right
        "رزق",
        "عين",  # eye, spring; place names (عين الحلوة)
        "ذهب",  # gold / went
        "حار",  # hot
        "حي",  # "حيَّ" (come!) folds onto حي: neighbourhood, alive
        "امين",  # "آمين" (amen) folds onto أمين: secretary, and a first name
    }
)

_ARABIC_LETTERS = frozenset(chr(c) for c in range(0x0621, 0x064B))
_EDGE_PUNCT = "'\"`.,;:!()[]{}-_ \t،؛"


def clean_stopwords(raw: Iterable[str]) -> list[str]:
    """Normalize, filter and dedupe a raw stopword list; returns the sorted result."""
    out: set[str] = set()
    for line in raw:
        entry = line.strip()
        if not entry or entry.startswith("#") or "?" in entry:
            continue  # "?" marks a character lost in an encoding accident: "ا?"
        word = normalize(entry).strip(_EDGE_PUNCT)
        if " " in word or len(word) < 2:
            continue  # multi-word entries ("لا سيما": "لاسيما" is listed) and single letters
        if not set(word) <= _ARABIC_LETTERS:
            continue  # "و6" and the like
        if word in DROPPED:
            continue
        out.add(word)
    return sorted(out)


@functools.cache
def load_stopwords() -> frozenset[str]:
    """The shipped list (read once, on first use)."""
    text = resources.files("bot").joinpath("data/stopwords_ar.txt").read_text(encoding="utf-8")
    return frozenset(
        w for w in (ln.strip() for ln in text.splitlines()) if w and not w.startswith("#")
    )


def __getattr__(name: str) -> frozenset[str]:
    # STOPWORDS is loaded lazily, so that building the list needs no list.
    if name == "STOPWORDS":
        return load_stopwords()
    raise AttributeError(name)


def is_stopword(token: str) -> bool:
    """True for a normalized token that carries no content: a listed word or one letter."""
    return len(token) < 2 or token in load_stopwords()


_HEADER = """\
# Arabic stopwords, normalized (bot.arabic.normalize): one word a line, sorted.
# Built by bot.arabic.stopwords.clean_stopwords from mohataher/arabic-stop-words
# (list.txt, commit 767255429135eb8120818102cf97523b3c05c8bd), MIT License,
# Copyright (c) 2016 Mohamed Taher Alrefaie: see stopwords_ar.LICENSE beside this file.
# Changes: normalized, deduplicated; single letters, multi-word entries, damaged
# entries and some content words (see DROPPED in bot/arabic/stopwords.py) removed.
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bot.arabic.stopwords SOURCE_LIST > FILE", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8-sig") as fh:
        words = clean_stopwords(fh)
    sys.stdout.write(_HEADER + "".join(f"{w}\n" for w in words))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
