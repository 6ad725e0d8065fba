"""What a conversation asks a person to allow: its pending actions, read from its events as the
SDK reads them (`ConversationState.get_unmatched_actions`): the actions no observation, rejection
or agent error has answered yet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tui.client.secrets import redact
from tui.protocol.events import (
    ActionEvent,
    AgentErrorEvent,
    Event,
    ObservationEvent,
    UserRejectObservation,
)

WHAT_SHOWN = 120  # characters of a command or argument kept


@dataclass(frozen=True, slots=True)
class Pending:
    """One action waiting: its event id, tool, what it would do (redacted, cut; server text:
    faces clean it when they show it), and its risk."""

    id: str
    tool: str
    what: str
    risk: str | None = None

    def words(self) -> str:
        """`wants to run `rm -rf build/` (risk HIGH)`, for the queue, alerts and hooks."""
        risk = f" (risk {self.risk})" if self.risk and self.risk != "UNKNOWN" else ""
        verb = "run" if self.tool in ("terminal", "execute_bash", "bash") else f"use {self.tool}:"
        return f"wants to {verb} `{self.what}`{risk}"


def pending_actions(events: Iterable[Event]) -> tuple[Pending, ...]:
    """The unanswered actions among `events` (oldest first)."""
    answered: set[str] = set()
    calls: set[str] = set()
    out: list[Pending] = []
    for event in reversed(list(events)):
        if isinstance(event, (ObservationEvent, UserRejectObservation)) and event.action_id:
            answered.add(event.action_id)
        elif isinstance(event, AgentErrorEvent) and event.tool_call_id:
            calls.add(event.tool_call_id)
        elif (
            isinstance(event, ActionEvent)
            and event.action.kind is not None
            and event.id not in answered
            and (event.tool_call_id or "") not in calls
        ):
            out.insert(0, _pending(event))
    return tuple(out)


def _pending(event: ActionEvent) -> Pending:
    body = event.action
    what = redact(body.command or body.path or body.message or body.kind or "?")
    return Pending(
        id=event.id,
        tool=(event.tool_name or "?")[:40],
        what=what if len(what) <= WHAT_SHOWN else what[: WHAT_SHOWN - 1] + "…",
        risk=event.security_risk[:12] if event.security_risk else None,
    )
