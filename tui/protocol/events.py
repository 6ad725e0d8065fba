"""Agent-server events, dispatched on `kind`. Unknown kinds are kept as raw data (§3.4)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError

from tui.protocol.base import AnyDict, OpenStr, PayloadError, WireModel
from tui.protocol.status import EXECUTION_STATUS_KEYS

# The server normalises these aliases; older servers may still send them (§3.5).
_TASK_STATUS_ALIASES = {"pending": "todo", "to_do": "todo", "completed": "done", "complete": "done"}


def _task_status(value: Any) -> str:
    text = str(value) if value is not None else "todo"
    return _TASK_STATUS_ALIASES.get(text, text)


class TaskItem(WireModel):
    """One task of the task tracker: `todo`, `in_progress` or `done` (kept open)."""

    title: str = ""
    notes: str = ""
    status: Annotated[str, BeforeValidator(_task_status)] = "todo"


class ErrorClassification(WireModel):
    """`classification` of error events: what kind, retryable, what the user should do."""

    kind: OpenStr = None
    retryable: bool | None = None
    user_action: OpenStr = None


class Event(WireModel):
    """Base event: `kind` discriminator, dashed `id`, naive server-local `timestamp` string."""

    kind: str = ""
    id: str = ""
    # Kept verbatim: it is echoed back as `after_timestamp` and compared server-side.
    timestamp: str = ""
    source: OpenStr = None


class StateUpdateEvent(Event):
    """`ConversationStateUpdateEvent`: one key of the conversation state changed."""

    key: str = ""
    value: Any = None

    @property
    def execution_status(self) -> str | None:
        """The execution status this update carries, if any (`full_state` or the plain keys)."""
        if self.key == "full_state" and isinstance(self.value, dict):
            status = self.value.get("execution_status")
            return status if isinstance(status, str) else None
        if self.key in EXECUTION_STATUS_KEYS and isinstance(self.value, str):
            return self.value
        return None

    @property
    def stats(self) -> Any:
        """The `stats` payload this update carries, if any."""
        if self.key == "stats":
            return self.value
        if self.key == "full_state" and isinstance(self.value, dict):
            return self.value.get("stats")
        return None


class _ToolEvent(Event):
    tool_name: OpenStr = None
    tool_call_id: OpenStr = None


def _task_list(payload: dict[str, Any]) -> list[TaskItem] | None:
    items = payload.get("task_list")
    if not isinstance(items, list):
        return None
    return [TaskItem.model_validate(i) for i in items if isinstance(i, dict)]


class ActionEvent(_ToolEvent):
    """An agent action; `action.kind` names the tool's action class."""

    action: AnyDict = Field(default_factory=dict)

    @property
    def action_kind(self) -> str:
        """The nested action class name, e.g. `TerminalAction`."""
        return str(self.action.get("kind", ""))


class ObservationEvent(_ToolEvent):
    """A tool's observation; task-tracker observations carry the full task list."""

    observation: AnyDict = Field(default_factory=dict)

    @property
    def task_list(self) -> list[TaskItem] | None:
        """The authoritative task list, when this is a task-tracker observation."""
        if self.observation.get("kind") != "TaskTrackerObservation" and self.tool_name != (
            "task_tracker"
        ):
            return None
        return _task_list(self.observation)


class ConversationErrorEvent(Event):
    """The run loop died: the conversation is in error."""

    code: str = ""
    detail: str = ""
    classification: ErrorClassification | None = None


class AgentErrorEvent(_ToolEvent):
    """A tool or scaffold error; the conversation can continue."""

    error: str = ""
    classification: ErrorClassification | None = None


class ServerErrorEvent(Event):
    """An infrastructure error reported by the agent server (MCP, websocket)."""

    code: str = ""
    detail: str = ""


class MessageEvent(Event):
    """A user or agent message."""

    llm_message: AnyDict = Field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message's text parts joined."""
        content = self.llm_message.get("content")
        if not isinstance(content, list):
            return ""
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
        )


class UnknownEvent(Event):
    """A kind ohtop does not model (or a known kind of the wrong shape): kept as raw data."""

    raw: AnyDict = Field(default_factory=dict)


_KINDS: dict[str, type[Event]] = {
    "ConversationStateUpdateEvent": StateUpdateEvent,
    "ActionEvent": ActionEvent,
    "ObservationEvent": ObservationEvent,
    "ConversationErrorEvent": ConversationErrorEvent,
    "AgentErrorEvent": AgentErrorEvent,
    "ServerErrorEvent": ServerErrorEvent,
    "MessageEvent": MessageEvent,
}
# Kinds that need nothing beyond the base fields.
_PLAIN_KINDS = frozenset(
    {"PauseEvent", "InterruptEvent", "SystemPromptEvent", "Condensation", "StreamingDeltaEvent"}
)


def parse_event(data: Any) -> Event:
    """Turn one decoded JSON event into a model. Raises PayloadError only for non-objects."""
    if not isinstance(data, dict):
        raise PayloadError(f"an event must be a JSON object, got {type(data).__name__}")
    kind = data.get("kind")
    kind = kind if isinstance(kind, str) else None  # a list or object is no kind at all
    model = _KINDS.get(kind) if kind is not None else None
    try:
        if model is not None:
            return model.model_validate(data)
        if kind in _PLAIN_KINDS:
            return Event.model_validate(data)
        return UnknownEvent.model_validate({**_base_fields(data), "raw": data})
    except ValidationError:
        return UnknownEvent.model_validate({**_base_fields(data), "raw": data})


def _base_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": str(data.get("kind") or "?"),
        "id": str(data.get("id") or ""),
        "timestamp": str(data.get("timestamp") or ""),
        "source": data.get("source") if isinstance(data.get("source"), str) else None,
    }
