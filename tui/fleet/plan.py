"""Acting on what a person saw: a plan records, per conversation, the state that was read (its
execution status, its pending actions, its newest event) and the exact request an action would
send. Its token is a digest of both: the same state and the same requests give the same token,
so `--if-plan TOKEN` sends only while the world is still the one that was shown."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from tui.client.errors import ApiError
from tui.client.requests import (
    APPROVE,
    INTERRUPT,
    MESSAGE,
    PAUSE,
    REJECT,
    RESUME,
    RUN,
    ActionRequest,
    Conversation,
    NotOffered,
    build,
)
from tui.store.mapping import from_any
from tui.store.pending import Pending, pending_actions
from tui.store.view import ConversationView, Key

if TYPE_CHECKING:
    from tui.fleet.fleet import Fleet

RECENT = 100  # newest events read for the pending actions and the newest event


@dataclass(frozen=True, slots=True)
class Seen:
    """A conversation's state as read just now: what an action is bound to."""

    status: str
    execution: str | None
    pending: tuple[str, ...]  # ids of the actions waiting
    last_event: str | None  # id of the newest event
    sandbox: str | None = None

    def changes(self, now: Seen) -> list[str]:
        """What differs between this state and `now`, in words (empty: the same)."""
        out = []
        if (self.status, self.execution) != (now.status, now.execution):
            out.append(f"status {self.status}/{self.execution} -> {now.status}/{now.execution}")
        if self.pending != now.pending:
            out.append(f"pending actions {list(self.pending)} -> {list(now.pending)}")
        if self.last_event != now.last_event and not out:
            out.append("new events since")
        if self.sandbox != now.sandbox:
            out.append(f"sandbox {self.sandbox} -> {now.sandbox}")
        return out


@dataclass(frozen=True, slots=True)
class Step:
    """One conversation's part of a plan: what was seen and what would be sent (or why not)."""

    key: Key
    seen: Seen | None
    request: ActionRequest | None
    refused: str | None = None
    asked: tuple[Pending, ...] = ()  # what it asked for, as shown


@dataclass(frozen=True, slots=True)
class Plan:
    """An action over conversations, bound to the state each was in."""

    action: str
    steps: tuple[Step, ...]
    text: str = ""
    policy: str = ""

    @property
    def token(self) -> str:
        """A digest of the states seen and the requests planned (12 hex characters)."""
        data = [
            {
                "key": list(step.key),
                "seen": asdict(step.seen) if step.seen else None,
                "request": step.request.plain() if step.request else None,
                "refused": step.refused,
            }
            for step in self.steps
        ]
        blob = json.dumps([self.action, data], sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @property
    def sendable(self) -> list[Step]:
        """The steps that would send a request."""
        return [s for s in self.steps if s.request is not None and s.refused is None]


async def read_state(fleet: Fleet, key: Key) -> tuple[Seen, Conversation, tuple[Pending, ...]]:
    """Read a conversation's state from its server now (not from what ohtop kept)."""
    monitor = fleet.monitor_of(key[0])
    source = monitor.source if monitor is not None else None
    if monitor is None or source is None:
        raise LookupError(f"{key[0]}: not watched, or not detected yet")
    fetched = await source.fetch([key[1]])
    item = fetched.found.get(key[1])
    if item is None:
        raise LookupError(f"conversation {key[1]}: not found on {key[0]}")
    view = from_any(key[0], item, monitor.config.url)
    events = await source.recent(key[1], RECENT) or []
    pending = pending_actions(events)
    seen = Seen(
        view.status,
        view.execution_status,
        tuple(p.id for p in pending),
        events[-1].id if events else None,
        view.sandbox_status,
    )
    target = Conversation(
        view.id, view.kind, view.conversation_url, view.sandbox_id, view.session_api_key
    )
    return seen, target, pending


def precondition(action: str, seen: Seen) -> str | None:
    """Why the state does not allow `action` (None: it does)."""
    waits = seen.execution == "waiting_for_confirmation"
    if action in (APPROVE, REJECT) and not waits:
        return f"nothing waits for confirmation (it is {seen.status}/{seen.execution})"
    if action in (APPROVE, REJECT) and not seen.pending:
        return "it waits for confirmation, but its newest events hold no pending action"
    busy = seen.execution in ("running", "waiting_for_confirmation")
    if action == INTERRUPT and not busy:
        return f"it is not running (it is {seen.status}/{seen.execution})"
    if action == PAUSE and not busy and seen.sandbox != "RUNNING":
        return f"it is not running (it is {seen.status}/{seen.execution})"
    if action in (RUN, RESUME) and seen.execution == "running":
        return "it is running already"
    if action == MESSAGE and seen.status in ("ARCHIVED",):
        return f"it is {seen.status}: nothing would read the message"
    return None


async def plan(
    fleet: Fleet, action: str, keys: list[Key], text: str = "", policy: str = ""
) -> Plan:
    """Read each conversation's state now and what `action` would send to it."""
    steps = []
    for key in keys:
        try:
            seen, target, pending = await read_state(fleet, key)
        except (ApiError, LookupError) as exc:
            steps.append(Step(key, None, None, str(exc)))
            continue
        why = precondition(action, seen)
        try:
            request = build(action, target, text, policy)
        except NotOffered as exc:
            request, why = None, why or str(exc)
        steps.append(Step(key, seen, request, why, pending))
    return Plan(action, tuple(steps), text, policy)


def against_screen(plan: Plan, shown: dict[Key, ConversationView | None]) -> Plan:
    """The plan, with every step refused whose server state, read just now, is not what the
    person had on screen (its execution status, or what it asked to do): they decided on
    what they saw, so nothing is sent until they look again."""
    steps = []
    for step in plan.steps:
        view, seen = shown.get(step.key), step.seen
        why = None
        if view is not None and seen is not None and not step.refused:
            if view.execution_status != seen.execution:
                why = f"on screen it was {view.execution_status}; its server says {seen.execution}"
            elif view.pending is not None and plan.action in (APPROVE, REJECT):
                asked = tuple(p.id for p in view.waiting_on)
                if asked != seen.pending:
                    why = "what it asks changed since it was on screen: look again"
        steps.append(replace(step, refused=why) if why else step)
    return replace(plan, steps=tuple(steps))


def shown(plan: Plan, server_urls: dict[str, str]) -> list[str]:
    """The plan for a person: per conversation, the state seen and the exact request."""
    out = []
    for step in plan.steps:
        head = f"{step.key[0]}/{step.key[1]}"
        if step.seen is not None:
            seen = step.seen
            head += f"  seen {seen.status}/{seen.execution}"
            if step.asked:
                head += "; asks: " + "; ".join(p.words() for p in step.asked)
        out.append(head)
        if step.refused:
            out.append(f"    refused: {step.refused}")
        elif step.request is not None:
            out.append(f"    {step.request.shown(server_urls.get(step.key[0], '?'))}")
    return out


def seen_data(seen: Seen | None) -> dict[str, Any] | None:
    """The state seen, as data for the audit log."""
    return asdict(seen) if seen is not None else None
