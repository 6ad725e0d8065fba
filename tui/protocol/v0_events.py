"""V0 socket.io `oh_event` payloads (openhands-ai <= 1.6, §4), read as the SDK-style models.

Actions and observations have integer ids; status updates and errors have none. The agent
state becomes the conversation's fine status; task tracking becomes the task list.
"""

from __future__ import annotations

from typing import Any

from tui.protocol.base import PayloadError
from tui.protocol.events import (
    ActionEvent,
    ConversationErrorEvent,
    Event,
    ObservationEvent,
    ServerErrorEvent,
    StateUpdateEvent,
    UnknownEvent,
)


def v0_event_id(data: dict[str, Any]) -> int | None:
    """The numeric id of a V0 event (status updates and errors have none)."""
    value = data.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_v0_event(data: Any) -> Event:
    """One `oh_event` payload as an event model. Raises PayloadError for non-objects."""
    if not isinstance(data, dict):
        raise PayloadError("an oh_event payload must be a JSON object")
    number = v0_event_id(data)
    base = {
        "id": f"v0-{number}" if number is not None else "",
        "timestamp": str(data.get("timestamp") or ""),
        "source": data.get("source") if isinstance(data.get("source"), str) else None,
    }
    extras: dict[str, Any] = data["extras"] if isinstance(data.get("extras"), dict) else {}
    args: dict[str, Any] = data["args"] if isinstance(data.get("args"), dict) else {}
    message = str(data.get("message") or "")
    if data.get("status_update"):
        if data.get("type") == "error":
            code = str(data.get("id") or "STATUS$ERROR")
            return ConversationErrorEvent(
                kind="ConversationErrorEvent", code=code, detail=message, **{**base, "id": ""}
            )
        return UnknownEvent(kind="V0StatusUpdate", raw=data, **{**base, "id": ""})
    if data.get("error"):
        return ServerErrorEvent(kind="ServerErrorEvent", code="error", detail=message, **base)
    observation = data.get("observation")
    if observation == "agent_state_changed" and isinstance(extras.get("agent_state"), str):
        return StateUpdateEvent(
            kind="ConversationStateUpdateEvent",
            key="execution_status",
            value=extras["agent_state"],
            **base,
        )
    if observation == "task_tracking":
        payload = {
            "kind": "TaskTrackerObservation",
            "command": extras.get("command"),
            "task_list": extras.get("task_list"),
        }
        return ObservationEvent(
            kind="ObservationEvent", tool_name="task_tracker", observation=payload, **base
        )
    if data.get("action") == "task_tracking":
        payload = {
            "kind": "TaskTrackerAction",
            "command": args.get("command"),
            "task_list": args.get("task_list"),
        }
        return ActionEvent(kind="ActionEvent", tool_name="task_tracker", action=payload, **base)
    kind = f"V0:{observation or data.get('action') or 'event'}"
    return UnknownEvent(kind=kind, raw=data, **base)
