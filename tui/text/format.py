"""Formatting shared by the TUI and the headless commands (plain text, no markup)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from tui.protocol import status as st
from tui.store.view import ConversationView
from tui.text import clock
from tui.text.sanitize import clean

# The order statuses are listed in, everywhere: what needs a person first.
STATUS_RANK = {st.ERROR: 0, st.STARTING: 1, st.RUNNING: 2, st.STOPPED: 3, st.ARCHIVED: 4}
STATUS_GLYPHS = {
    st.STARTING: "◌",
    st.RUNNING: "●",
    st.STOPPED: "■",
    st.ARCHIVED: "▫",
    st.ERROR: "✖",
}
TASK_GLYPHS = {"todo": "○", "in_progress": "◐", "done": "✔"}
IDLE = "IDLE"  # RUNNING only in that the sandbox is up: the agent finished, paused or idles
IDLE_GLYPH = "○"
DELETED_GLYPH = "⊘"
SHORT_ID = 8


def status_glyph(status: str) -> str:
    """A glyph per coarse status; `?` for values ohtop does not know."""
    return STATUS_GLYPHS.get(status, "?")


DELETED = "DELETED"  # its server no longer has it: counted nowhere, leaving the list soon


def status_word(view: ConversationView) -> str:
    """The status word shown for a conversation: its coarse status, IDLE for a RUNNING
    sandbox whose agent is at rest (it must not read as busy), DELETED when its server no
    longer has it."""
    if view.deleted:
        return DELETED
    return IDLE if view.at_rest else view.status


# Execution statuses too long for the STATE column, as people would shorten them.
SHORT_STATES = {"waiting_for_confirmation": "needs confirm"}


def state_text(view: ConversationView) -> str:
    """The fine state as the list shows it: `gone`, or the execution status (shortened)."""
    if view.gone:
        return "gone"
    label = view.state_label
    return clean(SHORT_STATES.get(label, label), 40)


def view_glyph(view: ConversationView) -> str:
    """The glyph that goes with `status_word`."""
    if view.deleted:
        return DELETED_GLYPH
    return IDLE_GLYPH if view.at_rest else status_glyph(view.status)


def short_ids(ids: Iterable[str]) -> dict[str, str]:
    """The shortest prefix of each id (at least 8 characters) that no other id shares."""
    ordered = sorted(set(ids))
    out: dict[str, str] = {}
    for i, current in enumerate(ordered):
        need = SHORT_ID
        for j in (i - 1, i + 1):
            if 0 <= j < len(ordered):
                other = ordered[j]
                common = next(
                    (n for n, (a, b) in enumerate(zip(current, other, strict=False)) if a != b),
                    min(len(current), len(other)),
                )
                need = max(need, common + 1)
        out[current] = current[:need]
    return out


def fit_name(name: str, width: int) -> str:
    """A server's name in `width` characters: cut in the middle, so the end that tells two
    servers on one host apart (the port, the path) stays ("127.0…0.1:27340/a")."""
    text = clean(name, 200)
    if len(text) <= width:
        return text
    if width < 4:
        return text[:width]
    head = (width - 1) // 3
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


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
