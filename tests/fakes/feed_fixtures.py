"""pytest fixtures for the fake feed server.

Use them from a test module with ``pytest_plugins = ["tests.fakes.feed_fixtures"]``
(tests/conftest.py belongs to someone else and does not load them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.feed_server import FeedServer, ServerFactory

__all__ = ["feed_server", "feed_server_factory"]


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    """A started :class:`FeedServer` on 127.0.0.1 and a random port."""
    async with FeedServer("127.0.0.1") as server:
        yield server


@pytest.fixture
async def feed_server_factory() -> AsyncIterator[ServerFactory]:
    """``await factory("127.0.0.2")`` starts another server on that loopback address;
    all are closed at teardown."""
    servers: list[FeedServer] = []

    async def make(host: str = "127.0.0.1") -> FeedServer:
        server = await FeedServer(host).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.close()
