"""Article extraction: main text, page-noise filter, attribution and page metadata."""

from bot.extract.article import (
    Extracted,
    clean_text,
    clean_text_and_attribution,
    extract_article,
    guess_lang,
)
from bot.extract.encoding import decode_html
from bot.extract.noise import attribution_of, is_noise, noise_kind

__all__ = [
    "Extracted",
    "attribution_of",
    "clean_text",
    "clean_text_and_attribution",
    "decode_html",
    "extract_article",
    "guess_lang",
    "is_noise",
    "noise_kind",
]
