"""V0 socket.io `oh_event` payloads (openhands-ai <= 1.6; docs/protocol.md "V0 socket.io"),
read as the SDK-style models.

Actions and observations have integer ids; status updates and errors have none. The agent
state becomes the conversation's fine status; task tracking becomes the task list.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tui.protocol.base import PayloadError, validate
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
    observation = data.get("observation")
    fallback = f"V0:{observation or data.get('action') or 'event'}"
    model, fields = _shape(data, message, extras, args)
    try:
        return validate(model, {**base, **fields})
    except ValidationError:  # a known shape with odd contents: keep it raw
        return validate(UnknownEvent, {**base, "kind": fallback, "raw": data})


def _shape(
    data: dict[str, Any], message: str, extras: dict[str, Any], args: dict[str, Any]
) -> tuple[type[Event], dict[str, Any]]:
    """Which model an `oh_event` becomes, and its fields beyond the base ones."""
    observation = data.get("observation")
    if data.get("status_update"):
        if data.get("type") == "error":
            code = str(data.get("id") or "STATUS$ERROR")
            return ConversationErrorEvent, {"id": "", "code": code, "detail": message}
        return UnknownEvent, {"id": "", "kind": "V0StatusUpdate", "raw": data}
    if data.get("error"):
        return ServerErrorEvent, {"code": "error", "detail": message}
    if observation == "agent_state_changed" and isinstance(extras.get("agent_state"), str):
        return StateUpdateEvent, {"key": "execution_status", "value": extras["agent_state"]}
    if observation == "task_tracking":
        body = {"kind": "TaskTrackerObservation", "task_list": extras.get("task_list")}
        return ObservationEvent, {"tool_name": "task_tracker", "observation": body}
    if data.get("action") == "task_tracking":
        body = {
            "kind": "TaskTrackerAction",
            "command": args.get("command"),
            "task_list": args.get("task_list"),
        }
        return ActionEvent, {"tool_name": "task_tracker", "action": body}
    kind = f"V0:{observation or data.get('action') or 'event'}"
    return UnknownEvent, {"kind": kind, "raw": data}
