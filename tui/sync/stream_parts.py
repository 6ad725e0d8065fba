"""The parts a stream worker is made of: where to resume (the cursor), how to reconnect (the
policy), and what keeps one link from hurting the others (the flood guard, the handshake
gate)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tui.sync.backoff import Backoff


@dataclass(slots=True)
class Cursor:
    """Where to resume: the last durable seq (session socket) or an event timestamp.

    On the legacy socket history may interleave with live events, so a live event's timestamp
    is only adopted once the link has been up long enough for the replay to have finished;
    until then a drop resumes from the replay's progress (duplicates are dropped by id).
    """

    seq: int | None = None
    timestamp: str | None = None
    connect_mark: str | None = None  # the on-connect snapshot's timestamp
    pending: str | None = None  # newest live timestamp not yet adopted

    def connected(self) -> None:
        """A new link: forget the previous link's marks."""
        self.connect_mark = None
        self.pending = None

    def saw(self, stamp: str, settled: bool) -> None:
        """A persisted event with this (verbatim) timestamp arrived."""
        live = self.connect_mark is None or _later_or_equal(stamp, self.connect_mark)
        if live and not settled:
            if self.pending is None or _later_or_equal(stamp, self.pending):
                self.pending = stamp
            return
        if self.timestamp is None or _later_or_equal(stamp, self.timestamp):
            self.timestamp = stamp

    def settle(self) -> None:
        """The link has been up long enough: adopt the newest live timestamp."""
        if self.pending is not None:
            self.saw(self.pending, settled=True)
            self.pending = None


def _later_or_equal(a: str, b: str) -> bool:
    try:
        return datetime.fromisoformat(a) >= datetime.fromisoformat(b)
    except (TypeError, ValueError):
        return a >= b


LINK_BACKOFF = Backoff(base=1.0, cap=30.0)
BUSY_BACKOFF = Backoff(base=10.0, cap=120.0)  # after 1013 / 503: the server asked for room


@dataclass(frozen=True, slots=True)
class StreamPolicy:
    """Reconnect tuning."""

    backoff: Backoff = LINK_BACKOFF
    busy_backoff: Backoff = BUSY_BACKOFF
    stable_after: float = 10.0  # a link up this long resets the attempt count
    stagger: float = 0.5  # first connects spread over this many seconds
    flood_rate: int = 2_000  # frames a second, held for FLOOD_SECONDS, that close the link


FLOOD_SECONDS = 3.0
YIELD_EVERY = 100  # frames handled between two yields to the event loop


class FloodGuard:
    """Counts a link's frames: yields to the loop now and then, and says when the link has
    sent more than `rate` frames a second for FLOOD_SECONDS (one socket must not freeze the
    UI or starve the others: it is shed, and the conversation is followed over REST)."""

    def __init__(self, rate: int, clock: Callable[[], float]) -> None:
        self.rate = rate
        self._clock = clock
        self._window_start = clock()
        self._in_window = 0
        self._frames = 0

    def count(self) -> bool:
        """One more frame; True when it is time to yield to the event loop."""
        self._frames += 1
        self._in_window += 1
        return self._frames % YIELD_EVERY == 0

    def over(self) -> bool:
        """True once the rate was exceeded over a whole window."""
        elapsed = self._clock() - self._window_start
        if self._in_window > self.rate * FLOOD_SECONDS:
            return elapsed < FLOOD_SECONDS
        if elapsed >= FLOOD_SECONDS:
            self._window_start, self._in_window = self._clock(), 0
        return False


class HandshakeGate:
    """Caps concurrent handshakes across all streams, so a flapping host causes no storm."""

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self._sem = asyncio.Semaphore(limit)
        self.active = 0
        self.peak = 0

    async def __aenter__(self) -> None:
        await self._sem.acquire()
        self.active += 1
        self.peak = max(self.peak, self.active)

    async def __aexit__(self, *_: object) -> None:
        self.active -= 1
        self._sem.release()
