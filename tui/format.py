"""Formatting shared by the TUI and the headless commands (plain text, no markup)."""

from __future__ import annotations

from datetime import UTC, datetime

from tui import clock
from tui.protocol import status as st

STATUS_GLYPHS = {
    st.STARTING: "◌",
    st.RUNNING: "●",
    st.STOPPED: "■",
    st.ARCHIVED: "▫",
    st.ERROR: "✖",
}
TASK_GLYPHS = {"todo": "○", "in_progress": "◐", "done": "✔"}


def status_glyph(status: str) -> str:
    """A glyph per coarse status; `?` for values ohtop does not know."""
    return STATUS_GLYPHS.get(status, "?")


def task_glyph(status: str) -> str:
    """A glyph per task status; `?` for unknown values."""
    return TASK_GLYPHS.get(status, "?")


def duration(seconds: float) -> str:
    """A compact duration: 42s, 5m, 3h, 2d."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s < 600 else f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600}h"


def coarse(seconds: float) -> str:
    """A duration to the minute (under one: "<1m"), for places that should not tick."""
    return "<1m" if seconds < 60 else duration(seconds - seconds % 60 if seconds < 600 else seconds)


def age(when: datetime, now: float | None = None) -> str:
    """How long ago `when` was (naive datetimes are taken as UTC)."""
    now = clock.wall() if now is None else now
    stamp = when if when.tzinfo else when.replace(tzinfo=UTC)
    return duration(now - stamp.timestamp())


def money(cost: float | None) -> str:
    """Cost in dollars, or a dash."""
    return "-" if cost is None else f"${cost:,.2f}"


def count(n: int | None) -> str:
    """A compact count: 950, 12.3k, 4.1M."""
    if n is None:
        return "-"
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"
