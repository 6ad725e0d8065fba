"""V0 app servers (openhands-ai <= 1.6): REST without batches, live events over socket.io."""

from __future__ import annotations

import asyncio

from tests.helpers import wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.protocol.events import ConversationErrorEvent, ObservationEvent, StateUpdateEvent
from tui.protocol.v0_events import parse_v0_event
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff
from tui.sync.monitor import ServerMonitor
from tui.sync.polling import PollIntervals
from tui.sync.stream_manager import DirectServer, StreamManager, link_name
from tui.sync.stream_parts import StreamPolicy

FAST = PollIntervals(
    starting=0.2, running=0.2, stopped=0.2, error=0.2, other=0.2, discover=0.5, jitter=0.0
)
POLICY = StreamPolicy(backoff=Backoff(0.05, 0.2), stagger=0.0)


def test_v0_payloads_read_as_events() -> None:
    state = parse_v0_event(
        {
            "id": 57,
            "timestamp": "2025-11-20T10:02:11",
            "source": "agent",
            "observation": "agent_state_changed",
            "content": "",
            "extras": {"agent_state": "awaiting_user_input"},
        }
    )
    assert (
        isinstance(state, StateUpdateEvent)
        and state.execution_status == "awaiting_user_input"
        and state.id == "v0-57"
    )
    tasks = parse_v0_event(
        {
            "id": 3,
            "observation": "task_tracking",
            "extras": {
                "command": "plan",
                "task_list": [{"id": "1", "title": "a", "status": "done"}],
            },
        }
    )
    assert (
        isinstance(tasks, ObservationEvent)
        and tasks.task_list is not None
        and tasks.task_list[0].status == "done"
    )
    err = parse_v0_event(
        {
            "status_update": True,
            "type": "error",
            "id": "STATUS$ERROR_LLM_AUTHENTICATION",
            "message": "bad key",
        }
    )
    assert isinstance(err, ConversationErrorEvent) and err.code == "STATUS$ERROR_LLM_AUTHENTICATION"
    assert parse_v0_event({"id": 9, "action": "run", "args": {}}).kind == "V0:run"


async def test_v0_server_is_detected_polled_and_streamed_without_waking_stopped_ones() -> None:
    world = DemoWorld(n=20, seed=13, spawn_every=1e9)
    server = DemoServer(world, v0=True, api_key="v0key")
    await server.start()
    port = server.port
    assert server.v0 is not None
    stores = Stores()
    config = ServerConfig(server.url, name="v0", session_api_key="v0key")
    monitor = ServerMonitor(config, stores, FAST)
    manager = StreamManager(
        stores,
        cap=50,
        direct={"v0": DirectServer(server.url, "v0key")},
        request_poll=monitor.poll_soon,
        policy=POLICY,
    )
    target = next(c for c in world.visible() if c.sandbox == "RUNNING" and c.execution == "running")
    target.script.steps.clear()
    key = ("v0", target.hex)
    task = asyncio.create_task(monitor.run())
    manager.start()
    try:
        await wait_for(lambda: monitor.source is not None and monitor.source.kind == "v0")
        await wait_for(
            lambda: stores.links.get(link_name(("v0", target.hex))).state is LinkState.CONNECTED
        )
        # The replay ends with the newest agent state (sent last, with a lower id): it wins.
        await wait_for(lambda: stores.status.get(key).execution_status == "running")  # type: ignore[union-attr]
        world.push_state(target, "paused")
        await wait_for(lambda: stores.status.get(key).execution_status == "paused")  # type: ignore[union-attr]
        await asyncio.sleep(0.5)  # REST polls (no agent state in V0 REST) must not erase it
        assert stores.status.get(key).execution_status == "paused"  # type: ignore[union-attr]
        await server.stop()
        await wait_for(
            lambda: stores.links.get(link_name(("v0", target.hex))).state is LinkState.RECONNECTING
        )
        world.push_state(target, "running")  # while the server is away
        server = DemoServer(world, v0=True, api_key="v0key", port=port)
        await server.start()
        await wait_for(lambda: stores.status.get(key).execution_status == "running")  # type: ignore[union-attr]
        assert server.v0 is not None and server.v0.starts_caused == 0  # never woke a stopped one
        ids = [e.id for e in stores.events.events(key)]
        assert len(ids) == len(set(ids))
    finally:
        await manager.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
