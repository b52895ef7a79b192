"""Scheduled jobs: thin translation between the clock and the core."""
