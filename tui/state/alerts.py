"""Alerts: a conversation entered ERROR or got stuck, or has been STARTING too long."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tui.protocol import status as st
from tui.state.signal import Signal
from tui.state.status_store import StatusStore, Transition
from tui.state.view import ConversationView, Key


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a conversation deserves a warning (minutes)."""

    starting_minutes: float = 5.0  # STARTING longer than this
    silent_minutes: float = 10.0  # RUNNING/running with no update or event for this long


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert for the alerts list and the toast."""

    key: Key
    title: str
    what: str  # "error", "stuck", "starting too long"
    at: float  # wall clock
    detail: str = ""


def warnings_for(
    view: ConversationView, now: float, last_event_at: float | None, t: Thresholds, wall: float
) -> list[str]:
    """Triage warnings for one conversation (`now` monotonic, `wall`/`last_event_at` wall)."""
    out = []
    in_state = now - view.status_since if view.status_since is not None else 0.0
    if view.status == st.STARTING and in_state > t.starting_minutes * 60:
        out.append(f"STARTING for {in_state / 60:.0f} min (more than {t.starting_minutes:g})")
    if view.status == st.RUNNING and view.execution_status == "running":
        heard = [
            x
            for x in (last_event_at, view.updated_at.timestamp() if view.updated_at else None)
            if x
        ]
        silent = wall - max(heard) if heard else in_state
        if silent > t.silent_minutes * 60:
            out.append(f"RUNNING but nothing heard for {silent / 60:.0f} min: wedged or frozen?")
    return out


class AlertWatcher:
    """Turns transitions (and long STARTING spells, checked on `tick`) into alerts."""

    def __init__(
        self,
        store: StatusStore,
        thresholds: Thresholds | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        cap: int = 200,
    ) -> None:
        self.store = store
        self.thresholds = thresholds or Thresholds()
        self._clock = clock
        self._wall = wall
        self.alerts: deque[Alert] = deque(maxlen=cap)
        self.raised: Signal[Alert] = Signal()
        self._starting_flagged: set[Key] = set()
        # Checked each tick instead of every conversation; kept up to date by transitions.
        self._starting = {v.key for v in store if v.status == st.STARTING}
        store.transitions.subscribe(self._transition)

    def _raise(self, view: ConversationView, what: str, detail: str = "") -> None:
        alert = Alert(view.key, view.title, what, self._wall(), detail)
        self.alerts.append(alert)
        self.raised.emit(alert)

    def _transition(self, t: Transition) -> None:
        if t.new_status == st.STARTING:
            self._starting.add(t.key)
        else:
            self._starting.discard(t.key)
        if t.old_status is None:
            return  # first sight is not news; the indicator already counts errors
        view = self.store.get(t.key)
        if view is None:
            return
        if t.new_execution == "stuck" and t.old_execution != "stuck":
            self._raise(view, "stuck")
        elif t.new_status == st.ERROR and t.old_status != st.ERROR:
            err = view.last_error
            self._raise(view, "error", f"{err.code}: {err.detail}" if err else "")
        if t.new_status != st.STARTING:
            self._starting_flagged.discard(t.key)

    def tick(self) -> None:
        """Raise 'starting too long' once per spell."""
        limit = self.thresholds.starting_minutes * 60
        now = self._clock()
        for key in list(self._starting):
            view = self.store.get(key)
            since = view.status_since if view is not None else None
            if view is None or since is None or key in self._starting_flagged:
                continue
            if now - since > limit:
                self._starting_flagged.add(view.key)
                self._raise(view, "starting too long", f"{(now - since) / 60:.0f} min")
