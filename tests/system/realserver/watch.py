"""ohtop's Fleet watching the real agent server, recording what it sees (shared by the
real-server tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.system.realserver.harness import AgentServer
from tui.client.config import ServerConfig
from tui.fleet.fleet import Fleet, FleetOptions
from tui.protocol.ids import normalize_id
from tui.store.status_store import Transition
from tui.store.view import Key
from tui.sync.polling import PollIntervals

FAST = PollIntervals(
    starting=0.5, running=1.0, stopped=1.0, error=1.0, other=1.0, discover=1.0, jitter=0.0
)
KEY = "ohtop-test-key"
LABEL = "real"


def key_of(cid: str) -> Key:
    """The store key of a conversation on the real server."""
    return (LABEL, normalize_id(cid))


class Watch:
    """ohtop's Fleet (REST polling and live streams) on the real server, recording the
    execution statuses and task plans it saw."""

    def __init__(self, server: AgentServer) -> None:
        config = ServerConfig(server.url, name=LABEL, session_api_key=KEY)
        self.fleet = Fleet([config], FleetOptions(FAST, max_streams=100))
        self.stores = self.fleet.stores
        self.seen: dict[Key, list[str]] = {}
        self.tasks: dict[Key, list[tuple[int, int]]] = {}
        self.stores.status.transitions.subscribe(self._transition)
        self.stores.status.changed.subscribe(self._changed)

    def _transition(self, t: Transition) -> None:
        execution, key = t.new_execution, t.key
        if execution is not None:
            history = self.seen.setdefault(key, [])
            if not history or history[-1] != execution:
                history.append(execution)

    def _changed(self, keys: frozenset[Key]) -> None:
        for key in keys:
            view = self.stores.status.get(key)
            if view is not None and view.tasks_total:
                snap = (view.tasks_done, view.tasks_total)
                history = self.tasks.setdefault(key, [])
                if not history or history[-1] != snap:
                    history.append(snap)

    def status(self, cid: str) -> str | None:
        view = self.stores.status.get(key_of(cid))
        return view.execution_status if view else None


@asynccontextmanager
async def watching(server: AgentServer) -> AsyncIterator[Watch]:
    """A started Fleet on the real server, stopped on the way out."""
    watch = Watch(server)
    await watch.fleet.start()
    try:
        yield watch
    finally:
        await watch.fleet.stop()
