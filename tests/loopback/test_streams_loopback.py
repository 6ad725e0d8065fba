"""Event streams over real websockets on loopback: restarts, auth, not found, replay order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import pytest
from aiohttp import web

from tests.helpers import QUICK, serve, streaming, wait_for
from tui.client.stream import AuthStyle, Endpoint, StreamTarget
from tui.demo.server import DemoServer
from tui.demo.shapes import app_conversation
from tui.demo.world import DemoConversation, DemoWorld
from tui.protocol.conversations import AppConversation
from tui.protocol.status import ServerKind
from tui.store.mapping import from_v1
from tui.store.stores import Stores
from tui.store.view import ConversationView, Key
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff
from tui.sync.ingest import EventSink
from tui.sync.stream_manager import StreamManager
from tui.sync.stream_parts import HandshakeGate, StreamPolicy
from tui.sync.stream_worker import StreamWorker


def _frozen(world: DemoWorld) -> DemoConversation:
    conv = next(c for c in world.visible() if c.sandbox == "RUNNING" and c.execution == "running")
    conv.script.steps.clear()
    return conv


def _target(
    server: DemoServer,
    c: DemoConversation,
    key: str | None = None,
    auth: AuthStyle = AuthStyle.HEADER,
) -> StreamTarget:
    return StreamTarget(
        f"{server.url}/runtime/{c.sandbox_id}", c.hex, key or c.session_api_key, auth
    )


def demo_view(server: DemoServer, c: DemoConversation) -> ConversationView:
    """How ohtop sees a demo conversation: its V1 shape through the project's own mapping."""
    return from_v1(
        "demo", AppConversation.model_validate(app_conversation(server.world, c, server.url))
    )


def _stores_with(c: DemoConversation) -> tuple[Stores, Key]:
    stores = Stores()
    view = ConversationView(
        server="demo",
        id=c.hex,
        kind=ServerKind.V1,
        status="RUNNING",
        execution_status="running",
        sandbox_status="RUNNING",
    )
    stores.status.upsert(view)
    return stores, view.key


def _persisted_ids(stores: Stores, key: Key) -> list[str]:
    return [e.id for e in stores.events.events(key) if not e.id.startswith("full-state")]


def _all_persisted(stores: Stores, c: DemoConversation) -> Callable[[], bool]:
    """Every event the server persisted for `c` arrived, once, in order."""
    return lambda: _persisted_ids(stores, ("demo", c.hex)) == [e["id"] for e in c.events]


def _delays_at_least(worker: StreamWorker, n: int) -> Callable[[], bool]:
    return lambda: len(worker.delays) == n


@pytest.mark.parametrize("endpoint", [Endpoint.SESSION, Endpoint.EVENTS])
async def test_server_killed_mid_stream_and_restarted_loses_and_duplicates_nothing(
    endpoint: Endpoint,
) -> None:
    world = DemoWorld(n=12, seed=21, spawn_every=1e9)
    server = DemoServer(world)
    await server.start()
    port = server.port
    conv = _frozen(world)
    stores, key = _stores_with(conv)
    states: list[LinkState] = []
    stores.links.changed.subscribe(lambda name: states.append(stores.links.get(name).state))
    target = _target(server, conv)
    worker = StreamWorker(
        key,
        "stream demo/x",
        lambda: target,
        EventSink(stores),
        stores.links,
        HandshakeGate(),
        policy=QUICK,
    )
    worker.endpoint = endpoint
    try:
        async with streaming(worker):
            await wait_for(lambda: stores.links.get("stream demo/x").state is LinkState.CONNECTED)
            world.push_state(conv, "paused")
            world.push_state(conv, "running")
            await wait_for(lambda: len(_persisted_ids(stores, key)) == len(conv.events))
            await server.stop()  # mid-stream
            await wait_for(
                lambda: stores.links.get("stream demo/x").state is LinkState.RECONNECTING
            )
            for status in ("paused", "running", "waiting_for_confirmation"):  # missed while down
                world.push_state(conv, status)
            server = DemoServer(world, port=port)
            await server.start()
            await wait_for(lambda: stores.links.get("stream demo/x").state is LinkState.CONNECTED)
            world.push_state(conv, "finished")
            await wait_for(lambda: len(_persisted_ids(stores, key)) == len(conv.events))
            await asyncio.sleep(0.2)  # any duplicate would have arrived by now
        assert _persisted_ids(stores, key) == [e["id"] for e in conv.events]
        assert stores.status.get(key).execution_status == "finished"  # type: ignore[union-attr]
        i = states.index(LinkState.CONNECTED)
        assert LinkState.RECONNECTING in states[i:]
        assert (
            states[-1] is LinkState.CONNECTED
            or LinkState.CONNECTED in states[states.index(LinkState.RECONNECTING, i) :]
        )
    finally:
        await server.stop()


@pytest.mark.parametrize("auth", [AuthStyle.HEADER, AuthStyle.FIRST_FRAME, AuthStyle.QUERY])
async def test_every_auth_style_connects(demo: DemoServer, auth: AuthStyle) -> None:
    conv = _frozen(demo.world)
    stores, key = _stores_with(conv)
    target = _target(demo, conv, auth=auth)
    worker = StreamWorker(
        key,
        "s",
        lambda: target,
        EventSink(stores),
        stores.links,
        HandshakeGate(),
        policy=QUICK,
    )
    async with streaming(worker):
        await wait_for(lambda: stores.links.get("s").state is LinkState.CONNECTED)
        world_events = len(conv.events)
        await wait_for(lambda: len(_persisted_ids(stores, key)) == world_events)


@pytest.mark.parametrize(
    ("auth", "code"), [(AuthStyle.HEADER, None), (AuthStyle.FIRST_FRAME, 4001)]
)
async def test_a_bad_key_is_an_auth_failure_and_is_not_hammered(
    demo: DemoServer, auth: AuthStyle, code: int | None
) -> None:
    conv = _frozen(demo.world)
    stores, key = _stores_with(conv)
    target = _target(demo, conv, key="wrong", auth=auth)
    worker = StreamWorker(
        key,
        "s",
        lambda: target,
        EventSink(stores),
        stores.links,
        HandshakeGate(),
        policy=QUICK,
    )
    async with streaming(worker):
        await wait_for(lambda: stores.links.get("s").state is LinkState.FAILED)
        link = stores.links.get("s")
        assert "auth failed" in (link.last_error or "")
        assert link.last_close_code == code  # a refused handshake has no close code (HTTP 403)
        handshakes = demo.sockets.handshakes
        await asyncio.sleep(0.5)
        assert demo.sockets.handshakes == handshakes


async def test_unknown_conversation_closes_4004_and_stops(demo: DemoServer) -> None:
    conv = _frozen(demo.world)
    stores, key = _stores_with(conv)
    target = StreamTarget(
        f"{demo.url}/runtime/{conv.sandbox_id}",
        "0" * 32,
        conv.session_api_key,
        AuthStyle.FIRST_FRAME,
    )
    worker = StreamWorker(
        key,
        "s",
        lambda: target,
        EventSink(stores),
        stores.links,
        HandshakeGate(),
        policy=QUICK,
    )
    async with streaming(worker):
        await wait_for(lambda: stores.links.get("s").state is LinkState.FAILED)
        assert stores.links.get("s").last_close_code == 4004
        handshakes = demo.sockets.handshakes
        await asyncio.sleep(0.3)
        assert demo.sockets.handshakes == handshakes


@asynccontextmanager
async def interleaving_server(frames: list[dict[str, object]]) -> AsyncIterator[str]:
    """An old-style agent server: no /sockets/session (404); /sockets/events sends `frames`."""

    async def events(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for frame in frames:
            await ws.send_str(json.dumps(frame))
        async for _ in ws:  # until the client leaves
            pass
        return ws

    app = web.Application()
    app.router.add_get("/sockets/events/{cid}", events)
    async with serve(app) as url:
        yield url


def _state(
    event_id: str, status: str, at: datetime, key: str = "execution_status"
) -> dict[str, object]:
    value: object = {"execution_status": status} if key == "full_state" else status
    return {
        "kind": "ConversationStateUpdateEvent",
        "id": event_id,
        "timestamp": at.isoformat(),
        "source": "environment",
        "key": key,
        "value": value,
    }


async def test_an_interleaved_replay_does_not_regress_status() -> None:
    now = datetime(2026, 11, 23, 10, 0, 0)
    frames = [
        _state("snap", "running", now, key="full_state"),
        _state("live-1", "finished", now + timedelta(seconds=1)),  # live, newest
        _state("old-2", "idle", now - timedelta(minutes=6)),  # replayed history, older
        _state("old-1", "running", now - timedelta(minutes=5)),
        _state("live-1", "finished", now + timedelta(seconds=1)),  # the replay repeats it
    ]
    stores = Stores()
    cid = "ab" * 16
    stores.status.upsert(
        ConversationView(
            server="a", id=cid, kind=ServerKind.AGENT, status="RUNNING", execution_status="running"
        )
    )
    key = ("a", cid)
    polls: list[Key] = []
    async with interleaving_server(frames) as url:
        target = StreamTarget(url, cid, None)
        worker = StreamWorker(
            key,
            "s",
            lambda: target,
            EventSink(stores),
            stores.links,
            HandshakeGate(),
            policy=QUICK,
            on_reconnected=polls.append,
        )
        async with streaming(worker):
            await wait_for(lambda: stores.events.count(key) == 4)
            await asyncio.sleep(0.1)
    assert worker.endpoint is Endpoint.EVENTS  # fell back: /sockets/session answered 404
    view = stores.status.get(key)
    assert view is not None and view.execution_status == "finished"
    assert [e.id for e in stores.events.events(key)] == ["snap", "live-1", "old-2", "old-1"]
    # The replay's progress is the resume point until the link is settled; the live event
    # waits, so a drop now would replay from old-1 (and drop live-1 again by id).
    assert worker.cursor.timestamp == (now - timedelta(minutes=5)).isoformat()
    assert worker.cursor.pending == (now + timedelta(seconds=1)).isoformat()


async def test_handshakes_are_capped_across_many_streams() -> None:
    world = DemoWorld(n=40, seed=9, spawn_every=1e9, max_visible=None)
    server = DemoServer(world)
    await server.start()
    stores = Stores()
    gate = HandshakeGate(limit=3)
    manager = StreamManager(stores, cap=40, gate=gate, policy=QUICK)
    try:
        running_convs = [
            c
            for c in world.visible()
            if c.sandbox == "RUNNING"
            and c.execution in ("running", "idle", "paused", "waiting_for_confirmation")
        ]
        for c in running_convs:
            stores.status.upsert(demo_view(server, c))
        manager.start()
        await wait_for(lambda: stores.links.totals()[LinkState.CONNECTED] == len(running_convs))
        assert len(running_convs) > 3 and gate.peak <= 3
    finally:
        await manager.stop()
        await server.stop()


async def test_fifty_streams_dropped_at_once_all_come_back_spread_and_lossless() -> None:
    world = DemoWorld(n=120, seed=17, spawn_every=1e9, max_visible=None)
    world.hold_running()
    server = DemoServer(world)
    await server.start()
    stores = Stores()
    gate = HandshakeGate(limit=8)
    policy = StreamPolicy(backoff=Backoff(0.2, 2.0), stagger=0.0)
    manager = StreamManager(stores, cap=50, gate=gate, policy=policy)
    convs = list(world.conversations.values())[:50]
    handshake_times: list[float] = []
    original = server.sockets._serve

    async def timed(request: web.Request, session: bool) -> web.StreamResponse:
        handshake_times.append(asyncio.get_running_loop().time())
        return await original(request, session)

    server.sockets._serve = timed  # type: ignore[method-assign]
    try:
        for c in convs:
            stores.status.upsert(demo_view(server, c))
        manager.start()
        await wait_for(lambda: stores.links.totals()[LinkState.CONNECTED] == 50, timeout=30)
        handshake_times.clear()
        gate.peak = 0
        assert await server.sockets.drop_all() == 50
        for c in convs[:10]:  # events while the links are down
            world.push_state(c, "paused")
        await wait_for(lambda: len(handshake_times) >= 50, timeout=30)
        await wait_for(lambda: stores.links.totals()[LinkState.CONNECTED] == 50, timeout=30)
        for c in convs[:10]:
            world.push_state(c, "running")
        for c in convs:
            await wait_for(_all_persisted(stores, c), timeout=10)
        assert gate.peak <= 8
        spread = max(handshake_times) - min(handshake_times)
        assert spread > 0.1  # full jitter spreads the reconnects instead of one stampede
    finally:
        await manager.stop()
        await server.stop()


async def test_a_burst_of_1013_closes_backs_off_longer_and_loses_nothing() -> None:
    world = DemoWorld(n=12, seed=23, spawn_every=1e9)
    server = DemoServer(world)
    await server.start()
    conv = _frozen(world)
    stores, key = _stores_with(conv)
    target = _target(server, conv)
    busy = StreamPolicy(backoff=Backoff(0.01, 0.02), busy_backoff=Backoff(0.3, 0.6), stagger=0.0)
    worker = StreamWorker(
        key, "s", lambda: target, EventSink(stores), stores.links, HandshakeGate(), policy=busy
    )
    try:
        async with streaming(worker):
            for i in range(3):  # "Too many connections", three times in a row
                await wait_for(lambda: stores.links.get("s").state is LinkState.CONNECTED)
                world.push_state(conv, "paused" if i % 2 else "running")
                server.sockets.drop(conv.hex, 1013)
                await wait_for(_delays_at_least(worker, i + 1))
                assert stores.links.get("s").last_close_code == 1013
            await wait_for(lambda: stores.links.get("s").state is LinkState.CONNECTED)
            await wait_for(lambda: _persisted_ids(stores, key) == [e["id"] for e in conv.events])
        assert len(worker.delays) >= 3
        assert all(d <= 2.4 for d in worker.delays)  # the busy scale (0.3 s, 0.6 s cap), not 0.02 s
        assert sum(worker.delays) > 3 * 0.02  # longer than the normal scale could give
    finally:
        await server.stop()
