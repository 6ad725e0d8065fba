"""Counts and durations of one server's requests, read by the metrics exporter."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

# Upper bounds (seconds) of the request-duration histogram's buckets.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class RequestStats:
    """Requests by outcome (the HTTP status code, `timeout` or `error`) and a histogram."""

    def __init__(self) -> None:
        self.by_code: Counter[str] = Counter()
        self.buckets = [0] * (len(BUCKETS) + 1)  # the last one is +Inf
        self.total_seconds = 0.0

    def record(self, code: str, seconds: float) -> None:
        """Count one finished request."""
        self.by_code[code] += 1
        self.buckets[bisect_left(BUCKETS, seconds)] += 1
        self.total_seconds += seconds

    @property
    def count(self) -> int:
        """Requests recorded."""
        return sum(self.buckets)

    def merge(self, other: RequestStats) -> None:
        """Add another client's counts (a server's monitor is rebuilt on reload)."""
        self.by_code.update(other.by_code)
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.total_seconds += other.total_seconds
