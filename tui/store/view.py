"""One view of a conversation, whatever server kind it came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from tui.client.secrets import redact
from tui.protocol import status as st
from tui.protocol.events import ConversationErrorEvent, TaskItem
from tui.protocol.status import ServerKind
from tui.store.pending import Pending

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
            code=redact(e.code),
            detail=redact(e.detail),
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
    kind: ServerKind
    title: str = ""
    status: str = st.STOPPED  # STARTING/RUNNING/STOPPED/ARCHIVED/ERROR (derived: state.derive)
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
    # The actions waiting for a person (None: not read; shown while waiting for confirmation).
    pending: tuple[Pending, ...] | None = None
    conversation_url: str | None = None
    sandbox_id: str | None = None
    session_api_key: str | None = field(default=None, repr=False)
    # The conversation's page in the OpenHands web UI (app servers only: an agent server has
    # no web UI).
    web_url: str | None = None
    # The conversation's API URL, absolute: what ohtop reads (an agent server's
    # `/api/conversations/{id}`, a V1 conversation's agent-server URL, a V0 runtime's URL).
    api_url: str | None = None
    gone: bool = False  # archived or deleted: not coming back, not polled or streamed
    # Its server no longer has it (a full listing and a read by id both said so): in no count,
    # shown for a while (`status_store.GONE_GRACE`), then forgotten.
    deleted: bool = False
    # When the current (status, execution_status) began, in epoch seconds; set by the store.
    # Exact when ohtop saw the change (live, or between two polls); otherwise (first sight)
    # the server's last update, so the true time in state is at least that long. A snapshot
    # from `state.mapping` carries the first-sight value already (`since_first_sight`).
    status_since: float | None = None
    since_exact: bool = False
    # Not confirmed by its server now: known from an earlier run (the history store), or its
    # server stopped answering. Shown with `~`, as it was when last confirmed.
    stale: bool = False
    confirmed_at: float | None = None  # when last confirmed, for a stale view (None: unknown)
    # What find-as-you-type searches, computed once per view (see state.query.haystack); not
    # copied by dataclasses.replace or `evolve`, so a changed conversation computes its own.
    search_text: str | None = field(default=None, init=False, repr=False, compare=False)
    # The store key, (server, id): kept, not built on each read (the live path reads it often).
    key: Key = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _set(self, "key", (self.server, self.id))

    def evolve(self, **changes: Any) -> ConversationView:
        """`dataclasses.replace` in a fraction of the time: the live path copies a view per
        change. Each set of changed fields gets a copier of its own, made on first use."""
        copier = _copiers.get(tuple(changes))
        if copier is None:
            copier = _copier(tuple(changes))
        return copier(self, changes)

    @property
    def state_label(self) -> str:
        """The fine state: the execution status when known, else the coarse status."""
        return self.execution_status or self.status.lower()

    @property
    def at_rest(self) -> bool:
        """RUNNING only in that its sandbox is up: the agent finished, paused or idles."""
        return self.status == st.RUNNING and self.execution_status in st.EXECUTION_AT_REST

    def in_state(self, now: float) -> float | None:
        """Seconds in the current state at wall time `now` (None when unknown)."""
        return None if self.status_since is None else max(0.0, now - self.status_since)

    @property
    def waiting_on(self) -> tuple[Pending, ...]:
        """What it waits for a person to allow (nothing unless it waits for confirmation)."""
        waits = self.execution_status == "waiting_for_confirmation"
        return self.pending or () if waits else ()

    @property
    def tasks_done(self) -> int:
        """How many tasks are done."""
        return sum(1 for t in self.tasks or () if t.status == "done")

    @property
    def tasks_total(self) -> int:
        """How many tasks there are."""
        return len(self.tasks or ())


def since_first_sight(updated_at: datetime | None) -> float | None:
    """When a conversation seen for the first time is taken to be in its state since: its
    server's last update (None: unknown, the store takes its own clock)."""
    return updated_at.timestamp() if updated_at is not None else None


_INIT_ORDER = tuple(f.name for f in fields(ConversationView) if f.init)
_INIT_NAMES = frozenset(_INIT_ORDER)
_new = object.__new__
_set = object.__setattr__


Copier = Callable[[ConversationView, dict[str, Any]], ConversationView]
_copiers: dict[tuple[str, ...], Copier] = {}  # by the changed fields, in the caller's order


def _copier(changed: tuple[str, ...]) -> Copier:
    """A copy with `changed` taken from the changes, unrolled field by field (as `dataclasses`
    builds `__init__`): no per-field test of what changed, and stores through the slots' own
    descriptors (a frozen class refuses plain assignment, and `object.__setattr__` costs twice
    as much); the key is rebuilt only when server or id changes. Kept for the next copy with
    the same fields (a program has a few dozen such sets at most)."""
    if not set(changed) <= _INIT_NAMES:
        raise TypeError(f"not fields of a view: {sorted(set(changed) - _INIT_NAMES)}")
    lines = ["def evolve(self, c):", "    new = _new(View)"]
    for name in _INIT_ORDER:
        source = f"c[{name!r}]" if name in changed else f"self.{name}"
        lines.append(f"    set_{name}(new, {source})")
    rekey = "server" in changed or "id" in changed
    lines += [
        "    set_search_text(new, None)",
        f"    set_key(new, {'(new.server, new.id)' if rekey else 'self.key'})",
        "    return new",
    ]
    scope: dict[str, Any] = {"_new": _new, "View": ConversationView}
    for name in (*_INIT_ORDER, "search_text", "key"):
        scope[f"set_{name}"] = ConversationView.__dict__[name].__set__
    exec("\n".join(lines), scope)  # the text above, made from the class's own fields
    built: Copier = scope["evolve"]
    _copiers[changed] = built
    return built
