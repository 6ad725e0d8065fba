"""ErrorStore: recent errors from servers and payloads, bounded, with counts by kind."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from tui.client.secrets import redact
from tui.store.signal import Signal

DEFAULT_ERROR_CAP = 500


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One error: where it happened, what kind, and a one-line message for people."""

    at: float
    server: str
    kind: str  # e.g. "auth", "http", "network", "payload", "not_api"
    message: str
    conversation: str | None = None


class ErrorStore:
    """A ring of recent errors plus running counts (rejected payloads among them)."""

    def __init__(self, cap: int = DEFAULT_ERROR_CAP, wall: Callable[[], float] = time.time):
        self._records: deque[ErrorRecord] = deque(maxlen=cap)
        self._wall = wall
        self.counts: Counter[str] = Counter()
        self.rejected = 0  # payload items dropped for their shape
        self.added: Signal[ErrorRecord] = Signal()

    def add(self, server: str, kind: str, message: str, conversation: str | None = None) -> None:
        """Record an error."""
        rec = ErrorRecord(self._wall(), server, kind, redact(message), conversation)
        self._records.append(rec)
        self.counts[kind] += 1
        self.added.emit(rec)

    def count_rejected(self, server: str, n: int, what: str) -> None:
        """Count payload items that could not be read (they are dropped, the rest is kept)."""
        if n > 0:
            self.rejected += n
            self.add(server, "payload", f"{n} {what} rejected: wrong shape, or past a page's cap")

    def recent(self, n: int = 50) -> list[ErrorRecord]:
        """The newest `n` errors, newest first."""
        return list(reversed(self._records))[:n]

    def last_for(self, server: str) -> ErrorRecord | None:
        """The newest error of one server."""
        for rec in reversed(self._records):
            if rec.server == server:
                return rec
        return None
