"""Asking the real app server (openhands-ai 1.11.0) what changed: the facts ohtop's delta
polling rests on (docs/protocol.md "What moves updated_at"), then ohtop itself keeping two
conversations fresh by the question, its backstop and its count. Runs with `make app-server`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import FAST, RecordingTransport, running, wait_for
from tests.system.appserver import AppServer, skip_reason
from tests.system.realserver.harness import free_port
from tui.client.config import ServerConfig
from tui.store.stores import Stores
from tui.sync.monitor import ServerMonitor

pytestmark = [pytest.mark.slow, pytest.mark.appserver]

CONVERSATIONS = "/api/v1/app-conversations"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    if (reason := skip_reason()) is not None:
        pytest.skip(reason)
    state = Path(tmp_path_factory.mktemp("app-server"))
    server = AppServer(state, free_port(), free_port(), free_port())
    try:
        yield server.start()
    finally:
        server.stop()


def _stamp(found: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(found["updated_at"]))


def _changed_since(server: AppServer, since: datetime) -> set[str]:
    answer = server.call(
        "GET", "/app-conversations/search", None, params={"updated_at__gte": since.isoformat()}
    )
    answer.raise_for_status()
    return {str(item["id"]) for item in answer.json()["items"]}


async def test_what_moves_updated_at_and_ohtop_keeping_up(app_server: AppServer) -> None:
    finished, busy = app_server.create("finish,running")
    server = app_server

    # -- the server's facts ----------------------------------------------------------------
    before = _stamp(server.get(busy))
    await wait_for(lambda: _stamp(server.get(busy)) > before, timeout=60, step=1)  # its steps
    quiet = _stamp(server.get(finished))
    assert server.call("PATCH", f"/app-conversations/{finished}", {"title": "renamed"}).is_success
    sandbox = str(server.get(finished)["sandbox_id"])
    assert server.call("POST", f"/sandboxes/{sandbox}/pause").is_success
    paused = server.get(finished)
    assert paused["sandbox_status"] == "PAUSED" and paused["title"] == "renamed"
    assert _stamp(paused) == quiet  # neither a title nor a sandbox moves it
    assert finished not in _changed_since(server, quiet + timedelta(microseconds=1))
    assert finished in _changed_since(server, quiet)  # the filter is "at or after"
    assert server.call("POST", f"/sandboxes/{sandbox}/resume").is_success
    await wait_for(lambda: server.get(finished)["sandbox_status"] == "RUNNING", 120, step=1)
    assert _stamp(server.get(finished)) == quiet
    refused = server.call("GET", "/app-conversations/search", params={"updated_at__gte": "x"})
    assert refused.status_code == 422  # what makes ohtop fall back to per-id polls
    plain = server.call("GET", "/app-conversations", params={"ids": finished})
    assert "etag" not in plain.headers and "last-modified" not in plain.headers
    assert "no-store" in plain.headers["cache-control"]  # nothing to ask conditionally

    # -- ohtop asking what changed -----------------------------------------------------------
    intervals = replace(
        FAST, delta=1.0, look=2.0, backstop=3.0, backstop_starting=3.0, sweep=600.0,
        discover=600.0, running=1.0, stopped=1.0, error=1.0, other=1.0, starting=1.0,
    )  # fmt: skip
    recorder = RecordingTransport()
    stores = Stores()
    config = ServerConfig(server.url, name="app")
    monitor = ServerMonitor(config, stores, intervals, transport=recorder, details=False)

    def seen(cid: str) -> dict[str, object]:
        view = stores.status.get(("app", cid))
        assert view is not None
        return {"updated_at": view.updated_at, "sandbox": view.sandbox_status, "gone": view.gone}

    def caught_up(stamp: datetime) -> Callable[[], bool]:
        def check() -> bool:
            view = stores.status.get(("app", busy))
            return view is not None and view.updated_at is not None and view.updated_at >= stamp

        return check

    async with running(monitor):
        await wait_for(lambda: monitor.delta.since is not None, timeout=30)
        assert "what changed" in stores.links.get(monitor.link).freshness
        for _ in range(2):  # the busy one's stamp moves every step: followed by the question
            await wait_for(caught_up(_stamp(server.get(busy))), timeout=30)
            await asyncio.sleep(2)
        questions = [r for r in recorder.paths("/search") if "updated_at__gte" in str(r.url)]
        assert len(questions) >= 3
        assert server.call("POST", f"/sandboxes/{sandbox}/pause").is_success
        await wait_for(lambda: seen(finished)["sandbox"] == "PAUSED", timeout=30)  # backstop
        assert server.call("DELETE", f"/app-conversations/{finished}").is_success
        await wait_for(lambda: seen(finished)["gone"] is True, timeout=30)  # the count fell
        assert seen(busy)["gone"] is False
