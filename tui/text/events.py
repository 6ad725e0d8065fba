"""One line of plain text per event, for the event tail (server text cleaned, never markup)."""

from __future__ import annotations

from tui.protocol.events import (
    ActionEvent,
    AgentErrorEvent,
    ConversationErrorEvent,
    Event,
    MessageEvent,
    ObservationEvent,
    ServerErrorEvent,
    StateUpdateEvent,
    UnknownEvent,
)
from tui.text.format import money
from tui.text.sanitize import clean


def clock_of(event: Event) -> str:
    """HH:MM:SS of the event's timestamp (server-local), or blanks."""
    stamp = event.timestamp
    return clean(stamp[11:19], 8) if len(stamp) >= 19 else " " * 8


def _state(e: StateUpdateEvent) -> str:
    if e.key == "full_state":
        return f"state snapshot: {e.execution_status or '?'}"
    if e.execution_status is not None:
        return f"status -> {e.execution_status}"
    if e.key == "stats" and e.stats is not None and (usage := e.stats.usage) is not None:
        return f"usage {money(usage.cost)}, {usage.tokens} tokens"
    return f"state {e.key}"


def _action(e: ActionEvent) -> str:
    kind = e.action_kind or "action"
    tool = e.tool_name or "?"
    if kind == "TaskTrackerAction":
        n = len(e.action.task_list or ())
        return f"{tool}: {e.action.command or 'view'} {n} tasks"
    for value in (e.action.command, e.action.message, e.action.path, e.action.thought):
        if value:
            return f"{tool}: {value}"
    return f"{tool}: {kind}"


def describe(event: Event) -> tuple[str, str]:
    """(category, text) of an event; category picks the style: error, state, agent, other."""
    if isinstance(event, ConversationErrorEvent):
        return "error", f"ERROR {event.code}: {event.detail}"
    if isinstance(event, AgentErrorEvent):
        return "error", f"agent error ({event.tool_name or '?'}): {event.error}"
    if isinstance(event, ServerErrorEvent):
        return "error", f"server error {event.code}: {event.detail}"
    if isinstance(event, StateUpdateEvent):
        return "state", _state(event)
    if isinstance(event, ActionEvent):
        return "agent", _action(event)
    if isinstance(event, ObservationEvent):
        tool = event.tool_name or "?"
        if (plan := event.task_list) is not None and not event.observation.text:
            done = sum(1 for t in plan if t.status == "done")  # V0 sends the plan, no text
            return "other", f"{tool} -> plan: {len(plan)} tasks, {done} done"
        return (
            "other",
            f"{tool} -> {event.observation.text or event.observation.kind or ''}",
        )
    if isinstance(event, MessageEvent):
        return "agent", f"{event.source or '?'} says: {event.text}"
    if event.kind == "PauseEvent":
        return "state", "paused by the user"
    if isinstance(event, UnknownEvent):
        return "other", f"{event.kind} ({', '.join(sorted(event.raw)[:6])})"
    return "other", event.kind


def event_line(event: Event, width: int = 200) -> tuple[str, str]:
    """(category, 'HH:MM:SS text') cut to `width` characters."""
    category, text = describe(event)
    return category, f"{clock_of(event)} {clean(text, width)}"
