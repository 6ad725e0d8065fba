"""The clocks the UI reads for durations shown on screen (pinned by snapshot tests, and by
`ohtop --at` to the moment it shows: ages and times in state are as they were then)."""

from __future__ import annotations

import time

_pinned: float | None = None


def wall() -> float:
    """Seconds since the epoch (the pinned moment, when one is)."""
    return time.time() if _pinned is None else _pinned


def pin(at: float | None) -> None:
    """Read `at` as now from here on (None: the real clock again)."""
    global _pinned
    _pinned = at


def mono() -> float:
    """Monotonic seconds (countdowns to a link's next try)."""
    return time.monotonic()
