"""Subscribers: what a chat may subscribe to, and the operations behind the commands.

- ``targets``: parse and resolve "/subscribe X" input (pure): a source name, a category,
  or a keyword/hashtag (normalized Arabic, whole words; never a regex).
- ``manage``: subscribe, unsubscribe, list, /start registration over storage.
"""
