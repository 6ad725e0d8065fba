"""Agent-server events, dispatched on `kind`. Unknown kinds are kept as raw data
(docs/protocol.md "Live events").

The models declare only what ohtop shows or acts on, so the parts it never reads (an agent's
full configuration in a `full_state` snapshot, tool-call arguments, metric histories) are neither
built as Python objects (`decode_event`) nor kept for every retained event.
"""

from __future__ import annotations

from dataclasses import field
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic_core import from_json

from tui.protocol.base import AnyDict, Ignored, OpenStr, PayloadError, record, validate
from tui.protocol.metrics import MetricsSnapshot, Stats
from tui.protocol.status import EXECUTION_STATUS_KEYS

# The server normalises these aliases; older servers may still send them (docs/protocol.md).
_TASK_STATUS_ALIASES = {"pending": "todo", "to_do": "todo", "completed": "done", "complete": "done"}
# Observation and message text is shown as one line: keep a bounded prefix, not whole outputs.
TEXT_KEPT = 500


def _task_status(value: Any) -> str:
    text = str(value) if value is not None else "todo"
    return _TASK_STATUS_ALIASES.get(text, text)


def _prefix(value: Any) -> str | None:
    return value[:TEXT_KEPT] if isinstance(value, str) else None


ShortText = Annotated[str | None, BeforeValidator(_prefix)]


@record
class TaskItem:
    """One task of the task tracker: `todo`, `in_progress` or `done` (kept open)."""

    title: str = ""
    notes: str = ""
    status: Annotated[str, BeforeValidator(_task_status)] = "todo"


@record
class ErrorClassification:
    """`classification` of error events: what kind, retryable, what the user should do."""

    kind: OpenStr = None
    retryable: bool | None = None
    user_action: OpenStr = None


@record
class ContentPart:
    """One part of a message or observation `content` list (text parts are the ones shown)."""

    text: ShortText = None


def _first_text(content: list[ContentPart] | None) -> str:
    for part in content or ():
        if part.text is not None:
            return part.text
    return ""


@record
class StateValue:
    """An object-valued state update: a `full_state` snapshot or `stats`, narrowed."""

    execution_status: OpenStr = None
    stats: Stats | None = None
    usage_to_metrics: dict[str, MetricsSnapshot] | None = None  # when the key is `stats`


@record
class Event:
    """Base event: `kind` discriminator, dashed `id`, naive server-local `timestamp` string."""

    kind: str = ""
    id: str = ""
    # Kept verbatim: it is echoed back as `after_timestamp` and compared server-side.
    timestamp: str = ""
    source: OpenStr = None


@record
class StateUpdateEvent(Event):
    """`ConversationStateUpdateEvent`: one key of the conversation state changed."""

    kind: Literal["ConversationStateUpdateEvent"] = "ConversationStateUpdateEvent"
    key: str = ""
    # Tried in order: an object is a StateValue at once (its unread fields skipped unparsed).
    value: Annotated[
        StateValue | str | float | bool | list[Any] | None, Field(union_mode="left_to_right")
    ] = None

    @property
    def execution_status(self) -> str | None:
        """The execution status this update carries, if any (`full_state` or the plain keys)."""
        if self.key == "full_state" and isinstance(self.value, StateValue):
            return self.value.execution_status
        if self.key in EXECUTION_STATUS_KEYS and isinstance(self.value, str):
            return self.value
        return None

    @property
    def stats(self) -> Stats | None:
        """The `stats` payload this update carries, if any."""
        if not isinstance(self.value, StateValue):
            return None
        if self.key == "stats":
            return Stats(usage_to_metrics=self.value.usage_to_metrics)
        return self.value.stats if self.key == "full_state" else None


@record
class _ToolEvent(Event):
    tool_name: OpenStr = None
    tool_call_id: OpenStr = None


@record
class ActionBody:
    """The fields of an `action` that the event tail shows."""

    kind: OpenStr = None
    command: OpenStr = None
    message: ShortText = None
    path: OpenStr = None
    thought: ShortText = None
    task_list: list[Ignored] | None = None  # only the count is shown


@record
class ActionEvent(_ToolEvent):
    """An agent action; `action.kind` names the tool's action class. One with no observation
    after it is pending (waiting for a person's confirmation, or running)."""

    kind: Literal["ActionEvent"] = "ActionEvent"
    action: ActionBody = field(default_factory=ActionBody)
    security_risk: OpenStr = None  # LOW, MEDIUM, HIGH or UNKNOWN (the analyzer's word)

    @property
    def action_kind(self) -> str:
        """The nested action class name, e.g. `TerminalAction`."""
        return self.action.kind or ""


@record
class ObservationBody:
    """The fields of an `observation` that ohtop reads: its class, first text, task list."""

    kind: OpenStr = None
    content: list[ContentPart] | None = None
    task_list: list[TaskItem] | None = None

    @property
    def text(self) -> str:
        """The first text part, if any."""
        return _first_text(self.content)


@record
class ObservationEvent(_ToolEvent):
    """A tool's observation; task-tracker observations carry the full task list."""

    kind: Literal["ObservationEvent"] = "ObservationEvent"
    observation: ObservationBody = field(default_factory=ObservationBody)
    action_id: OpenStr = None  # the action it answers

    @property
    def task_list(self) -> list[TaskItem] | None:
        """The authoritative task list, when this is a task-tracker observation."""
        if self.observation.kind != "TaskTrackerObservation" and self.tool_name != "task_tracker":
            return None
        return self.observation.task_list


@record
class UserRejectObservation(_ToolEvent):
    """A pending action a person (or a hook) rejected: it will not run."""

    kind: Literal["UserRejectObservation"] = "UserRejectObservation"
    action_id: OpenStr = None
    rejection_reason: ShortText = None


@record
class ConversationErrorEvent(Event):
    """The run loop died: the conversation is in error."""

    kind: Literal["ConversationErrorEvent"] = "ConversationErrorEvent"
    code: str = ""
    detail: str = ""
    classification: ErrorClassification | None = None


@record
class AgentErrorEvent(_ToolEvent):
    """A tool or scaffold error; the conversation can continue."""

    kind: Literal["AgentErrorEvent"] = "AgentErrorEvent"
    error: str = ""
    classification: ErrorClassification | None = None


@record
class ServerErrorEvent(Event):
    """An infrastructure error reported by the agent server (MCP, websocket)."""

    kind: Literal["ServerErrorEvent"] = "ServerErrorEvent"
    code: str = ""
    detail: str = ""


@record
class MessageBody:
    """`llm_message`: who spoke and the content parts."""

    role: OpenStr = None
    content: list[ContentPart] | None = None


@record
class MessageEvent(Event):
    """A user or agent message."""

    kind: Literal["MessageEvent"] = "MessageEvent"
    llm_message: MessageBody = field(default_factory=MessageBody)

    @property
    def text(self) -> str:
        """The message's text parts joined."""
        return " ".join(p.text for p in self.llm_message.content or () if p.text is not None)


@record
class PlainEvent(Event):
    """Kinds that need nothing beyond the base fields."""

    kind: Literal[
        "PauseEvent", "InterruptEvent", "SystemPromptEvent", "Condensation", "StreamingDeltaEvent"
    ]


@record
class UnknownEvent(Event):
    """A kind ohtop does not model (or a known kind of the wrong shape): kept as raw data."""

    raw: AnyDict = field(default_factory=dict)


KnownEvent = Annotated[
    StateUpdateEvent
    | ActionEvent
    | ObservationEvent
    | UserRejectObservation
    | ConversationErrorEvent
    | AgentErrorEvent
    | ServerErrorEvent
    | MessageEvent
    | PlainEvent,
    Field(discriminator="kind"),
]
_KNOWN: TypeAdapter[Event] = TypeAdapter(KnownEvent)


def decode_event(text: str | bytes) -> Event:
    """One event from a frame's JSON text. Raises ValueError when it is not JSON at all.

    Known kinds are validated straight from the text (the unread parts are skipped without
    becoming Python objects, several times faster than `json.loads`); anything else takes the
    lenient path.
    """
    try:
        return _KNOWN.validate_json(text)
    except ValidationError:
        return parse_event(from_json(text))


def parse_event(data: Any) -> Event:
    """Turn one decoded JSON event into a model. Raises PayloadError only for non-objects."""
    if not isinstance(data, dict):
        raise PayloadError(f"an event must be a JSON object, got {type(data).__name__}")
    try:
        return _KNOWN.validate_python(data)
    except ValidationError:
        return validate(UnknownEvent, {**_base_fields(data), "raw": data})


def _base_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": str(data.get("kind") or "?"),
        "id": str(data.get("id") or ""),
        "timestamp": str(data.get("timestamp") or ""),
        "source": data.get("source") if isinstance(data.get("source"), str) else None,
    }
