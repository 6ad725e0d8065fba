"""Shared fixtures: captured server payloads, a demo server on a free loopback port."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
AGENT = FIXTURES / "agent-server-1.58.2"
APP = FIXTURES / "app-server-1.11.0"


def load(path: Path) -> Any:
    """A JSON fixture."""
    return json.loads(path.read_text())


def frames(path: Path) -> list[Any]:
    """A JSONL capture, one decoded frame per line."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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
