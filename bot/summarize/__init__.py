"""Extractive Arabic summarizer (and the ROUGE used to measure it)."""

from bot.summarize.extractive import cut_on_word, summarize

__all__ = ["cut_on_word", "summarize"]
