"""Links tell the truth: a stream that is no longer wanted vanishes from every surface, and the
health line names servers only, on one line, the worst first."""

from __future__ import annotations

import asyncio

from rich.text import Text

from tests.helpers import FAST, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.fleet.fleet import Fleet, FleetOptions
from tui.store.websocket_store import LinkState, WebSocketStore, is_server_link
from tui.ui.widgets.health_bar import one_line, troubled


async def test_a_stream_no_longer_wanted_leaves_no_link_behind(demo: DemoServer) -> None:
    """Streams that received events are stopped: their last counters must not bring their
    links back as server-less links (they read as `○ DISCONNECTED stream …` in the health
    line)."""
    fleet = Fleet([ServerConfig(demo.url, name="demo")], FleetOptions(FAST, max_streams=8))
    await fleet.start()
    try:
        streams = fleet.streams
        assert streams is not None

        def streaming() -> bool:
            return any(
                link.received > 0 and link.state is LinkState.CONNECTED
                for link in fleet.stores.links.links()
                if not is_server_link(link.name)
            )

        await wait_for(streaming, timeout=20)
        tasks = list(streams._tasks.values())
        streams.cap, streams.linger = 0, 0.0
        streams.reconcile()  # marks them leaving
        streams.reconcile()  # and stops them
        await asyncio.wait(tasks, timeout=5)  # every worker's last words are said
        await asyncio.sleep(0.6)  # a counters timer (0.5 s) would have fired by now
        names = [link.name for link in fleet.stores.links.links()]
        assert names == ["server demo"], names
        assert troubled(fleet.stores.links) == []
    finally:
        await fleet.stop()


def test_the_health_line_names_servers_only_and_never_wraps() -> None:
    store = WebSocketStore()
    store.set("server a", state=LinkState.CONNECTED)
    store.set("stream a/1", state=LinkState.DISCONNECTED, group="a")
    store.set("stream a/2", state=LinkState.FAILED, group="a", last_error="not found")
    assert troubled(store) == []
    for name in ("b", "c", "d"):
        store.set(f"server {name}", state=LinkState.RECONNECTING, last_error="connect refused")
    store.set("server e", state=LinkState.FAILED, last_error="auth failed: 401")
    problems = troubled(store)
    assert problems[0].name == "server e"  # the worst first
    line = one_line([Text(f"✖ {p.name}: {p.last_error}") for p in problems], 60)
    assert line.cell_len <= 60
    assert "server e" in line.plain
    assert "more servers" in line.plain  # what did not fit is counted
