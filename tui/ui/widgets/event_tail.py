"""The newest events of the selected conversation, one line each, newest at the bottom; follows
the tail unless the user scrolled up. With no events it says why (not streamed, connecting,
failed).

A Line API widget of a fixed virtual height (the event store keeps at most that many events
of a conversation): new events repaint lines, they never change the widget's size, so a busy
conversation costs no layout pass of the whole screen.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.protocol.events import Event
from tui.store.event_store import DEFAULT_EVENT_CAP
from tui.text.events import event_line

STYLES = {
    "error": Style(color="red", bold=True),
    "state": Style(color="cyan"),
    "agent": Style(),
    "other": Style(dim=True),
}
DIM = Style(dim=True)
NO_EVENTS = "No events yet."


class EventTail(ScrollView, can_focus=True):
    """Shows a conversation's events; `show` redraws from the store's list."""

    def __init__(self, *, id: str | None = None, capacity: int = DEFAULT_EVENT_CAP) -> None:
        super().__init__(id=id)
        self.capacity = capacity
        self.lines: list[tuple[str, str]] = []  # (style name, text), oldest first
        self.last_id: str | None = None
        self.empty_reason: str | None = None  # what the tail says while there are no events
        self._follow = True

    @property
    def shown(self) -> int:
        """How many events are shown."""
        return len(self.lines) if self.empty_reason is None else 0

    def on_mount(self) -> None:
        self.virtual_size = Size(0, self.capacity)
        self.call_after_refresh(self._to_end)

    def on_resize(self) -> None:
        if self._follow:
            self.call_after_refresh(self._to_end)

    def _to_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self._follow = True

    def show(self, events: list[Event], reset: bool = False, empty: str = NO_EVENTS) -> None:
        """Show `events` (oldest first): append the new ones, or redraw after a reset. `empty`
        says why there are none."""
        if not events:
            if self.lines or self.empty_reason != empty:
                self.lines, self.last_id, self.empty_reason = [], None, empty
                self.refresh()
            return
        start = 0
        if not reset and self.last_id is not None and self.empty_reason is None:
            ids = [e.id for e in events]
            start = ids.index(self.last_id) + 1 if self.last_id in ids else 0
            if start == 0:
                reset = True
        if reset or self.empty_reason is not None:
            self.lines, self.empty_reason, start = [], None, 0
            self._follow = True
        new = events[start:]
        if not new and not reset:
            return
        self.lines += [event_line(e) for e in new]
        del self.lines[: -self.capacity]
        self.last_id = events[-1].id
        if self._follow and self.scroll_y < self.max_scroll_y:
            self._to_end()
        self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.max_scroll_y > 0:
            self._follow = new >= self.max_scroll_y - 1  # scrolled up: stop following

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = int(self.scroll_y) + y
        base = self.rich_style
        if self.empty_reason is not None:
            if y != 0:
                return Strip.blank(width, base)
            text, style = self.empty_reason, DIM
        else:
            at = row - (self.capacity - len(self.lines))  # newest at the bottom
            if not 0 <= at < len(self.lines):
                return Strip.blank(width, base)
            category, text = self.lines[at]
            style = STYLES.get(category, Style())
        return Strip([Segment(text, base + style)]).crop_extend(0, width, base)
