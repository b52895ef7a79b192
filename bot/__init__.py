"""newsbot: an Arabic-first news distribution bot for Telegram."""

__version__ = "0.1.0"
