"""One view of a conversation, whatever server kind it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tui.protocol.events import ConversationErrorEvent, TaskItem

# (server name, canonical conversation id)
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The last error of a conversation, with its classification when the server gave one."""

    code: str
    detail: str
    timestamp: str = ""
    kind: str | None = None
    retryable: bool | None = None
    user_action: str | None = None

    @classmethod
    def from_event(cls, e: ConversationErrorEvent) -> ErrorInfo:
        """From a `ConversationErrorEvent` (REST history or a live stream)."""
        c = e.classification
        return cls(
            code=e.code,
            detail=e.detail,
            timestamp=e.timestamp,
            kind=c.kind if c else None,
            retryable=c.retryable if c else None,
            user_action=c.user_action if c else None,
        )


@dataclass(frozen=True, slots=True)
class ConversationView:
    """Everything the UI shows about one conversation; built by `state.mapping`."""

    server: str
    id: str
    kind: str  # "v1", "v0" or "agent"
    title: str = ""
    status: str = "STOPPED"  # the seed's STARTING/RUNNING/STOPPED/ARCHIVED/ERROR, open
    execution_status: str | None = None
    sandbox_status: str | None = None
    runtime_status: str | None = None
    repository: str | None = None
    branch: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    cost: float | None = None
    tokens: int | None = None
    tasks: tuple[TaskItem, ...] | None = None
    last_error: ErrorInfo | None = None
    conversation_url: str | None = None
    sandbox_id: str | None = None
    session_api_key: str | None = field(default=None, repr=False)
    gone: bool = False
    # Monotonic-clock time the current (status, execution_status) began; set by the store.
    status_since: float | None = None

    @property
    def key(self) -> Key:
        """The store key."""
        return (self.server, self.id)

    @property
    def state_label(self) -> str:
        """The fine state: the execution status when known, else the coarse status."""
        return self.execution_status or self.status.lower()

    @property
    def tasks_done(self) -> int:
        """How many tasks are done."""
        return sum(1 for t in self.tasks or () if t.status == "done")

    @property
    def tasks_total(self) -> int:
        """How many tasks there are."""
        return len(self.tasks or ())
