"""Search: Arabic full-text search over the article archive (pure parts).

- :mod:`bot.search.terms` — the index terms of text (normalize, drop stopwords, stem),
  shared by indexing and querying;
- :mod:`bot.search.query` — the query language: :func:`parse_query` -> :class:`Query`,
  whose :meth:`~Query.match` is a safe FTS5 MATCH string;
- :mod:`bot.search.ranking` — relevance blended with recency; result types;
- :mod:`bot.search.snippet` — highlighted passages in the article's own spelling;
- :mod:`bot.search.present` — replies, result pages, paging buttons, inline items.

The queries themselves run in :mod:`bot.storage._search` (``storage.search``).
"""
