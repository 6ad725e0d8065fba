"""The conversation table's column titles, laid out like its rows."""

from __future__ import annotations

from rich.cells import set_cell_size
from rich.text import Text
from textual.widget import Widget

from tui.widgets.columns import layout


class TableHeader(Widget):
    """One line of column titles; `show_server` and `group` mirror the table's."""

    DEFAULT_CSS = "TableHeader { height: 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.show_server = False
        self.group: str | None = None  # the table's grouping
        self.scrollbar_width = 1  # the table's vertical scrollbar

    def render(self) -> Text:
        width = self.size.width - self.scrollbar_width
        parts = [" "]
        for column, w in layout(width, self.show_server, self.group):
            title = column.title[:w]
            parts.append(title.rjust(w) if column.align_right else set_cell_size(title, w))
            parts.append(" ")
        return Text("".join(parts))
