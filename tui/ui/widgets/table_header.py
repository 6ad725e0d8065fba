"""The conversation table's column titles, laid out like its rows; the sorted column carries
the sort's arrow, so the order is on screen at any width."""

from __future__ import annotations

from rich.cells import set_cell_size
from rich.text import Text
from textual.widget import Widget

from tui.ui.listing.query import SORT_COLUMNS, ListQuery
from tui.ui.widgets.columns import layout


class TableHeader(Widget):
    """One line of column titles; `show_server` and `query` mirror the table's."""

    DEFAULT_CSS = "TableHeader { height: 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.show_server = False
        self.list_query = ListQuery()  # the table's grouping and sort
        self.scrollbar_width = 1  # the table's vertical scrollbar

    @property
    def group(self) -> str | None:
        """The table's grouping."""
        return self.list_query.group

    def render(self) -> Text:
        width = self.size.width - self.scrollbar_width
        query = self.list_query
        sorted_by = SORT_COLUMNS.get(query.sort)
        parts = [" "]
        for column, w in layout(width, self.show_server, query.group, query.sort):
            title = column.title
            if title == sorted_by:
                title = f"{title}{query.arrow}"
            title = title[:w]
            parts.append(title.rjust(w) if column.align_right else set_cell_size(title, w))
            parts.append(" ")
        return Text("".join(parts))
