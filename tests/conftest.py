"""Shared fixtures: captured server payloads, a demo server on a free loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.helpers import ManualClock
from tui.client import secrets
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld


@pytest.fixture(autouse=True)
def no_keys_from_other_tests() -> Iterator[None]:
    """Keys are remembered process-wide (what to redact): each test starts knowing none, so a
    short key of one test cannot cut another test's text."""
    secrets.forget_all()
    yield
    secrets.forget_all()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def demo() -> AsyncIterator[DemoServer]:
    """A demo V1 app server (with per-sandbox agent servers) on 127.0.0.1."""
    server = DemoServer(DemoWorld(n=30, seed=3))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def demo_agent() -> AsyncIterator[DemoServer]:
    """A demo agent server at the root."""
    server = DemoServer(DemoWorld(n=20, seed=5), agent_at_root=True)
    await server.start()
    yield server
    await server.stop()
