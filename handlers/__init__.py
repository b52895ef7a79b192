"""Chat-facing handlers: thin translation between Telegram updates and the core."""
