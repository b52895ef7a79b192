"""Test fakes: a Telegram Bot API server and a feed/article HTTP server."""
