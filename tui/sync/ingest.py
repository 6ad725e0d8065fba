"""Events into the stores: status at once, tasks, errors, cost; replays never regress status."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from tui.client.stream import Incoming
from tui.protocol.events import (
    ActionEvent,
    AgentErrorEvent,
    ConversationErrorEvent,
    Event,
    ObservationEvent,
    StateUpdateEvent,
    UserRejectObservation,
)
from tui.store.pending import pending_actions
from tui.store.stores import Stores
from tui.store.view import ErrorInfo, Key

IGNORED_KINDS = frozenset({"StreamingDeltaEvent"})
# Events that change which actions wait: a new action, or an answer to one.
ANSWERS = (ActionEvent, ObservationEvent, UserRejectObservation, AgentErrorEvent)
EARLIEST = datetime(2000, 1, 1)
# Event times are the server's naive local time; whatever its time zone, it is not this far
# ahead of ours.
AHEAD = timedelta(days=2)


def event_time(event: Event) -> datetime | None:
    """The event's naive server-local timestamp, parsed; None when unreadable or implausible
    (a year-9999 stamp must not outrank every later event)."""
    try:
        value = datetime.fromisoformat(event.timestamp).replace(tzinfo=None)
    except (TypeError, ValueError):
        return None
    if value < EARLIEST or value > datetime.now() + AHEAD:
        return None
    return value


class EventSink:
    """Applies stream events to the stores, in timestamp order per conversation."""

    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        # Timestamp of the newest execution status applied, per conversation: an older one
        # arriving later (a replay interleaved with live frames) must not win.
        self._state_at: dict[Key, datetime] = {}
        self.received: Counter[str] = Counter()  # new events taken in, per server
        self.per_conversation: Counter[Key] = Counter()

    def forget(self, key: Key) -> None:
        """Let go of what is kept of a conversation that is gone."""
        self._state_at.pop(key, None)
        self.per_conversation.pop(key, None)

    def ingest(self, key: Key, item: Incoming, via: str = "") -> bool:
        """Apply one incoming event (`via`: how it came, when not a live stream: "push").
        Returns False for duplicates and ignored kinds."""
        event = item.event
        if event.kind in IGNORED_KINDS:
            return False
        if not self.stores.events.add(key, event):
            return False
        self.received[key[0]] += 1
        self.per_conversation[key] += 1
        status = self.stores.status
        reason = via or f"event {event.kind}"
        if isinstance(event, StateUpdateEvent):
            self._state(key, event, item.replay, reason)
        elif isinstance(event, ObservationEvent) and event.task_list is not None:
            status.set_details(key, tasks=tuple(event.task_list), reason=reason)
        if isinstance(event, ANSWERS):  # what it waits for moved: read it again from its events
            pending = pending_actions(self.stores.events.events(key))
            status.set_details(key, pending=pending, reason=reason)
        elif isinstance(event, ConversationErrorEvent):
            live = not item.replay and self._newer(key, event)
            status.apply_error(key, ErrorInfo.from_event(event), reason, live)
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

    def _state(self, key: Key, event: StateUpdateEvent, replay: bool, reason: str) -> None:
        if replay or key not in self.stores.status:
            return  # history is old news: the snapshot after a replay has the current state
        stats = event.stats
        usage = stats.usage if stats is not None else None
        execution = event.execution_status
        if execution is not None and not self._newer(key, event):
            execution = None
        self.stores.status.apply_state(
            key,
            reason,
            execution_status=execution,
            usage=(usage.cost, usage.tokens) if usage is not None else None,
        )
