"""Bounded resources and secrets: endless streams, huge frames, half-open links, keys."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import WSMsgType, web

from tests.helpers import QUICK, serve, streaming, wait_for
from tui.client.config import ServerConfig
from tui.client.stream import StreamTarget
from tui.demo.server import DemoServer
from tui.headless.status import status_command
from tui.protocol.status import ServerKind
from tui.settings import Settings
from tui.store.event_store import EventStore
from tui.store.stores import Stores
from tui.store.view import ConversationView
from tui.store.websocket_store import LinkState
from tui.sync.ingest import EventSink
from tui.sync.stream_parts import HandshakeGate
from tui.sync.stream_worker import StreamWorker
from tui.ui.app import OhtopApp

CID = "cd" * 16


def _event(i: int) -> dict[str, object]:
    return {
        "kind": "ConversationStateUpdateEvent",
        "id": f"e{i}",
        "timestamp": f"2026-01-01T00:00:{i % 60:02d}",
        "key": "stats",
        "value": {},
    }


@asynccontextmanager
async def ws_server(behaviour: str) -> AsyncIterator[tuple[str, list[int]]]:
    """An agent-server-like /sockets/events that floods, sends a huge frame, or goes silent."""
    handshakes: list[int] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        handshakes.append(1)
        ws = web.WebSocketResponse(autoping=behaviour != "silent")
        await ws.prepare(request)
        if behaviour == "flood":
            for i in range(5000):
                await ws.send_str(json.dumps(_event(i)))
        elif behaviour == "huge":
            await ws.send_str(json.dumps({**_event(0), "value": {"blob": "x" * (9 * 1024 * 1024)}}))
        async for msg in ws:  # silent: never answers the client's pings
            if msg.type == WSMsgType.CLOSE:
                break
        return ws

    app = web.Application()
    app.router.add_get("/sockets/events/{cid}", handler)
    async with serve(app) as url:
        yield url, handshakes


def _worker(url: str, stores: Stores) -> StreamWorker:
    stores.status.upsert(
        ConversationView(
            server="a", id=CID, kind=ServerKind.AGENT, status="RUNNING", execution_status="running"
        )
    )
    target = StreamTarget(url, CID, None)
    return StreamWorker(
        ("a", CID),
        "s",
        lambda: target,
        EventSink(stores),
        stores.links,
        HandshakeGate(),
        policy=QUICK,
    )


async def test_an_endless_stream_keeps_memory_bounded() -> None:
    stores = Stores(events=EventStore(cap=100))
    async with ws_server("flood") as (url, _), streaming(_worker(url, stores)):
        await wait_for(lambda: stores.links.get("s").received >= 5000, timeout=30)
    assert stores.events.count(("a", CID)) == 100  # the newest 100, whatever was sent
    assert len(stores.events._seen[("a", CID)]) <= 400


async def test_a_huge_frame_closes_the_link_which_is_retried() -> None:
    stores = Stores()
    async with ws_server("huge") as (url, handshakes), streaming(_worker(url, stores)):
        await wait_for(lambda: len(handshakes) >= 3, timeout=15)
        link = stores.links.get("s")
        assert link.last_close_code == 1009  # message too big: refused, not buffered
    assert (
        stores.events.count(("a", CID)) <= 1
    )  # only the on-connect nothing; the blob never landed


async def test_a_half_open_link_is_noticed_by_keepalive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.client.stream.PING_INTERVAL", 0.2)
    monkeypatch.setattr("tui.client.stream.PING_TIMEOUT", 0.3)
    stores = Stores()
    states: list[LinkState] = []
    stores.links.changed.subscribe(lambda name: states.append(stores.links.get(name).state))
    async with ws_server("silent") as (url, handshakes), streaming(_worker(url, stores)):
        await wait_for(lambda: len(handshakes) >= 2, timeout=15)
    assert (
        LinkState.CONNECTED in states
        and LinkState.RECONNECTING in states[states.index(LinkState.CONNECTED) :]
    )


async def test_keys_are_never_shown(demo: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    demo.routes.api_key = "sk-top-secret-app-key"
    out = io.StringIO()
    config = ServerConfig(
        demo.url, name="demo", api_key="sk-top-secret-app-key", session_api_key="sess-secret"
    )
    assert await status_command(Settings(servers=(config,)), True, out) == 0
    rows = json.loads(out.getvalue())
    sandbox_keys = {c.session_api_key for c in demo.world.visible()}
    text = out.getvalue()
    assert "sk-top-secret-app-key" not in text and not any(k in text for k in sandbox_keys)
    assert {r["session_api_key"] for r in rows} <= {None, "***"}
    assert "sk-top-secret-app-key" not in repr(config) and "sess-secret" not in repr(config)
    app = OhtopApp(Settings(servers=(config,), max_streams=0))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(lambda: len(app.stores.status) > 5)
        await pilot.press("enter")
        await pilot.pause()
        screen_text = app.export_screenshot()
        await pilot.press("escape", "L")
        await pilot.pause()
        screen_text += app.export_screenshot()
    assert "sk-top-secret-app-key" not in screen_text and "sess-secret" not in screen_text
    assert not any(k in screen_text for k in sandbox_keys)


async def test_insecure_tls_is_shown_in_the_header() -> None:
    app = OhtopApp(
        Settings(servers=(ServerConfig("https://127.0.0.1:9", verify_tls=False),), max_streams=-1)
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert "INSECURE TLS" in str(app.screen.query_one("#indicator").render())
