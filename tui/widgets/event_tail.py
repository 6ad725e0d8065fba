"""The newest events of the selected conversation, one line each; follows the tail unless the
user scrolled up. With no events it says why (not streamed, connecting, failed)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from tui.eventtext import event_line
from tui.protocol.events import Event

STYLES = {"error": "bold red", "state": "cyan", "agent": "", "other": "dim"}
NO_EVENTS = "No events yet."


class EventTail(RichLog):
    """Appends events as they arrive; redraws when the conversation changes."""

    def __init__(self, *, id: str | None = None, max_lines: int = 500) -> None:
        super().__init__(id=id, max_lines=max_lines, wrap=False, markup=False, auto_scroll=False)
        self.last_id: str | None = None
        self.shown = 0
        self.empty_reason: str | None = None  # what the tail says while there are no events

    def show(self, events: list[Event], reset: bool = False, empty: str = NO_EVENTS) -> None:
        """Show `events` (oldest first): append the new ones, or redraw after a reset. `empty`
        says why there are none."""
        if not events:
            if reset or self.shown or self.empty_reason != empty:
                self.clear()
                self.shown = 0
                self.write(Text(empty, style="dim"))
                self.empty_reason = empty
            self.last_id = None
            return
        start = 0
        if not reset and self.last_id is not None:
            ids = [e.id for e in events]
            if self.last_id in ids:
                start = ids.index(self.last_id) + 1
            else:
                reset = True
        if reset or self.empty_reason is not None:
            self.clear()
            self.shown = 0
            self.empty_reason = None
            start = 0
        new = events[start:]
        follow = reset or start == 0 or self.scroll_y >= self.max_scroll_y - 1
        for event in new:
            category, line = event_line(event)
            self.write(Text(line, style=STYLES.get(category, "")), scroll_end=follow)
            self.shown += 1
        self.last_id = events[-1].id
