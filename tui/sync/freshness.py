"""How fresh a server's statuses are, in words for the connection panel: the same intervals the
monitor schedules by, so the panel cannot promise more than the polls deliver."""

from __future__ import annotations

from enum import Enum

from tui.sync.polling import PollIntervals


class Mode(Enum):
    """How a server's statuses are learnt."""

    PER_ID = "per id"
    DELTA = "what changed"
    PUSH = "push"


def describe(mode: Mode, intervals: PollIntervals) -> str:
    """One sentence: how often a status on this server can be late, at most (plus jitter)."""
    if mode is Mode.PUSH:
        return (
            "statuses: pushed by the server as they change; "
            f"polled every {_every(intervals.heartbeat)} as a heartbeat"
        )
    if mode is Mode.DELTA:
        return (
            f"statuses: what changed, every {_every(intervals.delta)}; "
            f"sandboxes checked every {_every(intervals.backstop)}; "
            f"full list every {_every(intervals.discover)}"
        )
    by_status = [
        (word, seconds)
        for word, seconds in (
            ("starting", intervals.starting),
            ("running", intervals.running),
            ("error", intervals.error),
            ("stopped", intervals.stopped),
        )
        if seconds is not None
    ]
    listed = ", ".join(f"{_every(s)} {word}" for word, s in by_status)
    return f"statuses: polled every {listed}; full list every {_every(intervals.discover)}"


def _every(seconds: float) -> str:
    """10s, 5m, 30m, 1h: the round figures intervals are configured in."""
    if seconds < 60:
        return f"{seconds:g}s"
    s = round(seconds)
    if s >= 3600 and s % 3600 == 0:
        return f"{s // 3600}h"
    if s >= 60 and s % 60 == 0:
        return f"{s // 60}m"
    return f"{s // 60}m{s % 60:02d}s"
