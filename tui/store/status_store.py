"""StatusStore: the current view of every conversation, with change notifications.

Mutations go through intent-named methods (a REST snapshot, a live execution status, an
error, enrichment from the event history, gone); the coarse status they imply is derived by
`state.derive`, nowhere else.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields as dataclass_fields
from operator import attrgetter
from typing import Any, NamedTuple

from tui.protocol import status as st
from tui.protocol.events import TaskItem
from tui.protocol.status import ServerKind
from tui.store import derive
from tui.store.confirmation import Confirmation
from tui.store.pending import Pending
from tui.store.signal import Signal
from tui.store.spend import SpendLog
from tui.store.view import ConversationView, ErrorInfo, Key, since_first_sight

# Fields that REST snapshots do not carry; they come from events and survive a REST refresh.
# (V0 REST has no agent state either: there the streamed execution status survives too.)
_EVENT_FIELDS = ("tasks", "last_error", "pending")
TIMELINE_LENGTH = 32
# Seconds a conversation its server no longer has stays in the list (as "gone") before it is
# forgotten: it is never counted, in the header, the exporter or the history's totals.
GONE_GRACE = 300.0
# What a REST snapshot says besides the status, the event fields and the store's own times:
# compared in one go (`attrgetter` builds both tuples in C) before any copy is made.
_snapshot = attrgetter(
    *(
        f.name
        for f in dataclass_fields(ConversationView)
        if f.init
        and f.name not in {"status", "execution_status", "status_since", "since_exact"}
        and f.name not in _EVENT_FIELDS
    )
)


class Transition(NamedTuple):
    """A change of a conversation's (status, execution status). A named tuple: made for every
    conversation on first sight, and a tuple is built several times faster than a frozen
    dataclass."""

    key: Key
    old_status: str | None
    new_status: str
    old_execution: str | None
    new_execution: str | None
    at: float  # epoch seconds: when the new state began, as well as ohtop knows
    reason: str
    exact: bool = True  # False: first sight, `at` is the server's last update


class StatusStore(Confirmation):
    """Owns every `ConversationView`. Mutate only through its methods."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self.wall = wall  # the clock of every time this store keeps (epoch seconds)
        self._views: dict[Key, ConversationView] = {}
        # When a live event last set a conversation's execution status (monotonic): a REST
        # answer to a request sent before that is older news for those fields.
        self._live_at: dict[Key, float] = {}
        self._timelines: dict[Key, list[Transition]] = {}  # lists: a deque's block is 0.5 KB
        self._pending: set[Key] = set()
        self._counts: Counter[str] = Counter()  # kept as views change: read on every repaint
        self._server_counts: Counter[tuple[str, str]] = Counter()  # (server, status): the same
        self._servers: set[str] = set()
        self.stale = 0  # views restored from an earlier run, not confirmed by their server yet
        self._gone_at: dict[Key, float] = {}  # when each gone conversation was seen gone
        # Servers not answering now, with when they last answered (None: not this run).
        self._unconfirmed: dict[str, float | None] = {}
        self._stale_by_server: Counter[str] = Counter()
        # Kept as views change (read on every repaint): LLM cost and tokens per server.
        self.cost: dict[str, float] = defaultdict(float)
        self.tokens: Counter[str] = Counter()
        self.spend = SpendLog()  # dollars of the last hour, dated by the servers' times
        self._depth = 0
        self.changed: Signal[frozenset[Key]] = Signal()
        self.transitions: Signal[Transition] = Signal()
        self.forgotten: Signal[Key] = Signal()  # gone for longer than the grace: let go of it
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
        """How many conversations are in each coarse status (those deleted from their server
        are not counted: they are no conversations of it any more)."""
        return +self._counts  # a copy without zero counts

    def counts_by_server(self) -> Counter[tuple[str, str]]:
        """How many conversations each server has in each coarse status."""
        return +self._server_counts

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

    # -- mutations ------------------------------------------------------------------------

    def upsert(
        self, view: ConversationView, reason: str = "poll", asked_at: float | None = None
    ) -> bool:
        """Merge a REST snapshot into the store. Returns True when anything changed.

        `asked_at` (monotonic) is when its request went out: if a live event set the
        execution status since, the snapshot's status and execution status are older news
        and the live ones stay (the next poll brings the server's newer word)."""
        old = self._views.get(view.key)
        now = self._wall()
        if (
            old is not None
            and asked_at is not None
            and self._live_at.get(view.key, -1.0) > asked_at
        ):
            view = view.evolve(status=old.status, execution_status=old.execution_status)
        if old is None:  # a snapshot from `state.mapping` carries its time: kept, not copied
            since = _server_time(view, now)
            if view.status_since != since or view.since_exact:
                view = view.evolve(status_since=since, since_exact=False)
            return self._commit(None, view, reason)
        fields = _EVENT_FIELDS + (("execution_status",) if view.kind == ServerKind.V0 else ())
        changes: dict[str, Any] = {f: getattr(old, f) for f in fields if getattr(view, f) is None}
        execution = changes.get("execution_status", view.execution_status)
        moved = (view.status, execution) != (old.status, old.execution_status)
        unchanged = not moved and _snapshot(view) == _snapshot(old)  # most polls: nothing new
        if unchanged and all(
            f in changes or getattr(view, f) == getattr(old, f) for f in _EVENT_FIELDS
        ):
            return False
        if moved:
            # The server's own time of the change, when this snapshot brought a new one.
            fresh = view.updated_at is not None and view.updated_at != old.updated_at
            changes["status_since"] = _server_time(view, now) if fresh else now
            changes["since_exact"] = True
        elif old.stale and view.updated_at != old.updated_at:
            # Restored from an earlier run, and its server moved it meanwhile: whether its state
            # held all along is unknown; it held at least since the server's last update.
            changes["status_since"] = _server_time(view, now)
            changes["since_exact"] = False
        else:
            changes["status_since"] = old.status_since
            changes["since_exact"] = old.since_exact
        new = view.evolve(**changes)  # one copy per snapshot: polls are frequent
        return new != old and self._commit(old, new, reason)

    def restore(
        self,
        view: ConversationView,
        reason: str = "restored",
        timeline: list[Transition] | None = None,
    ) -> bool:
        """A view known from before (the history store; tests): kept as it is, including when
        its state began, with its stored timeline. A view already here is not replaced."""
        if view.key in self._views:
            return False
        if timeline:
            self._timelines[view.key] = list(timeline[-TIMELINE_LENGTH:])
            self._views[view.key] = view  # the restored timeline ends in this state already
            self._servers.add(view.server)
            self._tally(view, 1)
            self._mark(view.key)
            return True
        return self._commit(None, view, reason)

    def add_history(self, key: Key, transitions: list[Transition]) -> None:
        """Transitions read from the server's own event history (or the store), merged into
        the timeline in time order; ones already there are not added twice."""
        timeline = self._timelines.setdefault(key, [])
        have = {(t.at, t.new_status, t.new_execution) for t in timeline}
        fresh = [t for t in transitions if (t.at, t.new_status, t.new_execution) not in have]
        if fresh:
            timeline.extend(fresh)
            timeline.sort(key=lambda t: t.at)
            del timeline[:-TIMELINE_LENGTH]
            self._mark(key)

    def apply_state(
        self,
        key: Key,
        reason: str,
        execution_status: str | None = None,
        usage: tuple[float | None, int | None] | None = None,
    ) -> bool:
        """One live state update (its execution status, its cost and tokens) as one change."""
        old = self._views.get(key)
        if old is None:
            return False
        fields: dict[str, Any] = {}
        if usage is not None:
            fields["cost"], fields["tokens"] = usage
        if execution_status is not None:
            self._live_at[key] = time.monotonic()
            fields["execution_status"] = execution_status
            fields["status"] = derive.after_execution(
                old.kind, old.status, execution_status, old.sandbox_status, old.runtime_status
            )
        return bool(fields) and self._change(old, reason, **fields)

    def apply_error(self, key: Key, error: ErrorInfo, reason: str, live: bool) -> bool:
        """The conversation's last error; a live one also means its run died (status ERROR)."""
        old = self._views.get(key)
        if old is None:
            return False
        if not live:
            return self._change(old, reason, last_error=error)
        self._live_at[key] = time.monotonic()
        return self._change(
            old, reason, last_error=error, execution_status="error", status=st.ERROR
        )

    def set_details(
        self,
        key: Key,
        tasks: tuple[TaskItem, ...] | None = None,
        last_error: ErrorInfo | None = None,
        reason: str = "details",
        pending: tuple[Pending, ...] | None = None,
    ) -> bool:
        """Enrichment from the event history: the latest task list, last error and pending
        actions (None: not found, left as it is)."""
        old = self._views.get(key)
        if old is None:
            return False
        given = {"tasks": tasks, "last_error": last_error, "pending": pending}
        fields: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        return bool(fields) and self._change(old, reason, **fields)

    def mark_gone(self, key: Key, reason: str = "deleted") -> bool:
        """Deleted or missing on its server: shown as gone for a while (`GONE_GRACE`), no
        longer counted, polled or streamed; then forgotten (`purge_gone`)."""
        old = self._views.get(key)
        if old is None:
            return False
        self._gone_at.setdefault(key, self._wall())
        return self._change(
            old,
            reason,
            status=derive.GONE,
            execution_status=None,
            gone=True,
            deleted=True,
            stale=False,
        )

    def purge_gone(self, grace: float = GONE_GRACE) -> list[Key]:
        """Forget the conversations gone for longer than `grace` seconds. Returns their keys."""
        limit = self._wall() - grace
        old = [k for k, at in self._gone_at.items() if at <= limit]
        with self.batch():
            for key in old:
                self.forget(key)
        return old

    def forget(self, key: Key) -> bool:
        """Let go of a conversation entirely (its view, timeline and tallies); everyone who
        keeps something per conversation hears it on `forgotten`."""
        view = self._views.pop(key, None)
        self._gone_at.pop(key, None)
        if view is None:
            return False
        self._tally(view, -1)
        self._timelines.pop(key, None)
        self._live_at.pop(key, None)
        self.forgotten.emit(key)
        self._mark(key)
        return True

    # -- internals ------------------------------------------------------------------------

    def _change(self, old: ConversationView, reason: str, **fields: Any) -> bool:
        for name, value in fields.items():
            if getattr(old, name) != value:
                break
        else:
            return False
        status = fields.get("status", old.status)
        execution = fields.get("execution_status", old.execution_status)
        if (status, execution) != (old.status, old.execution_status):
            fields["status_since"] = self._wall()
            fields["since_exact"] = True
        return self._commit(old, old.evolve(**fields), reason)

    def _commit(self, old: ConversationView | None, new: ConversationView, reason: str) -> bool:
        # Runs for every change and, on a first listing, for 100,000 new conversations at
        # once: tallies are touched only where a value is there to add or take away.
        self._views[new.key] = new
        if old is None:
            self._servers.add(new.server)
            if new.cost:
                self.spend.first_sight(new.cost, new.created_at, self._wall())
        else:
            self._tally(old, -1)
            if new.cost != old.cost:
                if old.stale and (new.cost or 0.0) > (old.cost or 0.0):
                    self.spend.unseen(self._wall())  # spent while ohtop was not running
                else:
                    self.spend.grew(old.cost, new.cost, self._wall())
        self._tally(new, 1)
        if not new.deleted and new.key in self._gone_at:  # listed again after all
            del self._gone_at[new.key]
        status = new.status
        if old is None or (old.status, old.execution_status) != (status, new.execution_status):
            self._record(old, new, reason)
        self._mark(new.key)
        return True

    def _tally(self, view: ConversationView, sign: int) -> None:
        """Add a view to the kept totals (-1: take it away). A deleted one is in none of them."""
        if view.deleted:
            return
        server, status = view.server, view.status
        if view.stale:
            self.stale += sign
            self._stale_by_server[server] += sign
        if view.cost:
            self.cost[server] += sign * view.cost
        if view.tokens:
            self.tokens[server] += sign * view.tokens
        self._counts[status] += sign
        self._server_counts[(server, status)] += sign

    def _record(self, old: ConversationView | None, new: ConversationView, reason: str) -> None:
        at = new.status_since if new.status_since is not None else self._wall()
        t = Transition(  # by position: a named tuple is built faster so
            new.key,
            old.status if old else None,
            new.status,
            old.execution_status if old else None,
            new.execution_status,
            at,
            reason,
            new.since_exact,
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


def _server_time(view: ConversationView, now: float) -> float:
    """The server's last update of `view` (never later than now), else now."""
    since = since_first_sight(view.updated_at)
    return now if since is None else min(now, since)
