"""A request budget per server, so ohtop stays under the server's own rate limiter.

Token bucket: `rate` requests per `per` seconds, bursts up to `burst`. The OSS app server
delays from the 11th request in a second and refuses from the 21st; the hosted service allows
100 a minute per user (docs/protocol.md "Limits and errors"): defaults 8/s, preset `hosted` =
100/min.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable

PRESETS = {"hosted": "100/min", "oss": "8/s"}
DEFAULT_RATE = "8/s"
EPSILON = 1e-9
_SPEC = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute)\s*$")


def parse_rate(spec: str) -> tuple[float, float]:
    """'8/s', '100/min' or a preset name -> (requests, per seconds). Raises ValueError."""
    spec = PRESETS.get(spec, spec)
    match = _SPEC.match(spec)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"rate {spec!r}: use N/s, N/min, or one of {', '.join(PRESETS)}")
    per = 1.0 if match.group(2).startswith("s") else 60.0
    return float(match.group(1)), per


class RequestBudget:
    """`await acquire()` before each request; it waits when the budget is spent."""

    def __init__(
        self,
        spec: str = DEFAULT_RATE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate, self.per = parse_rate(spec)
        self.label = spec
        self._clock = clock
        self._sleep = sleep
        # A minute's budget may be spent in a burst of a tenth of it; a second's all at once.
        self.burst = max(1.0, self.rate if self.per <= 1 else self.rate / 10)
        self._tokens = self.burst
        self._at = clock()
        self._sent: deque[float] = deque(maxlen=10_000)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate / self.per)
        self._at = now

    async def acquire(self) -> None:
        """Take one request's worth of budget, waiting as long as needed."""
        self._refill()
        while self._tokens < 1 - EPSILON:  # float refills land a hair under 1
            wait = (1 - self._tokens) * self.per / self.rate
            await self._sleep(wait)
            self._refill()
        self._tokens = max(0.0, self._tokens - 1)
        self._sent.append(self._clock())

    def used_last_minute(self) -> int:
        """Requests sent in the last 60 seconds."""
        cutoff = self._clock() - 60
        while self._sent and self._sent[0] < cutoff:
            self._sent.popleft()
        return len(self._sent)

    def used_ratio(self) -> float:
        """Share of a minute's budget used over the last minute (may pass 1 in a burst)."""
        return self.used_last_minute() / (self.rate * 60 / self.per)

    def spare(self, share: float) -> int:
        """Requests still free in the last minute if only `share` of the budget may be used."""
        return max(0, int(self.rate * 60 / self.per * share) - self.used_last_minute())

    def describe(self) -> str:
        """For the connection panel: the budget and its use over the last minute, in steps of
        5% (an exact count would change the panel, and repaint it, on every request)."""
        capacity = self.rate * 60 / self.per
        share = round(self.used_last_minute() / capacity * 20) * 5
        return f"budget {self.label} · {share}% used (last minute)"
