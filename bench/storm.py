"""Reconnect storm: 500 live streams dropped at once by a loopback demo server.

Production settings (full-jitter backoff from 1 s, at most 8 handshakes at a time). While the
links are down, 100 conversations change state; afterwards every durable event of every
conversation must be in ohtop's stores exactly once.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from bench import size
from tui.demo.server import DemoServer
from tui.demo.shapes import app_conversation
from tui.demo.world import DemoWorld
from tui.protocol.conversations import AppConversation
from tui.store.mapping import from_v1
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.stream_manager import StreamManager
from tui.sync.stream_parts import HandshakeGate

STREAMS = size(500, 10)
CHANGED_WHILE_DOWN = size(100, 3)


async def _until(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def run() -> None:
    world = DemoWorld(n=STREAMS, seed=17, spawn_every=1e12, max_visible=None)
    convs = world.hold_running()
    server = DemoServer(world)
    await server.start()
    handshakes: list[float] = []
    serve = server.sockets._serve

    async def timed(request: web.Request, session: bool) -> web.StreamResponse:
        handshakes.append(time.monotonic())
        return await serve(request, session)

    server.sockets._serve = timed  # type: ignore[method-assign]
    stores = Stores()
    gate = HandshakeGate()
    manager = StreamManager(stores, cap=STREAMS, gate=gate)
    try:
        with stores.status.batch():
            for c in convs:
                raw = app_conversation(world, c, server.url)
                stores.status.upsert(from_v1("demo", AppConversation.model_validate(raw)))
        manager.start()

        def connected() -> int:
            return stores.links.totals()[LinkState.CONNECTED]

        start = time.monotonic()
        up = await _until(lambda: connected() == STREAMS, 300)
        first = time.monotonic() - start
        handshakes.clear()
        gate.peak = 0
        dropped_at = time.monotonic()
        dropped = await server.sockets.drop_all()
        for c in convs[:CHANGED_WHILE_DOWN]:
            world.push_state(c, "paused")
        await asyncio.sleep(0.2)
        back = await _until(lambda: connected() == STREAMS and len(handshakes) >= dropped, 120)
        recovered = time.monotonic() - dropped_at
        complete = await _until(lambda: _missing(stores, convs) == 0, 30)
        missing = _missing(stores, convs)
        events = sum(len(c.events) for c in convs)
        spread = max(handshakes) - min(handshakes) if handshakes else 0.0
    finally:
        await manager.stop()
        await server.stop()
    print(f"\n6. Reconnect storm: {STREAMS} streams (loopback demo server, same process)")
    print(f"   first connect of all {STREAMS}: {first:5.1f} s" + ("" if up else " (NOT all up)"))
    print(f"   dropped at once: {dropped}; all back in {recovered:5.1f} s", end="")
    print("" if back else " (NOT all back)", "  (target < 60 s)")
    print(f"   re-handshakes spread over {spread:4.1f} s, at most {gate.peak} at a time (cap 8)")
    print(f"   durable events missing after the storm: {missing} of {events}", end="")
    print(f" ({CHANGED_WHILE_DOWN} conversations changed while down)" + ("" if complete else "!"))


def _ids(stores: Stores, hex_id: str) -> list[str]:
    events = stores.events.events(("demo", hex_id))
    return [e.id for e in events if not e.id.startswith("full-state")]


def _missing(stores: Stores, convs: list) -> int:  # type: ignore[type-arg]
    return sum(len({e["id"] for e in c.events} - set(_ids(stores, c.hex))) for c in convs)


if __name__ == "__main__":
    asyncio.run(run())
