"""A conversation's real timeline: built from the server's own event history (status changes
with the server's times, errors with their codes, pauses, confirmations asked and given or
refused, the finish), merged with what ohtop saw live. No Textual here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.protocol.base import plausible_time
from tui.protocol.events import (
    ConversationErrorEvent,
    Event,
    StateUpdateEvent,
)
from tui.store.status_store import Transition

SAME_MOMENT = 5.0  # seconds within which ohtop's sighting repeats a server entry


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a timeline."""

    at: float  # epoch seconds
    text: str
    source: str  # "server" (its own event, its own time) or "ohtop" (what ohtop saw)
    kind: str = "status"  # status, error, pause, confirmation, finish, seen
    execution: str | None = None


def server_time(stamp: str) -> float | None:
    """An event timestamp (the agent server's naive local time, read as this machine's local
    time; an aware one as given) as epoch seconds, or None when it cannot be real."""
    try:
        parsed = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    local = parsed if parsed.tzinfo is not None else parsed.astimezone()
    plausible = plausible_time(local)
    return plausible.timestamp() if plausible is not None else None


def _status_text(previous: str | None, execution: str) -> tuple[str, str]:
    if execution == "waiting_for_confirmation":
        return "confirmation", "waiting for confirmation (an action needs a person's yes)"
    if previous == "waiting_for_confirmation" and execution == "running":
        return "confirmation", "confirmation given: running again"
    if execution == "finished":
        return "finish", "finished"
    if execution == "paused":
        return "pause", "paused"
    return "status", f"status -> {execution}"


def from_events(events: list[Event]) -> list[Entry]:
    """Timeline entries from history events (oldest first); repeated statuses collapse."""
    out: list[Entry] = []
    previous: str | None = None
    for event in events:
        at = server_time(event.timestamp)
        if at is None:
            continue
        if isinstance(event, StateUpdateEvent) and event.key != "full_state":
            execution = event.execution_status
            if execution is None or execution == previous:
                continue
            kind, text = _status_text(previous, execution)
            out.append(Entry(at, text, "server", kind, execution))
            previous = execution
        elif isinstance(event, ConversationErrorEvent):
            hints = []
            c = event.classification
            if c is not None and c.kind:
                hints.append(c.kind)
            if c is not None and c.retryable is not None:
                hints.append("retryable" if c.retryable else "not retryable")
            extra = f" ({', '.join(hints)})" if hints else ""
            out.append(Entry(at, f"ERROR {event.code}: {event.detail}{extra}", "server", "error"))
        elif event.kind == "PauseEvent":
            out.append(Entry(at, f"pause asked by {event.source or 'someone'}", "server", "pause"))
        elif event.kind == "UserRejectObservation":
            out.append(
                Entry(at, "confirmation refused: the action was rejected", "server", "confirmation")
            )
    return out


def from_transitions(transitions: list[Transition]) -> list[Entry]:
    """What ohtop saw, as entries."""
    out = []
    for t in transitions:
        old = f"{t.old_status}/{t.old_execution or '-'}" if t.old_status else "first seen"
        text = f"{old} -> {t.new_status}/{t.new_execution or '-'} ({t.reason})"
        kind = "seen" if t.old_status is None else "status"
        out.append(Entry(t.at, text, "ohtop", kind, t.new_execution))
    return out


def merge(server: list[Entry] | None, seen: list[Transition]) -> list[Entry]:
    """The server's entries with ohtop's sightings, in time order. A sighting of a change the
    server's history already has (same status within a few seconds) is left out."""
    ours = from_transitions(seen)
    if not server:
        return ours
    kept = [
        o
        for o in ours
        if not any(s.execution == o.execution and abs(s.at - o.at) <= SAME_MOMENT for s in server)
    ]
    return sorted(server + kept, key=lambda e: e.at)
