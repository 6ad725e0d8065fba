"""Alerts: a conversation entered ERROR or got stuck, went silent while RUNNING, or has been
STARTING too long.

A failure ohtop meets at first sight is news when the conversation was created after ohtop
started (in a busy fleet most errors happen within the first minutes of a conversation, before
any listing saw it). An ERROR alert waits a few seconds for its error's code and detail (they
come from the event history, just after the status), so the toast says what failed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from tui.alerts.spells import DueQueue
from tui.protocol import status as st
from tui.store.signal import Signal
from tui.store.status_store import StatusStore, Transition
from tui.store.view import ConversationView, Key

ERROR_WAIT = 5.0  # seconds an ERROR alert waits for the error's details
# Spells looked at per call of `tick` and kind: after a first listing of 100,000, every one is
# due at once, and one call must not hold the screen (the caller yields, then calls again).
SPELLS_PER_TICK = 500
LastHeard = Callable[[Key], float | None]  # wall time of a conversation's last live event


ALERT_KINDS = ("error", "stuck", "silent", "starting too long", "waiting", "finished", "unshown")
SPELL_KINDS = ("silent", "starting too long")  # raised once per spell, by time alone
# What a conversation said when a person acknowledged it: its acknowledgement holds until it
# says something else (status, execution status, or its server's last update).
AckState = tuple[str, str | None, str | None]


def ack_state(view: ConversationView) -> AckState:
    """The state an acknowledgement is bound to."""
    updated = view.updated_at.isoformat() if view.updated_at else None
    return (view.status, view.execution_status, updated)


# "unshown": an approval let an action run that nobody was shown (acting on what was seen).
DEFAULT_ALERTS = frozenset({"error", "stuck", "silent", "starting too long", "unshown"})


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a conversation deserves a warning (minutes), and which alerts are raised."""

    starting_minutes: float = 5.0  # STARTING longer than this
    silent_minutes: float = 10.0  # RUNNING/running with no update or event for this long
    kinds: frozenset[str] = DEFAULT_ALERTS  # of ALERT_KINDS


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert for the alerts list, the toast and the hooks."""

    key: Key
    title: str
    what: str  # "error", "stuck", "silent", "starting too long"
    at: float  # wall clock
    detail: str = ""
    code: str = ""  # the error code, when there is one
    acked: bool = False  # acknowledged by a person


def silent_for(view: ConversationView, now: float, last_heard: float | None) -> float | None:
    """Seconds a RUNNING/running conversation has been silent (None: not running): since its
    last event, its server's last update, or the change into running that ohtop saw itself."""
    if not _may_go_silent(view.status, view.execution_status):
        return None
    seen = view.status_since if view.since_exact else None
    updated = view.updated_at.timestamp() if view.updated_at else None
    heard = [x for x in (last_heard, updated, seen) if x]
    if heard:
        return max(0.0, now - max(heard))
    return view.in_state(now)


def warnings_for(
    view: ConversationView, now: float, last_heard: float | None, t: Thresholds
) -> list[str]:
    """Triage warnings for one conversation at wall time `now`."""
    out = []
    in_state = view.in_state(now) or 0.0
    if view.status == st.STARTING and in_state > t.starting_minutes * 60:
        out.append(f"STARTING for {in_state / 60:.0f} min (more than {t.starting_minutes:g})")
    silent = silent_for(view, now, last_heard)
    if silent is not None and silent > t.silent_minutes * 60:
        out.append(f"RUNNING but nothing heard for {silent / 60:.0f} min: wedged or frozen?")
    return out


class AlertWatcher:
    """Turns transitions (and long STARTING or silent spells, checked on `tick`) into alerts."""

    def __init__(
        self,
        store: StatusStore,
        thresholds: Thresholds | None = None,
        wall: Callable[[], float] = time.time,
        cap: int = 200,
        last_heard: LastHeard = lambda _key: None,
        started_at: float | None = None,
    ) -> None:
        self.store = store
        self.thresholds = thresholds or Thresholds()
        self._wall = wall
        self.started_at = wall() if started_at is None else started_at
        self.alerts: deque[Alert] = deque(maxlen=cap)
        self.raised: Signal[Alert] = Signal()
        self._last_heard = last_heard
        self._flagged: set[tuple[Key, str]] = set()  # (key, what) raised in the current spell
        # Looked at when their spell could first cross its limit; kept up by transitions.
        self._starting = DueQueue()
        self._running = DueQueue()
        for v in store:
            if v.status == st.STARTING:
                self._starting.schedule(v.key, 0.0)
            if _may_go_silent(v.status, v.execution_status):
                self._running.schedule(v.key, 0.0)
        self._waiting: dict[Key, float] = {}  # ERROR alerts waiting for their details
        self._asking: dict[Key, float] = {}  # "waiting" alerts waiting for what is asked
        self.acked: dict[Key, AckState] = {}  # quiet until the conversation changes again
        self.ticks = 0  # calls of `tick` (tests wait on it)
        # Spells alerted in an earlier run: still the same spell once its server confirms the
        # conversation says what it said then, else a new one.
        self._restored_spells: dict[Key, AckState] = {}
        self.muted: set[Key] = set()  # quiet until unmuted
        self.acknowledged: Signal[Key] = Signal()
        store.transitions.subscribe(self._transition)
        store.changed.subscribe(self._changed)
        store.forgotten.subscribe(self._forget)

    def _raise(self, view: ConversationView, what: str, detail: str = "", code: str = "") -> None:
        if view.key in self.acked or view.key in self.muted or what not in self.thresholds.kinds:
            return
        alert = Alert(view.key, view.title, what, self._wall(), detail, code)
        self.alerts.append(alert)
        self.raised.emit(alert)

    def alert_unshown(self, key: Key, action_ids: list[str]) -> None:
        """An approval let actions run that were not among those shown: say so."""
        view = self.store.get(key)
        if view is not None:
            n = len(action_ids)
            detail = f"{n} action{'s' if n != 1 else ''} ran that nobody was shown"
            self._raise(view, "unshown", f"{detail}: {', '.join(action_ids[:3])}")

    def acknowledge(self, key: Key) -> None:
        """A person saw this conversation's alerts: quiet until it changes state again."""
        view = self.store.get(key)
        self.acked[key] = ack_state(view) if view is not None else ("", None, None)
        self.alerts = deque(
            (replace(a, acked=True) if a.key == key else a for a in self.alerts),
            maxlen=self.alerts.maxlen,
        )
        self.acknowledged.emit(key)

    def mute(self, key: Key, muted: bool = True) -> None:
        """No alerts for this conversation until it is unmuted."""
        (self.muted.add if muted else self.muted.discard)(key)

    def restore(
        self, alerts: list[Alert], muted: set[Key], acked: dict[Key, AckState] | None = None
    ) -> None:
        """Alerts, mutes and acknowledgements kept from an earlier run (the newest last): an
        acknowledgement holds while the conversation still says what it said then, and a
        spell already alerted is not alerted again."""
        self.alerts.extend(alerts)
        self.muted |= muted
        for key, state in (acked or {}).items():
            view = self.store.get(key)
            if view is not None and ack_state(view) == state:
                self.acked[key] = state
        for alert in alerts:
            view = self.store.get(alert.key)
            spell = view.status_since if view is not None else None
            if view is not None and alert.what in SPELL_KINDS and spell and alert.at >= spell:
                self._flagged.add((alert.key, alert.what))
                self._restored_spells[alert.key] = ack_state(view)

    def _forget(self, key: Key) -> None:
        """A conversation gone for good: no spell of it is watched any more."""
        self._starting.discard(key)
        self._running.discard(key)
        self._waiting.pop(key, None)
        self._asking.pop(key, None)
        self.acked.pop(key, None)
        for what in ALERT_KINDS:
            self._flagged.discard((key, what))

    def _news(self, t: Transition, view: ConversationView) -> bool:
        """A first sight is news only for a conversation created after ohtop started."""
        if t.old_status is not None:
            return True
        created = view.created_at.timestamp() if view.created_at else None
        return created is not None and created >= self.started_at

    def _transition(self, t: Transition) -> None:
        key = t.key
        self.acked.pop(key, None)  # it changed: news again
        first = t.old_status is None  # never seen: in no queue and flagged for nothing yet
        if t.new_status == st.STARTING:
            self._starting.schedule(key, 0.0)  # its spell may have begun long ago
        elif not first:
            self._starting.discard(key)
            self._flagged.discard((key, "starting too long"))
        if _may_go_silent(t.new_status, t.new_execution):
            self._running.schedule(key, 0.0)
        elif not first:
            self._running.discard(key)
            self._flagged.discard((key, "silent"))
        what = _alert_kind(t)
        if what is None:
            return
        view = self.store.get(key)
        if view is None or view.gone or not self._news(t, view):
            return
        if what == "finished":
            self._raise(view, "finished", f"{view.tasks_done}/{view.tasks_total} tasks done")
        elif what == "waiting":
            if view.pending is not None:
                self._raise_waiting(view)
            else:  # what it wants to do comes from its events, just after the status
                self._asking[key] = self._wall() + ERROR_WAIT
        elif what == "stuck":
            self._raise(view, "stuck")
        elif view.last_error is not None:
            self._raise_error(view)
        else:
            self._waiting[key] = self._wall() + ERROR_WAIT

    def _raise_waiting(self, view: ConversationView) -> None:
        self._asking.pop(view.key, None)
        words = "; ".join(p.words() for p in view.waiting_on)
        self._raise(view, "waiting", words or "an action waits for a person's confirmation")

    def _raise_error(self, view: ConversationView) -> None:
        self._waiting.pop(view.key, None)
        err = view.last_error
        if err is None:
            self._raise(view, "error", "no error details from the server yet")
        else:
            self._raise(view, "error", f"{err.code}: {err.detail}", err.code)

    def _changed(self, keys: frozenset[Key]) -> None:
        if self.acked:  # an acknowledgement holds while the conversation says the same
            for key in keys & self.acked.keys():
                view = self.store.get(key)
                if view is None or (not view.stale and ack_state(view) != self.acked[key]):
                    del self.acked[key]
        if self._restored_spells:
            for key in keys & self._restored_spells.keys():
                view = self.store.get(key)
                if view is not None and view.stale:
                    continue  # not read from its server yet
                if view is None or ack_state(view) != self._restored_spells[key]:
                    for what in SPELL_KINDS:
                        self._flagged.discard((key, what))
                    if view is not None and _may_go_silent(view.status, view.execution_status):
                        self._running.schedule(key, 0.0)
                del self._restored_spells[key]
        for key in keys & self._asking.keys():
            view = self.store.get(key)
            if view is None or view.execution_status != "waiting_for_confirmation":
                self._asking.pop(key, None)
            elif view.pending is not None:
                self._raise_waiting(view)
        if not self._waiting:
            return
        for key in keys & self._waiting.keys():
            view = self.store.get(key)
            if view is None or view.status != st.ERROR:
                self._waiting.pop(key, None)
            elif view.last_error is not None:
                self._raise_error(view)

    def tick(self) -> bool:
        """Raise what time alone brings: a long STARTING or silent spell, once per spell, and
        ERROR alerts whose details did not come in time. Looks at `SPELLS_PER_TICK` spells of
        each kind at most; True when more may be due (call again after letting others run)."""
        now = self._wall()
        self.ticks += 1
        for key, deadline in list(self._waiting.items()):
            if now >= deadline and (view := self.store.get(key)) is not None:
                self._raise_error(view)
        for key, deadline in list(self._asking.items()):
            if now >= deadline and (view := self.store.get(key)) is not None:
                self._raise_waiting(view)
        limit = self.thresholds.starting_minutes * 60
        starting = self._starting.pop_due(now, SPELLS_PER_TICK)
        for key in starting:
            view = self.store.get(key)
            if view is None or (key, "starting too long") in self._flagged:
                continue
            spell = view.in_state(now)
            if spell is not None and spell > limit:
                self._flagged.add((key, "starting too long"))
                self._raise(view, "starting too long", f"{spell / 60:.0f} min")
            elif view.status == st.STARTING:  # again when the spell could first be too long
                wait = limit - spell if spell is not None else 10.0  # None: since unknown yet
                self._starting.schedule(key, now + max(wait, 0.0) + 0.001)
        silent_limit = self.thresholds.silent_minutes * 60
        running = self._running.pop_due(now, SPELLS_PER_TICK)
        for key in running:
            view = self.store.get(key)
            if view is None or (key, "silent") in self._flagged:
                continue
            silent = silent_for(view, now, self._last_heard(key))
            if silent is not None and silent > silent_limit:
                self._flagged.add((key, "silent"))
                self._raise(view, "silent", f"nothing heard for {silent / 60:.0f} min")
            elif silent is not None or view.status == st.RUNNING:  # again when it could be
                wait = silent_limit - silent if silent is not None else 10.0
                self._running.schedule(key, now + max(wait, 0.0) + 0.001)
        return len(starting) == SPELLS_PER_TICK or len(running) == SPELLS_PER_TICK


def _alert_kind(t: Transition) -> str | None:
    """The alert a transition brings, if its conversation is news ("error" waits for the
    error's details): checked before the conversation is looked up, as most bring none."""
    execution = t.new_execution
    if execution == "finished" and t.old_execution != "finished":
        return "finished"
    if execution == "waiting_for_confirmation" and t.old_execution != execution:
        return "waiting"
    if execution == "stuck" and t.old_execution != "stuck":
        return "stuck"
    if t.new_status == st.ERROR and t.old_status != st.ERROR:
        return "error"
    return None


def _may_go_silent(status: str, execution: str | None) -> bool:
    """Only a RUNNING conversation whose agent is running can be silent (`silent_for`)."""
    return status == st.RUNNING and execution == "running"
