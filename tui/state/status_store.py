"""StatusStore: the current view of every conversation, with change notifications."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tui.state.signal import Signal
from tui.state.view import ConversationView, Key

# Fields that REST snapshots do not carry; they come from events and survive a REST refresh.
# (V0 REST has no agent state either: there the streamed execution status survives too.)
_EVENT_FIELDS = ("tasks", "last_error")
TIMELINE_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of a conversation's (status, execution status)."""

    key: Key
    old_status: str | None
    new_status: str
    old_execution: str | None
    new_execution: str | None
    at: float  # wall-clock epoch seconds
    reason: str


class StatusStore:
    """Owns every `ConversationView`. Mutate only through its methods."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._views: dict[Key, ConversationView] = {}
        self._timelines: dict[Key, list[Transition]] = {}  # lists: a deque's block is 0.5 KB
        self._pending: set[Key] = set()
        self._counts: Counter[str] = Counter()  # kept as views change: read on every repaint
        self._servers: set[str] = set()
        self._depth = 0
        self.changed: Signal[frozenset[Key]] = Signal()
        self.transitions: Signal[Transition] = Signal()
        self.version = 0

    def __len__(self) -> int:
        return len(self._views)

    def __iter__(self) -> Iterator[ConversationView]:
        return iter(list(self._views.values()))

    def __contains__(self, key: object) -> bool:
        return key in self._views

    def get(self, key: Key) -> ConversationView | None:
        """The view for `key`, if known."""
        return self._views.get(key)

    def all_keys(self) -> list[Key]:
        """All keys, in insertion order."""
        return list(self._views)

    def counts(self) -> Counter[str]:
        """How many conversations are in each coarse status."""
        return +self._counts  # a copy without zero counts

    def servers(self) -> set[str]:
        """The servers that have conversations here."""
        return set(self._servers)

    def timeline(self, key: Key) -> list[Transition]:
        """The recorded transitions of one conversation, oldest first."""
        return list(self._timelines.get(key, ()))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many mutations into one `changed` notification."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._flush()

    def upsert(self, view: ConversationView, reason: str = "poll") -> bool:
        """Merge a REST snapshot into the store. Returns True when anything changed."""
        old = self._views.get(view.key)
        if old is None:
            since = self._since(view)
            return self._commit(None, dataclasses.replace(view, status_since=since), reason)
        fields = _EVENT_FIELDS + (("execution_status",) if view.kind == "v0" else ())
        changes: dict[str, Any] = {f: getattr(old, f) for f in fields if getattr(view, f) is None}
        execution = changes.get("execution_status", view.execution_status)
        moved = (view.status, execution) != (old.status, old.execution_status)
        changes["status_since"] = self._clock() if moved else old.status_since
        new = dataclasses.replace(view, **changes)  # one copy per snapshot: polls are frequent
        return new != old and self._commit(old, new, reason)

    def update(self, key: Key, reason: str = "event", **fields: Any) -> bool:
        """Change some fields of a known conversation (events, enrichment)."""
        old = self._views.get(key)
        if old is None or all(getattr(old, name) == value for name, value in fields.items()):
            return False
        status = fields.get("status", old.status)
        execution = fields.get("execution_status", old.execution_status)
        if (status, execution) != (old.status, old.execution_status):
            fields["status_since"] = self._clock()
        return self._commit(old, dataclasses.replace(old, **fields), reason)

    def _commit(self, old: ConversationView | None, new: ConversationView, reason: str) -> bool:
        self._views[new.key] = new
        if old is None:
            self._servers.add(new.server)
        else:
            self._counts[old.status] -= 1
        self._counts[new.status] += 1
        if old is None or (old.status, old.execution_status) != (
            new.status,
            new.execution_status,
        ):
            self._record(old, new, reason)
        self._mark(new.key)
        return True

    def _since(self, view: ConversationView) -> float:
        """When a conversation seen for the first time entered its state, from `updated_at`."""
        now = self._clock()
        if view.updated_at is not None and view.updated_at.tzinfo is not None:
            return now - max(0.0, self._wall() - view.updated_at.timestamp())
        return now

    def _record(self, old: ConversationView | None, new: ConversationView, reason: str) -> None:
        t = Transition(
            key=new.key,
            old_status=old.status if old else None,
            new_status=new.status,
            old_execution=old.execution_status if old else None,
            new_execution=new.execution_status,
            at=self._wall(),
            reason=reason,
        )
        timeline = self._timelines.setdefault(new.key, [])
        timeline.append(t)
        if len(timeline) > TIMELINE_LENGTH:
            del timeline[0]
        self.transitions.emit(t)

    def _mark(self, key: Key) -> None:
        self._pending.add(key)
        if self._depth == 0:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        keys = frozenset(self._pending)
        self._pending.clear()
        self.version += 1
        self.changed.emit(keys)
