"""The real agent server and its fake LLM, started once for every real-server test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.system.realserver.fake_llm import FakeLLM
from tests.system.realserver.harness import (
    AgentServer,
    ensure_venv,
    find_python,
    python_missing_reason,
)
from tests.system.realserver.watch import KEY


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AgentServer, FakeLLM]]:
    """A real openhands-agent-server on loopback (installed on first use) and its fake LLM."""
    python = find_python()
    if python is None:
        pytest.skip(python_missing_reason())
    bin_dir = ensure_venv(python)
    llm = FakeLLM().start()
    server = AgentServer(bin_dir, Path(tmp_path_factory.mktemp("agent-server")), KEY)
    try:
        server.start()
        yield server, llm
    finally:
        server.stop()
        llm.stop()
