"""When to look again at a conversation whose spell (STARTING, silent) may grow too long.

A spell only grows with time, and what shortens it (a transition, an event) never makes it
cross its limit sooner, so each conversation is looked at once when its spell could first
cross the limit, not on every tick: at 100,000 conversations a tick checks only the few due.
"""

from __future__ import annotations

import heapq

from tui.store.view import Key


class DueQueue:
    """Conversations to check again, each at its own wall time (one entry per key)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, Key]] = []
        self._due: dict[Key, float] = {}

    def schedule(self, key: Key, at: float) -> None:
        """Check `key` at wall time `at` (replaces an earlier schedule)."""
        self._due[key] = at
        heapq.heappush(self._heap, (at, key))

    def discard(self, key: Key) -> None:
        """Stop watching `key` (its entry in the heap is skipped when it comes up)."""
        self._due.pop(key, None)

    def pop_due(self, now: float, most: int | None = None) -> list[Key]:
        """Keys due by `now`, each taken off the queue; at most `most` of them (the earliest),
        the rest stay due."""
        out: list[Key] = []
        heap = self._heap
        while heap and heap[0][0] <= now and (most is None or len(out) < most):
            at, key = heapq.heappop(heap)
            if self._due.get(key) == at:
                del self._due[key]
                out.append(key)
        if len(heap) > 4 * len(self._due) + 64:  # stale entries from re-schedules
            self._heap = [(at, key) for key, at in self._due.items()]
            heapq.heapify(self._heap)
        return out
