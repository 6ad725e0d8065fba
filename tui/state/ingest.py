"""Events into the stores: status at once, tasks, errors, cost; replays never regress status."""

from __future__ import annotations

from datetime import datetime

from tui.client.stream import Incoming
from tui.protocol import status as st
from tui.protocol.events import (
    ConversationErrorEvent,
    Event,
    ObservationEvent,
    StateUpdateEvent,
)
from tui.state.mapping import seed_for
from tui.state.stores import Stores
from tui.state.view import ErrorInfo, Key

IGNORED_KINDS = frozenset({"StreamingDeltaEvent"})


def event_time(event: Event) -> datetime | None:
    """The event's naive server-local timestamp, parsed (None when unreadable)."""
    try:
        value = datetime.fromisoformat(event.timestamp)
    except ValueError:
        return None
    return value.replace(tzinfo=None)


class EventSink:
    """Applies stream events to the stores, in timestamp order per conversation."""

    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        # Timestamp of the newest execution status applied, per conversation: an older one
        # arriving later (a replay interleaved with live frames) must not win.
        self._state_at: dict[Key, datetime] = {}

    def ingest(self, key: Key, item: Incoming) -> bool:
        """Apply one incoming event. Returns False for duplicates and ignored kinds."""
        event = item.event
        if event.kind in IGNORED_KINDS:
            return False
        if not self.stores.events.add(key, event):
            return False
        fields: dict[str, object] = {}
        if isinstance(event, StateUpdateEvent):
            self._state(key, event, fields, item.replay)
        elif isinstance(event, ObservationEvent) and event.task_list is not None:
            fields["tasks"] = tuple(event.task_list)
        elif isinstance(event, ConversationErrorEvent):
            self._error(key, event, fields, item.replay)
        if fields:
            self.stores.status.update(key, reason=f"event {event.kind}", **fields)
        return True

    def _newer(self, key: Key, event: Event) -> bool:
        at = event_time(event)
        last = self._state_at.get(key)
        if at is None:
            return last is None
        if last is not None and at < last:
            return False
        self._state_at[key] = at
        return True

    def _state(
        self, key: Key, event: StateUpdateEvent, fields: dict[str, object], replay: bool
    ) -> None:
        stats = event.stats
        usage = stats.usage if stats is not None else None
        if usage is not None and not replay:
            fields["cost"], fields["tokens"] = usage.cost, usage.tokens
        execution = event.execution_status
        view = self.stores.status.get(key)
        # History is old news: the snapshot that follows a replay carries the current status.
        if execution is None or view is None or replay or not self._newer(key, event):
            return
        fields["execution_status"] = execution
        fields["status"] = seed_for(view, execution)

    def _error(
        self, key: Key, event: ConversationErrorEvent, fields: dict[str, object], replay: bool
    ) -> None:
        fields["last_error"] = ErrorInfo.from_event(event)
        view = self.stores.status.get(key)
        if view is not None and not replay and self._newer(key, event):
            fields["execution_status"] = "error"
            fields["status"] = st.ERROR
