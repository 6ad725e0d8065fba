"""Which conversations need a person now, and why: the needs-attention queue, the exporter's
`ohtop_conversations_needing_attention`, and the errors grouped across the fleet. No Textual."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tui.alerts.watcher import Thresholds, silent_for
from tui.protocol import status as st
from tui.store.view import ConversationView, Key

# The exporter's stable reasons (a bounded label set).
REASONS = ("error", "stuck", "waiting_for_confirmation", "silent", "starting_too_long")
# Reasons that come from what a server did rather than a status (Fleet.link_reasons).
LINK_REASONS = ("run_refused", "vanished")
# An error code that is not a failure of the service but the agent running out of steps.
MAX_ITERATIONS = "MaxIterationsReached"
LastHeard = Callable[[Key], float | None]


def reasons(
    view: ConversationView, now: float, t: Thresholds, last_heard: float | None
) -> list[str]:
    """Why a conversation needs a person now (of REASONS)."""
    out: list[str] = []
    if view.gone or view.stale:
        return out
    if view.execution_status == "stuck":
        out.append("stuck")
    elif view.status == st.ERROR:
        out.append("error")
    if view.execution_status == "waiting_for_confirmation":
        out.append("waiting_for_confirmation")
    silent = silent_for(view, now, last_heard)
    if silent is not None and silent > t.silent_minutes * 60:
        out.append("silent")
    spell = view.in_state(now)
    if view.status == st.STARTING and spell is not None and spell > t.starting_minutes * 60:
        out.append("starting_too_long")
    return out


@dataclass(frozen=True, slots=True)
class Need:
    """One line of the needs-attention queue."""

    key: Key
    title: str
    reason: str  # in words: "ERROR LLMServiceUnavailableError", "max iterations reached", ...
    waiting: float  # seconds it has needed a person (its time in state)
    seen: bool = False  # a person looked at it (opened it, or acted on it) since it needs one


def queue(
    views: Iterable[ConversationView],
    now: float,
    t: Thresholds,
    last_heard: LastHeard,
    link_reasons: Callable[[Key], list[str]] = lambda _key: [],
    looked: Callable[[Key], float | None] = lambda _key: None,
) -> list[Need]:
    """Every conversation that needs a person: the ones nobody has looked at since they
    needed one first, then the longest waiting first."""
    out = []
    for view in views:
        found = reasons(view, now, t, last_heard(view.key)) + link_reasons(view.key)
        words = [_words(r, view) for r in found]
        if words:
            waiting = view.in_state(now) or 0.0
            at = looked(view.key)
            seen = at is not None and at >= now - waiting
            out.append(Need(view.key, view.title, "; ".join(words), waiting, seen))
    return sorted(out, key=lambda n: (n.seen, -n.waiting))


def _words(reason: str, view: ConversationView) -> str:
    if reason == "error":
        code = view.last_error.code if view.last_error else ""
        if code == MAX_ITERATIONS:
            return "max iterations reached"
        return f"ERROR {code}" if code else "ERROR (no error details yet)"
    if reason == "waiting_for_confirmation" and view.waiting_on:
        return "waiting for confirmation: " + "; ".join(p.words() for p in view.waiting_on)
    return {
        "stuck": "stuck",
        "waiting_for_confirmation": "waiting for confirmation",
        "silent": "RUNNING but silent",
        "starting_too_long": "STARTING too long",
        "run_refused": "run refused: the server's run capacity is full",
        "vanished": "gone from its agent server while its app server lists it running",
    }.get(reason, reason)


@dataclass(slots=True)
class ErrorGroup:
    """Conversations that failed the same way."""

    code: str
    kind: str | None
    retryable: bool | None
    find: str = ""  # the text that finds this group's conversations in the list
    keys: list[Key] = field(default_factory=list)
    servers: Counter[str] = field(default_factory=Counter)
    repositories: Counter[str] = field(default_factory=Counter)


def error_groups(views: Iterable[ConversationView], since: float) -> list[ErrorGroup]:
    """ERROR conversations that entered it since `since`, grouped by error code and
    classification, the biggest group first."""
    groups: dict[tuple[str, str | None, bool | None], ErrorGroup] = {}
    for view in views:
        if view.status != st.ERROR or view.gone or (view.status_since or 0) < since:
            continue
        err = view.last_error
        if err is not None and err.code:
            ident, find = (err.code, err.kind, err.retryable), err.code
        elif view.execution_status == "stuck":
            ident, find = ("stuck (no error code)", None, None), "stuck"
        else:
            ident, find = ("ERROR (no error details)", None, None), "error"
        group = groups.setdefault(ident, ErrorGroup(*ident, find=find))
        group.keys.append(view.key)
        group.servers[view.server] += 1
        group.repositories[view.repository or "-"] += 1
    return sorted(groups.values(), key=lambda g: (-len(g.keys), g.code))
