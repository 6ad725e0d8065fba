"""What the Fleet learns, kept: the recorder feeds the history store (transitions, alerts and
their acknowledgements, last known views, per-minute counts and activity) and keeps the
trends the sparklines draw, filled from the store after a restart. No Textual here."""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable

from tui.alerts.watcher import Alert, AlertWatcher
from tui.history.store import HistoryStore, StoredAlert
from tui.protocol import status as st
from tui.store.status_store import Transition
from tui.store.stores import Stores
from tui.store.view import Key

log = logging.getLogger(__name__)
HOUR_MINUTES = 60
DAY_HOURS = 24


class Trends:
    """Per-minute counts by status over the last hour, conversations that entered ERROR per
    hour over the last day, and events per minute per conversation: what the sparklines show.
    A series starts where ohtop started knowing (this run, or the history it restored): time
    before that is unknown, and not drawn as zero."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self.counts: dict[str, deque[tuple[int, int]]] = {
            s: deque(maxlen=HOUR_MINUTES) for s in st.SEED_STATUSES
        }
        self.errors: dict[int, int] = {}  # hour -> conversations that entered ERROR in it
        self.activity: dict[Key, deque[tuple[int, int]]] = {}
        self.watched_from = wall()  # the earliest time these trends know of

    def count_series(self, status: str, now: float, current: int | None = None) -> list[float]:
        """Conversations in `status`, minute by minute over the last hour, from the first
        known minute (a minute not sampled holds the minute before); the last point is
        `current` when given (the count now, not the last minute's)."""
        series = list(self.counts[status])
        minute = int(now // 60)
        start = max(minute - HOUR_MINUTES + 1, series[0][0] if series else minute)
        known = dict(series)
        out: list[float] = []
        last = float(known.get(start, 0))
        for m in range(start, minute + 1):
            last = float(known.get(m, last))
            out.append(last)
        if current is not None:
            out[-1] = float(current)
        return out

    def error_series(self, now: float) -> list[float]:
        """Conversations that entered ERROR, hour by hour over the last day (from the hour
        ohtop started knowing)."""
        hour = int(now // 3600)
        first = min([int(self.watched_from // 3600), *self.errors])
        start = max(hour - DAY_HOURS + 1, first)
        return [float(self.errors.get(h, 0)) for h in range(start, hour + 1)]

    def activity_series(self, key: Key, now: float) -> list[float]:
        """Events a minute for one conversation over the last hour."""
        return _fill(self.activity.get(key, deque()), int(now // 60), HOUR_MINUTES)

    def add_count(self, status: str, minute: int, n: int) -> None:
        _put(self.counts[status], minute, n)
        self.watched_from = min(self.watched_from, minute * 60.0)

    def add_error(self, hour: int) -> None:
        self.errors[hour] = self.errors.get(hour, 0) + 1
        for old in [h for h in self.errors if h <= hour - DAY_HOURS]:
            del self.errors[old]

    def add_activity(self, key: Key, minute: int, n: int) -> None:
        series = self.activity.setdefault(key, deque(maxlen=HOUR_MINUTES))
        if series and series[-1][0] == minute:
            series[-1] = (minute, series[-1][1] + n)
        else:
            series.append((minute, n))


def _put(series: deque[tuple[int, int]], at: int, n: int) -> None:
    if series and series[-1][0] == at:
        series[-1] = (at, n)
    elif not series or series[-1][0] < at:
        series.append((at, n))


def _fill(series: deque[tuple[int, int]], now: int, span: int) -> list[float]:
    known = dict(series)
    return [float(known.get(t, 0)) for t in range(now - span + 1, now + 1)]


def entered_error(t: Transition, started_at: float) -> bool:
    """A transition into ERROR that counts as a failure in the trends: one ohtop saw, or a
    first sight of a conversation whose server dates its failure after ohtop started (the
    same rule as alerts: what failed before is counted in the status, not as news)."""
    if t.new_status != st.ERROR or t.old_status == st.ERROR or t.reason == "restored":
        return False
    return t.old_status is not None or t.at >= started_at


class Recorder:
    """Connects a Fleet's stores to a history store (optional) and to its trends."""

    def __init__(
        self,
        stores: Stores,
        alerts: AlertWatcher,
        events_received: Callable[[], Counter[Key]],
        history: HistoryStore | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.stores = stores
        self.alerts = alerts
        self.history = history
        self.trends = Trends(wall)
        self._wall = wall
        self._events_received = events_received
        self._seen_events: Counter[Key] = Counter()
        self._dirty: set[Key] = set()
        self._minute = int(wall() // 60)
        self._unsubscribe: list[Callable[[], None]] = []
        self.looked: dict[Key, float] = {}  # when a person last looked at a conversation

    def restore(self, servers: list[str]) -> int:
        """Put the stored views of these servers in the stores (marked stale), with their
        timelines, alerts and mutes; fill the trends. Returns how many views came back."""
        if self.history is None:
            return 0
        now = self._wall()
        views = self.history.views(servers)
        timelines: dict[Key, list[Transition]] = {}
        for t in self.history.transitions(since=now - 7 * 86400):
            timelines.setdefault(t.key, []).append(t)
        with self.stores.status.batch():
            for view in views:
                if view.deleted:  # its server no longer had it: not brought back, not kept
                    self.history.forget(view.key)
                else:
                    self.stores.status.restore(view, timeline=timelines.get(view.key))
        watched = set(servers)  # the store is shared: other runs watched other servers
        kept = [
            Alert(a.key, a.title, a.what, a.at, a.detail, a.code, acked=a.acked_at is not None)
            for a in self.history.alerts(since=now - 86400)
            if a.key[0] in watched
        ]
        mutes = {k for k in self.history.mutes() if k[0] in watched}
        self.looked.update(
            {k: at for k, at in self.history.seen_marks().items() if k[0] in watched}
        )
        acks = {k: s for k, s in self.history.acks().items() if k[0] in watched}
        self.alerts.restore(kept, mutes, acks)
        for status, series in self.history.counts(now - 3600).items():
            if status in self.trends.counts:
                for minute, n in series:
                    self.trends.add_count(status, minute, n)
        for t in self.history.transitions(since=now - 86400):
            if t.new_status == st.ERROR and t.old_status not in (None, st.ERROR):
                self.trends.add_error(int(t.at // 3600))
        first = self.history.first_seen()
        if first is not None:
            self.trends.watched_from = min(self.trends.watched_from, first)
        return len(views)

    def attach(self) -> None:
        """Follow the stores from now on."""
        status = self.stores.status
        self._unsubscribe = [
            status.transitions.subscribe(self._transition),
            status.changed.subscribe(self._changed),
            self.alerts.raised.subscribe(self._alert),
            self.alerts.acknowledged.subscribe(self._acknowledged),
            status.forgotten.subscribe(self._forget),
        ]

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _changed(self, keys: frozenset[Key]) -> None:
        # Into the set of now: `tick` swaps in a new one (a bound `self._dirty.update` would
        # keep filling the first set, and every view after the first second went unwritten).
        self._dirty.update(keys)

    def _forget(self, key: Key) -> None:
        """Gone for good: its last view leaves the store (a restart must not bring it back);
        its transitions and alerts stay, as history."""
        self._dirty.discard(key)
        self._seen_events.pop(key, None)
        self.looked.pop(key, None)
        self.trends.activity.pop(key, None)
        if self.history is not None:
            self.history.forget(key)

    def _transition(self, t: Transition) -> None:
        if entered_error(t, self.alerts.started_at):
            self.trends.add_error(int(t.at // 3600))
        if self.history is not None and t.reason != "restored":
            self.history.transition(t)

    def _alert(self, a: Alert) -> None:
        if self.history is not None:
            self.history.alert(StoredAlert(a.key, a.at, a.what, a.title, a.detail, a.code))

    def _acknowledged(self, key: Key) -> None:
        if self.history is not None:
            self.history.acknowledge(key, self._wall(), self.alerts.acked.get(key))

    def acknowledge(self, key: Key) -> str:
        """Acknowledge a conversation's alerts; says whether a restart will still know it."""
        self.alerts.acknowledge(key)  # written at once (see `_acknowledged`)
        if self.history is None:
            return "Acknowledged for this run (no history store: a restart forgets it)."
        if self.history.failed is not None:
            return f"Acknowledged for this run only: {self.history.failed}"
        return "Acknowledged: quiet until it changes (kept across restarts)."

    def mark_seen(self, key: Key, at: float | None = None) -> None:
        """A person looked at this conversation (opened it, or decided to act on it: `at`,
        when they did); kept so."""
        self.looked[key] = at = self._wall() if at is None else at
        if self.history is not None:
            self.history.mark_seen(key, at)

    def mute(self, key: Key, muted: bool) -> None:
        """Mute (or unmute) a conversation's alerts, and keep it so."""
        self.alerts.mute(key, muted)
        if self.history is not None:
            self.history.mute(key, muted)

    def tick(self) -> None:
        """Once a second: the views that changed go to the store; at each new minute, the
        counts by status and the events of the minute go to the trends and the store."""
        now = self._wall()
        if self._dirty and self.history is not None:
            dirty, self._dirty = self._dirty, set()
            for key in dirty:
                view = self.stores.status.get(key)
                if view is not None and not view.stale:
                    self.history.seen(view)
        else:
            self._dirty.clear()
        minute = int(now // 60)
        if minute != self._minute:
            self._minute = minute
            self._sample(now, minute)

    def _sample(self, now: float, minute: int) -> None:
        per_server = self.stores.status.counts_by_server()  # kept by the store: no walk
        overall = self.stores.status.counts()
        for status in st.SEED_STATUSES:
            self.trends.add_count(status, minute, overall[status])
        received = self._events_received()
        fresh = received - self._seen_events
        self._seen_events = Counter(received)
        for key, n in fresh.items():
            self.trends.add_activity(key, minute, n)
        if self.history is not None:
            self.history.sample_counts(now, dict(per_server))
            self.history.add_activity(now, dict(fresh))
