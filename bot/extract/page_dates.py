"""The date parser trafilatura's metadata step falls back to, limited to our languages.

trafilatura finds a page's date with htmldate, whose last resort for a date written in
words ("24 أبريل 2020") is ``dateparser`` with *every* locale it knows
(``htmldate.extractors.get_external_parser``: ``languages=None``). The first such date in a
process then tries the ~200 locales one by one and compiles each one's regular
expressions: 3.5-4.4 s of CPU measured here on the madenah page, which then extracts in
0.1 s. That first page ran inside the extractor's CPU limit
(:data:`bot.extract.article.PAGE_CPU_SECONDS`, 5 s), so on a busy machine the first
article page of each worker process was given up as "too slow" and its article kept only
the feed's teaser (and the test suite failed now and then on that page).

:func:`install` points htmldate at a parser with the same settings and only
:data:`LANGUAGES`: the first date then costs ~0.5 s, and the process holds ~35 MB less
(maxrss 117 -> 81 MB). On the 20 real pages of the shared data every extracted date is
the same as with all locales. It is installed when :mod:`bot.extract.article` is
imported; if a later htmldate has no ``get_external_parser`` any more, nothing is replaced
and tests/test_extract_page_dates.py says so.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["LANGUAGES", "install", "parser"]

#: The languages a news page's date is written in: Arabic, the English and French of the
#: region's bilingual sites (Maghreb, Lebanon, Gulf), and every other language dateparser
#: 1.5 writes month names for in Arabic script. With all locales, "24 ماي 2020" and
#: "24 جوان 2020" (Maghreb spellings of May and June, which its Arabic locale lacks) were
#: read through the Uyghur and Luri locales; they still are. dateparser language codes, in
#: the order they are tried.
LANGUAGES = ("ar", "en", "fr", "fa", "ur", "ps", "ckb", "ug", "ks", "mzn", "lrc", "pa-Arab",
             "uz-Arab")

# htmldate 1.11's settings for its external parser, unchanged.
_SETTINGS = {
    "NORMALIZE": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": True,
}


@cache
def parser() -> Any:
    """htmldate's external date parser, for :data:`LANGUAGES` only (built once)."""
    from dateparser import DateDataParser  # type: ignore[attr-defined]

    return DateDataParser(languages=list(LANGUAGES), settings=_SETTINGS)


def install() -> bool:
    """Make htmldate use :func:`parser`; False when htmldate has no such hook."""
    import htmldate.extractors as extractors

    if not callable(getattr(extractors, "get_external_parser", None)):
        return False
    extractors.get_external_parser = parser
    return True
