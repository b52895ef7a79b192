"""Arabic text tools: pure functions over strings."""

from bot.arabic.normalize import normalize, strip_tashkeel
from bot.arabic.sentences import split_sentences, unwrap_lines
from bot.arabic.stem import light_stem
from bot.arabic.stopwords import is_stopword, load_stopwords
from bot.arabic.tokens import tokenize, tokenize_normalized

__all__ = [
    "is_stopword",
    "light_stem",
    "load_stopwords",
    "normalize",
    "split_sentences",
    "strip_tashkeel",
    "tokenize",
    "tokenize_normalized",
    "unwrap_lines",
]
