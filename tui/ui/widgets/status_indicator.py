"""Counts per coarse status, with glyph, colour and word."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from tui.protocol import status as st
from tui.text.format import status_glyph
from tui.ui.rich_text import clean

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
        self.always: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """The notes as one line (as wide as they come)."""
        return " · ".join(self.always + self.notes)

    def show(
        self, counts: Counter[str], notes: tuple[str, ...] = (), always: tuple[str, ...] = ()
    ) -> None:
        """Display new counts; `always` (the filters in force) is always on screen, on a line
        of its own when the first is full; `notes` follow in order of importance (those that
        do not fit are left out whole, never cut in the middle)."""
        if counts != self.counts or notes != self.notes or always != self.always:
            self.counts, self.notes, self.always = Counter(counts), notes, always
            self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.size.width))

    def _lines(self, width: int) -> list[Text]:
        first = self._counts(width)
        room = width - first.cell_len - 3
        always = " · ".join(self.always)
        if len(always) <= room:  # one line holds it all
            return [_with_notes(first, always, self.notes, room)]
        second = Text(" ")
        cut = always if len(always) <= width - 2 else always[: max(1, width - 3)] + "…"
        return [first, _with_notes(second, cut, self.notes, width - 2)]

    def _counts(self, width: int) -> Text:
        narrow = width < 100
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
        return out


def _with_notes(line: Text, always: str, notes: tuple[str, ...], room: int) -> Text:
    """`line`, then what is always shown (bold), then the notes that fit in `room`."""
    used = len(always)
    shown: list[str] = []
    for note in notes:
        if used + len(note) + 3 > room:
            continue
        shown.append(note)
        used += len(note) + 3
    if always or shown:
        line.append("   " if line.plain.strip() else "")
    if always:
        line.append(always, "bold")
        if shown:
            line.append(" · ")
    line.append(" · ".join(shown))
    return line
