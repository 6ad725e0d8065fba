"""A list row's cells: text cut to its column, the clock a stale row reads, its status style."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from tui.protocol import status as st
from tui.store.view import ConversationView


def cell_text(text: str, width: int, right: bool) -> str:
    """`text` in exactly `width` cells (cut on the left when right-aligned)."""
    if right:
        text = text[-width:]
        if not text.isascii():  # wide characters take two cells
            while cell_len(text) > width:
                text = text[1:]
            return " " * (width - cell_len(text)) + text
        return " " * (width - len(text)) + text
    if cell_len(text) > width:  # cut text says so
        return set_cell_size(text, max(0, width - 1)) + "…" if width > 1 else "…"[:width]
    return set_cell_size(text, width)


def as_of(view: ConversationView, wall: float) -> float:
    """The time a row's clocks read: now, or when a stale row was last confirmed (it is shown
    as it was then: its time in state is not counted on as if it were known)."""
    return view.confirmed_at if view.stale and view.confirmed_at is not None else wall


def status_class(status: str) -> str:
    known = {st.STARTING, st.RUNNING, st.STOPPED, st.ARCHIVED, st.ERROR}
    name = status.lower() if status in known else "unknown"
    return f"conversation-table--status-{name}"
