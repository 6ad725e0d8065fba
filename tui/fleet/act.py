"""Carry a plan out, safely: right before each request the conversation's state is read again
and the request is sent only if it is still what the plan saw (compare and set); a request is
sent once, never retried; every request is written to the audit log before its outcome is
known, and the outcome after; then the outcome is checked against the server (the approved
actions ran, the rejection is recorded, the message is held). A batch is spaced with jitter and
halts after consecutive failures, and at once on an authentication failure."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.client.config import ServerConfig
from tui.client.errors import ApiError, ErrorKind
from tui.client.requests import (
    APPROVE,
    INTERRUPT,
    MESSAGE,
    PAUSE,
    REJECT,
    RESUME,
    RUN,
    ActionRequest,
)
from tui.client.rest import RestClient
from tui.fleet.plan import Plan, Seen, Step, read_state, seen_data
from tui.history.audit import AuditLog
from tui.protocol.events import (
    AgentErrorEvent,
    Event,
    MessageEvent,
    ObservationEvent,
    UserRejectObservation,
)
from tui.store.view import Key

if TYPE_CHECKING:
    from tui.fleet.fleet import Fleet

HALT_AFTER = 3  # consecutive failed requests that stop a batch
SPACING = (0.3, 0.8)  # seconds between two requests of a batch (jitter)
VERIFY_FOR = 60.0  # seconds an outcome is looked for
DONE, REFUSED, FAILED, UNVERIFIED, SKIPPED = "done", "refused", "failed", "unverified", "skipped"
Audit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Result:
    """One conversation's outcome."""

    key: Key
    outcome: str  # DONE, REFUSED, FAILED, UNVERIFIED or SKIPPED
    message: str
    status: int | None = None  # HTTP status of a failed request


async def carry_out(
    fleet: Fleet,
    plan: Plan,
    audit: Audit,
    *,
    rng: random.Random | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    verify_for: float = VERIFY_FOR,
    halt_after: int = HALT_AFTER,
) -> list[Result]:
    """Send what the plan planned, step by step, each only while its state still is the one
    seen; one result per step."""
    rng = rng or random.Random()
    results: list[Result] = []
    failures, halted = 0, ""
    sent: dict[str, Result] = {}  # by request: conversations sharing a V1 sandbox share one
    for n, step in enumerate(plan.steps):
        if step.refused or step.request is None or step.seen is None:
            results.append(Result(step.key, REFUSED, step.refused or "nothing to send"))
            continue
        if halted:
            results.append(Result(step.key, SKIPPED, halted))
            continue
        same = json.dumps(step.request.plain(), sort_keys=True)
        if (first := sent.get(same)) is not None:
            said = f"the same request as for {first.key[1][:8]} (a shared sandbox): {first.message}"
            results.append(Result(step.key, first.outcome, said, first.status))
            continue
        if n and len(plan.steps) > 1:
            await sleep(rng.uniform(*SPACING))
        result = await _one(fleet, plan, step, audit, verify_for)
        results.append(result)
        if result.outcome != REFUSED:
            sent[same] = result
        if result.outcome == FAILED:
            failures += 1
            if result.status in (401, 403):
                halted = "not sent: the batch stopped at an authentication failure"
            elif failures >= halt_after:
                halted = f"not sent: the batch stopped after {failures} failures in a row"
        elif result.outcome in (DONE, UNVERIFIED):
            failures = 0
    return results


async def _one(fleet: Fleet, plan: Plan, step: Step, audit: Audit, verify_for: float) -> Result:
    assert step.request is not None and step.seen is not None
    try:
        now, _target, _pending = await read_state(fleet, step.key)
    except (ApiError, LookupError) as exc:
        return Result(step.key, REFUSED, f"could not read it again: {exc}")
    if changed := step.seen.changes(now):
        said = "its state changed since it was shown: " + "; ".join(changed)
        return Result(step.key, REFUSED, said)
    record = _record(fleet, plan, step)
    try:
        await _send(fleet, step.key, step.request)
    except ApiError as exc:
        audit({**record, "result": f"failed: {exc.status or exc.kind}: {exc.message}"})
        status = exc.status or (401 if exc.kind is ErrorKind.AUTH else None)
        if status == 429 and plan.action in (RUN, RESUME, MESSAGE):
            fleet.refused[step.key] = "run refused: the server's run capacity is full"
        return Result(step.key, FAILED, exc.message, status)
    audit({**record, "result": "sent"})
    fleet.poll_soon(step.key)
    verified, said = await _verify(fleet, plan, step, verify_for)
    audit({**record, "result": f"{DONE if verified else UNVERIFIED}: {said}"})
    return Result(step.key, DONE if verified else UNVERIFIED, said)


def audit_to(store: AuditLog) -> Audit:
    """The audit callback writing to a history store; a record it cannot write stops the
    action before anything more is sent."""

    def write(record: dict[str, Any]) -> None:
        if not store.log_action(record):
            raise RuntimeError("the audit log could not be written: nothing more is sent")

    return write


def _record(fleet: Fleet, plan: Plan, step: Step) -> dict[str, Any]:
    assert step.request is not None
    server = next((c for c in fleet.servers if c.label == step.key[0]), None)
    base = step.request.base or (server.url if server else "")
    return {
        "at": time.time(),
        "server": step.key[0],
        "conversation": step.key[1],
        "action": plan.action,
        "request": {**step.request.plain(), "url": f"{base.rstrip('/')}/{step.request.path}"},
        "state_seen": seen_data(step.seen),
    }


async def _send(fleet: Fleet, key: Key, request: ActionRequest) -> Any:
    """One request, once: to the configured server with its client (the user's keys), or to
    the conversation's own agent server with its own key only."""
    if request.base is None:
        monitor = fleet.monitor_of(key[0])
        if monitor is None:
            raise ApiError(ErrorKind.NOT_FOUND, f"{key[0]}: not watched")
        return await monitor.rest.post_json(request.path, request.body)
    monitor = fleet.monitor_of(key[0])
    verify_tls = monitor.config.verify_tls if monitor is not None else True
    config = ServerConfig(request.base, session_api_key=request.key, verify_tls=verify_tls)
    rest = RestClient(config)
    try:
        return await rest.post_json(request.path, request.body)
    finally:
        await rest.aclose()


async def _verify(fleet: Fleet, plan: Plan, step: Step, within: float) -> tuple[bool, str]:
    """Whether the server shows the outcome the action is for, and what it shows."""
    assert step.seen is not None
    deadline = time.monotonic() + within
    said = "the server has not shown it yet"
    while True:
        try:
            ok, said = await _shows(fleet, plan, step)
        except (ApiError, LookupError) as exc:
            ok, said = False, f"could not read it: {exc}"
        if ok or time.monotonic() >= deadline:
            return ok, said
        await asyncio.sleep(1.0)


async def _shows(fleet: Fleet, plan: Plan, step: Step) -> tuple[bool, str]:
    seen = step.seen
    assert seen is not None
    monitor = fleet.monitor_of(step.key[0])
    source = monitor.source if monitor is not None else None
    if source is None:
        raise LookupError("its server is not detected")
    events = await source.recent(step.key[1], 100) or []
    action = plan.action
    if action in (APPROVE, REJECT):
        return _answered(fleet, step.key, seen, events, reject=action == REJECT)
    if action == MESSAGE:
        text = plan.text or "continue"
        held = any(
            isinstance(e, MessageEvent) and e.source == "user" and text in e.text for e in events
        )
        return held, "the server holds the message" if held else "the message is not there yet"
    now, _target, _pending = await read_state(fleet, step.key)
    if action in (INTERRUPT, PAUSE):
        done = now.execution in ("paused", None) or now.sandbox == "PAUSED"
        return done, f"it is {now.status}/{now.execution}"
    if action in (RUN, RESUME):
        done = now.execution in ("running", "finished", "waiting_for_confirmation")
        return done or now.sandbox == "RUNNING", f"it is {now.status}/{now.execution}"
    return True, "the policy was accepted (the server answered success)"


def _answered(
    fleet: Fleet, key: Key, seen: Seen, events: list[Event], reject: bool
) -> tuple[bool, str]:
    """Approve: every approved action has its observation; reject: its rejection. An action
    answered that was never shown is said, and alerted."""
    answers: dict[str, str] = {}
    for e in events:
        if isinstance(e, (ObservationEvent, UserRejectObservation)) and e.action_id:
            answers[e.action_id] = type(e).__name__
        elif isinstance(e, AgentErrorEvent) and e.tool_call_id:
            answers[e.tool_call_id] = "AgentErrorEvent"
    wanted = "UserRejectObservation" if reject else "ObservationEvent"
    mine = [answers.get(a) for a in seen.pending]
    newer = _after(events, seen.last_event)
    unshown = [
        e.action_id
        for e in newer
        if isinstance(e, ObservationEvent) and e.action_id and e.action_id not in seen.pending
    ]
    if unshown and not reject:
        fleet.alerts.alert_unshown(key, unshown)
    done = all(m == wanted or (not reject and m == "AgentErrorEvent") for m in mine)
    verb = "rejected" if reject else "ran"
    said = f"{sum(1 for m in mine if m)} of {len(mine)} {verb}"
    if unshown:
        said += f"; {len(unshown)} action(s) ran that nobody was shown"
    return done, said


def _after(events: list[Event], last: str | None) -> list[Event]:
    """The events after the one with id `last` (all of them when it is not among them)."""
    ids = [e.id for e in events]
    return events[ids.index(last) + 1 :] if last in ids else events
