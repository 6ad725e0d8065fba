"""Status-adaptive poll intervals (the web UI's; docs/protocol.md "Listing and polling") and
the schedule of due polls."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, replace

from tui.client.sources import BATCH_LIMIT
from tui.protocol import status as st
from tui.store.status_store import StatusStore
from tui.store.view import Key


@dataclass(frozen=True, slots=True)
class PollIntervals:
    """Seconds between polls by coarse status; None means never poll."""

    starting: float | None = 3.0
    running: float | None = 30.0
    stopped: float | None = 60.0
    error: float | None = 10.0
    archived: float | None = None
    other: float | None = 60.0  # statuses ohtop does not know
    discover: float = 120.0  # re-list every conversation (finds deletions and the rest)
    look: float = 10.0  # look for new ones: a count, and the newest page when it moved (0: off)
    jitter: float = 0.1  # +/- fraction, so polls of many conversations spread out
    # V1 app servers answer "what changed since": asked every `delta` seconds (0: off), the
    # per-id polls remain only as a backstop for what `updated_at` does not show (sandbox
    # transitions), and the full listing becomes a slow sweep (docs/protocol.md "Freshness").
    delta: float = 10.0
    backstop_starting: float = 60.0
    backstop: float = 600.0
    sweep: float = 1800.0
    # While a server pushes its events (webhooks), its per-id polls slow to this heartbeat.
    heartbeat: float = 300.0

    def in_delta(self) -> PollIntervals:
        """The intervals while the server's "what changed" answers: per-id polls slow down to
        the backstops, the full listing to the sweep."""
        slow = self.backstop
        return replace(
            self,
            starting=self.backstop_starting if self.starting is not None else None,
            running=slow if self.running is not None else None,
            stopped=slow if self.stopped is not None else None,
            error=slow if self.error is not None else None,
            other=slow if self.other is not None else None,
            discover=max(self.discover, self.sweep),
        )

    def in_push(self) -> PollIntervals:
        """The intervals while the server pushes: per-id polls only as a heartbeat."""
        slow = self.heartbeat
        return replace(
            self,
            running=slow if self.running is not None else None,
            stopped=slow if self.stopped is not None else None,
            error=slow if self.error is not None else None,
            other=slow if self.other is not None else None,
        )

    def base(self, status: str) -> float | None:
        """The configured interval for a coarse status."""
        return {
            st.STARTING: self.starting,
            st.RUNNING: self.running,
            st.STOPPED: self.stopped,
            st.ERROR: self.error,
            st.ARCHIVED: self.archived,
        }.get(status, self.other)

    def next_delay(self, status: str, rng: random.Random) -> float | None:
        """The delay before the next poll, jittered; None to stop polling."""
        base = self.base(status)
        if base is None:
            return None
        return base * rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)


class PollSchedule:
    """When each conversation is next due. One entry per key; rescheduling replaces it."""

    def __init__(self) -> None:
        self._due: dict[Key, float] = {}
        self._heap: list[tuple[float, Key]] = []

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, key: object) -> bool:
        return key in self._due

    def set(self, key: Key, at: float) -> None:
        """Poll `key` at time `at` (replacing any earlier plan)."""
        self._due[key] = at
        heapq.heappush(self._heap, (at, key))

    def due(self, key: Key) -> float | None:
        """When `key` is next due, if scheduled."""
        return self._due.get(key)

    def drop(self, key: Key) -> None:
        """Stop polling `key`."""
        self._due.pop(key, None)

    def next_time(self) -> float | None:
        """The earliest due time, or None when nothing is scheduled."""
        while self._heap:
            at, key = self._heap[0]
            if self._due.get(key) == at:
                return at
            heapq.heappop(self._heap)  # stale entry
        return None

    def peek(self) -> tuple[float, Key] | None:
        """The earliest (due time, key), without removing it."""
        at = self.next_time()
        return None if at is None else self._heap[0]

    def pop_due(self, until: float) -> list[Key]:
        """Remove and return every key due at or before `until`, earliest first."""
        out: list[Key] = []
        while (at := self.next_time()) is not None and at <= until:
            _, key = heapq.heappop(self._heap)
            del self._due[key]
            out.append(key)
        return out


EARLY = 0.25  # a conversation may ride along in a batch this share of its interval early


def top_up(
    schedule: PollSchedule,
    due: list[Key],
    intervals: PollIntervals,
    status: StatusStore,
    now: float,
) -> None:
    """Fill the last batch with the conversations due soonest, if each is within a quarter of
    its interval: a request that goes out anyway carries them, instead of jittered due times
    splitting one batch's worth into several requests."""
    room = -len(due) % BATCH_LIMIT if due else 0
    while room and (nxt := schedule.peek()) is not None:
        at, key = nxt
        view = status.get(key)
        every = intervals.base(view.status) if view is not None else None
        if every is None or at - now > every * EARLY:
            break
        schedule.drop(key)
        due.append(key)
        room -= 1
