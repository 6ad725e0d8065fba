"""The four stores, mirroring the web frontend's Status, Event, WebSocket and error stores."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.store.error_store import ErrorStore
from tui.store.event_store import EventStore
from tui.store.status_store import StatusStore
from tui.store.websocket_store import WebSocketStore


@dataclass(slots=True)
class Stores:
    """Everything the UI reads. Widgets subscribe to the stores' signals; only workers write."""

    status: StatusStore = field(default_factory=StatusStore)
    events: EventStore = field(default_factory=EventStore)
    links: WebSocketStore = field(default_factory=WebSocketStore)
    errors: ErrorStore = field(default_factory=ErrorStore)
