"""Arabic text tools: pure functions over strings."""

from bot.arabic.normalize import normalize, strip_tashkeel

__all__ = ["normalize", "strip_tashkeel"]
