"""The clocks the UI reads for durations shown on screen (pinned by snapshot tests)."""

from __future__ import annotations

import time


def wall() -> float:
    """Seconds since the epoch."""
    return time.time()


def mono() -> float:
    """Monotonic seconds (countdowns to a link's next try)."""
    return time.monotonic()
