"""What triage reads of one conversation from its server, on demand: its timeline from the
server's own history (cached a while), its newest events, its task list and last error."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from tui.alerts.attention import ErrorGroup, Need, error_groups, queue
from tui.alerts.watcher import silent_for
from tui.client.errors import ApiError, ErrorKind
from tui.protocol.events import Event
from tui.store.timeline import Entry, from_events
from tui.store.view import ConversationView, Key

if TYPE_CHECKING:
    from tui.fleet.fleet import Fleet

HISTORY_TTL = 30.0  # seconds a conversation's server history is reused


async def server_history(fleet: Fleet, key: Key) -> list[Entry] | None:
    """The conversation's timeline from its server's own event history (cached for a
    while); None when the server offers none, or cannot be asked now."""
    cached = fleet.histories.get(key)
    if cached is not None and time.monotonic() - cached[0] < HISTORY_TTL:
        return cached[1]
    monitor = fleet.monitor_of(key[0])
    source = monitor.source if monitor is not None else None
    if source is None:
        return None
    try:
        events = await source.history(key[1])
    except ApiError as exc:
        if exc.kind not in (ErrorKind.NOT_FOUND, ErrorKind.CLIENT, ErrorKind.NOT_API):
            raise
        events = None
    entries = from_events(events) if events is not None else None
    fleet.histories[key] = (time.monotonic(), entries)
    return entries


async def recent_events(fleet: Fleet, key: Key, n: int = 50) -> list[Event]:
    """The conversation's newest events from its server (else what ohtop kept)."""
    monitor = fleet.monitor_of(key[0])
    source = monitor.source if monitor is not None else None
    if source is not None:
        with contextlib.suppress(ApiError):
            events = await source.recent(key[1], n)
            if events:
                return events
    return fleet.stores.events.events(key)[-n:]


async def details_of(fleet: Fleet, key: Key) -> None:
    """Read one conversation's task list and last error now (a report wants them)."""
    monitor = fleet.monitor_of(key[0])
    if monitor is not None and monitor.source is not None:
        await monitor.load_details_of(key)


def needs(fleet: Fleet) -> list[Need]:
    """Every conversation that needs a person now, and why, the longest waiting first."""
    thresholds = fleet.alerts.thresholds
    return queue(
        fleet.stores.status,
        fleet.wall(),
        thresholds,
        fleet.last_heard,
        fleet.link_reasons,
        fleet.recorder.looked.get,
    )


def failed_last_hour(fleet: Fleet) -> list[ErrorGroup]:
    """The conversations now in ERROR that entered it within the hour, grouped by code."""
    return error_groups(fleet.stores.status, fleet.wall() - 3600)


def silence(fleet: Fleet, view: ConversationView, now: float) -> float | None:
    """How long a RUNNING conversation has been silent, once past the alert's limit (else
    None): what its row says instead of its state."""
    seconds = silent_for(view, now, fleet.last_heard(view.key))
    limit = fleet.alerts.thresholds.silent_minutes * 60
    return seconds if seconds is not None and seconds > limit else None
