"""The HTTP error matrix (docs/protocol.md "Limits and errors") against a misbehaving server on
loopback: each fault is visible in the connection state and the error store, survived, and
recovered from."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.helpers import FAST, fault_server, wait_for
from tui.client.config import ServerConfig
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff
from tui.sync.monitor import ServerMonitor

MATRIX: list[tuple[str, LinkState, str, str]] = [
    ("400", LinkState.RECONNECTING, "client", "HTTP 400: fault 400"),
    ("422", LinkState.RECONNECTING, "client", "HTTP 422: fault 422"),
    ("401", LinkState.FAILED, "auth", "HTTP 401: fault 401"),
    ("403", LinkState.FAILED, "auth", "HTTP 403: fault 403"),
    ("429", LinkState.RECONNECTING, "rate_limited", "HTTP 429"),
    ("ratelimit_reset", LinkState.RECONNECTING, "rate_limited", "Rate limit exceeded"),
    ("500", LinkState.RECONNECTING, "server", "HTTP 500: fault 500"),
    ("502", LinkState.RECONNECTING, "server", "HTTP 502"),
    ("503", LinkState.RECONNECTING, "server", "HTTP 503"),
    ("504", LinkState.RECONNECTING, "server", "HTTP 504"),
    ("slow", LinkState.RECONNECTING, "network", "timed out"),
    ("html", LinkState.RECONNECTING, "not_api", "not JSON"),  # after detection: a maintenance page
    ("truncated", LinkState.RECONNECTING, "bad_payload", "invalid JSON"),
    ("wrong_shape", LinkState.RECONNECTING, "bad_payload", "expected a JSON list"),
]


@pytest.mark.parametrize(("mode", "state", "kind", "text"), MATRIX, ids=[m[0] for m in MATRIX])
async def test_each_fault_is_shown_survived_and_recovered_from(
    mode: str, state: LinkState, kind: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    monkeypatch.setattr("tui.client.rest.TIMEOUT", httpx.Timeout(1.0, connect=1.0))
    async with fault_server() as (fault, url):
        stores = Stores()
        monitor = ServerMonitor(
            ServerConfig(url, name="f", rate="1000/s"), stores, FAST, backoff=Backoff(0.05, 0.2)
        )
        task = asyncio.create_task(monitor.run())
        try:
            await wait_for(lambda: len(stores.status) == 1)
            fault.mode = mode
            await wait_for(lambda: stores.links.get("server f").state is state)
            link = stores.links.get("server f")
            assert text in (link.last_error or ""), link.last_error
            assert stores.errors.counts[kind] >= 1
            assert len(stores.status) == 1  # nothing known is dropped
            if mode == "429":  # Retry-After is honoured rather than the 0.2 s backoff cap
                assert (
                    link.next_retry_at is not None and link.next_retry_at - time.monotonic() > 1.0
                )
            fault.mode = "ok"
            if state is LinkState.FAILED:  # fatal for this credential: only a reload retries
                hits = fault.hits
                await asyncio.sleep(0.3)
                assert fault.hits == hits
                monitor.refresh_now()
            await wait_for(lambda: stores.links.get("server f").state is LinkState.CONNECTED)
            assert not task.done()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_ctrl_r_reloads_keys_and_a_failed_server_recovers() -> None:
    from tui.demo.server import DemoServer
    from tui.demo.world import DemoWorld
    from tui.settings import Settings
    from tui.ui.app import OhtopApp

    server = DemoServer(DemoWorld(n=5), api_key="new-key")
    await server.start()
    current = {"key": "old-key"}
    app = OhtopApp(
        Settings(
            servers=(ServerConfig(server.url, name="s", api_key="old-key"),),
            intervals=FAST,
            max_streams=-1,
        ),
        reload=lambda: [ServerConfig(server.url, name="s", api_key=current["key"])],
    )
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_for(lambda: app.stores.links.get("server s").state is LinkState.FAILED)
            assert "401" in (app.stores.links.get("server s").last_error or "")
            current["key"] = "new-key"  # the operator fixed the environment variable
            await pilot.press("ctrl+r")
            await wait_for(lambda: app.stores.links.get("server s").state is LinkState.CONNECTED)
            await wait_for(lambda: len(app.stores.status) > 0)
    finally:
        await server.stop()


def test_tls_failures_are_classified() -> None:
    import ssl

    import httpx

    from tui.client.errors import ErrorKind
    from tui.client.rest import _connect_error

    exc = httpx.ConnectError("failed")
    exc.__cause__ = ssl.SSLCertVerificationError(
        1, "certificate verify failed: self-signed certificate"
    )
    error = _connect_error(exc)
    assert error.kind is ErrorKind.TLS and "TLS failure" in error.message
