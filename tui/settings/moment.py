"""Moments as people write them, for `--at` (the fleet as the history store saw it then), and
as ohtop says them back."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from tui.settings.resolve import UsageError

_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])(?:\s+ago)?\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_moment(text: str, now: float | None = None) -> float:
    """A moment as people write it: `03:12` (the last time the clock read it, local time),
    `2026-12-07 03:12` or ISO with a zone, `90m` / `2h ago` (that long before now)."""
    now = time.time() if now is None else now
    if match := _AGO.match(text):
        return now - float(match.group(1)) * _UNIT[match.group(2)]
    if match := _CLOCK.match(text):
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise UsageError(f"--at {text!r}: not a time of day")
        today = datetime.fromtimestamp(now).replace(hour=hour, minute=minute, second=second)
        moment = today if today.timestamp() <= now else today - timedelta(days=1)
        return moment.replace(microsecond=0).timestamp()
    try:
        return datetime.fromisoformat(text.strip()).timestamp()  # naive: local time
    except ValueError:
        raise UsageError(
            f"--at {text!r}: use a time of day (03:12), a date and time "
            "(2026-12-07 03:12, or ISO with a zone), or an age (90m, 2h ago)"
        ) from None


def stamp(at: float) -> str:
    """A moment as the screen and messages say it (UTC, to the second)."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
