"""Counts per coarse status, with glyph, colour and word."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.widget import Widget

from tui.format import status_glyph
from tui.protocol import status as st
from tui.text import clean

ORDER = (st.ERROR, st.STARTING, st.RUNNING, st.STOPPED, st.ARCHIVED)
SHORT = {
    st.ERROR: "ERR",
    st.STARTING: "START",
    st.RUNNING: "RUN",
    st.STOPPED: "STOP",
    st.ARCHIVED: "ARCH",
}


class StatusIndicator(Widget):
    """`✖ ERROR 9  ◌ STARTING 3  ● RUNNING 23 ...  39 conversations`."""

    COMPONENT_CLASSES = {f"status-indicator--{s.lower()}" for s in ORDER} | {
        "status-indicator--unknown",
        "status-indicator--zero",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: Counter[str] = Counter()
        self.notes: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """The notes as one line (as wide as they come)."""
        return " · ".join(self.notes)

    def show(self, counts: Counter[str], notes: tuple[str, ...] = ()) -> None:
        """Display new counts, and notes in order of importance (those that do not fit the
        width are left out whole, never cut in the middle)."""
        if counts != self.counts or notes != self.notes:
            self.counts, self.notes = Counter(counts), notes
            self.refresh()

    def render(self) -> Text:
        narrow = self.size.width < 100
        out = Text(" ")
        statuses = list(ORDER) + sorted(s for s in self.counts if s not in ORDER)
        for status in statuses:
            n = self.counts.get(status, 0)
            cls = status.lower() if status in ORDER else "unknown"
            style = self.get_component_rich_style(
                f"status-indicator--{cls}" if n else "status-indicator--zero"
            )
            word = SHORT.get(status, clean(status, 8)) if narrow else clean(status, 24)
            out.append(f"{status_glyph(status)} {word} {n}", style)
            out.append("  " if narrow else "   ")
        total = sum(self.counts.values())
        out.append(
            f"{total} total" if narrow else f"{total} conversation{'s' if total != 1 else ''}"
        )
        room = self.size.width - out.cell_len - 3
        shown: list[str] = []
        for note in self.notes:
            if sum(len(n) + 3 for n in shown) + len(note) > room:
                continue
            shown.append(note)
        if shown:
            out.append("   " + " · ".join(shown))
        return out
