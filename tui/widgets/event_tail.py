"""The newest events of the selected conversation, one line each; follows the tail unless the
user scrolled up."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from tui.eventtext import event_line
from tui.protocol.events import Event

STYLES = {"error": "bold red", "state": "cyan", "agent": "", "other": "dim"}


class EventTail(RichLog):
    """Appends events as they arrive; redraws when the conversation changes."""

    def __init__(self, *, id: str | None = None, max_lines: int = 500) -> None:
        super().__init__(id=id, max_lines=max_lines, wrap=False, markup=False, auto_scroll=False)
        self.last_id: str | None = None
        self.shown = 0

    def show(self, events: list[Event], reset: bool = False) -> None:
        """Show `events` (oldest first): append the new ones, or redraw after a reset."""
        start = 0
        if not reset and self.last_id is not None:
            ids = [e.id for e in events]
            if self.last_id in ids:
                start = ids.index(self.last_id) + 1
            else:
                reset = True
        if reset:
            self.clear()
            self.shown = 0
            start = 0
        new = events[start:]
        if not new and not reset:
            return
        follow = reset or self.scroll_y >= self.max_scroll_y - 1
        for event in new:
            category, line = event_line(event)
            self.write(Text(line, style=STYLES.get(category, "")), scroll_end=follow)
            self.shown += 1
        if not events:
            self.write(Text("No events yet.", style="dim"))
        self.last_id = events[-1].id if events else None
