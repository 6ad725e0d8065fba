"""Exponential backoff with full jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """`delay(n)` is uniform in [0, min(cap, base * 2**(n-1))] (full jitter) for attempt n >= 1."""

    base: float = 1.0
    cap: float = 60.0

    def ceiling(self, attempt: int) -> float:
        """The upper bound of the delay for this attempt."""
        return float(min(self.cap, self.base * 2.0 ** max(0, attempt - 1)))

    def delay(self, attempt: int, rng: random.Random) -> float:
        """A jittered delay for this attempt."""
        return rng.uniform(0.0, self.ceiling(attempt))
