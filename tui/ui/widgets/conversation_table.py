"""The conversation list: a Line API widget that renders only the visible rows.

Rows are identified by key; the cursor follows its conversation when rows move. Data comes from
the StatusStore; `apply_changes` is called with the changed keys (coalesced by the app).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.protocol import status as st
from tui.store.status_store import StatusStore
from tui.store.view import ConversationView, Key
from tui.text import clock
from tui.text.format import coarse
from tui.ui.listing.query import ListQuery
from tui.ui.listing.rows import RowOrder
from tui.ui.rich_text import clean
from tui.ui.widgets.cells import as_of, cell_text, status_class
from tui.ui.widgets.columns import COLUMNS, GROUP_COLUMN, STATE_COLUMN, Column, layout

COARSE_TICKS = 10
REBUILD_AT = 2_000  # changed rows above which the order is rebuilt instead of patched
PAINTED_ROWS = 400  # rows kept painted (a screenful is 20-100): beyond, start again


class ConversationTable(ScrollView, can_focus=True):
    """Every watched conversation, one line each."""

    COMPONENT_CLASSES = {
        "conversation-table--cursor",
        "conversation-table--error-row",
        "conversation-table--status-starting",
        "conversation-table--status-running",
        "conversation-table--status-stopped",
        "conversation-table--status-archived",
        "conversation-table--status-error",
        "conversation-table--status-unknown",
        "conversation-table--gone",
        "conversation-table--stale",
        "conversation-table--marked",
    }
    BINDINGS = [
        Binding("pagedown", "page_down", show=False),
        Binding("pageup", "page_up", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=False, repaint=False)

    class Highlighted(Message):
        """The cursor moved to another conversation (or the list became empty)."""

        def __init__(self, key: Key | None) -> None:
            self.key = key
            super().__init__()

    class Opened(Message):
        """The user asked for a conversation's detail."""

        def __init__(self, key: Key) -> None:
            self.key = key
            super().__init__()

    def __init__(self, store: StatusStore, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.list_query = ListQuery()
        self.frozen: dict[Key, ConversationView] | None = None  # the snapshot shown while paused
        self.marked: set[Key] = set()
        self._order = RowOrder()
        self.cursor_key: Key | None = None
        self.show_server = False
        self._clocked: dict[Key, tuple[str, ...]] = {}  # clock-driven cells as last painted
        self._fine = True  # a visible duration shows seconds: check every tick
        self._ticks = 0
        self.clock: Callable[[], float] = lambda: clock.wall()  # durations: wall-clock
        # Seconds a RUNNING conversation has been silent past the alert's limit (else None):
        # its STATE reads "silent 12m" (the app knows the limit and what was heard last).
        self.silence: Callable[[ConversationView, float], float | None] = lambda _v, _t: None
        self._shape: tuple[int, bool, str | None, str] = (-1, False, None, "")  # of _layout
        self._layout: list[tuple[Column, int]] = []
        self._clocked_columns: list[Column] = []
        self._styles: dict[str, Style] = {}
        # Per key: the view, the look it was painted with, and the strip.
        self._rows_painted: dict[Key, tuple[ConversationView, tuple[object, ...], Strip]] = {}

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._restyle, init=False)

    # -- data -----------------------------------------------------------------------------

    def set_query(self, query: ListQuery) -> None:
        """Show what `query` selects, in its order."""
        self.list_query = query
        self._order.requery(self.store, query)
        self._moved()

    def apply_changes(self, keys: frozenset[Key] | None = None) -> None:
        """Move the changed rows into place (None: order everything again) and repaint."""
        # Many changes at once (a huge listing, a flood): one sort beats moving each row by
        # bisection, whose list inserts cost O(rows) apiece.
        many = keys is not None and len(keys) > max(REBUILD_AT, len(self._order.rows) // 8)
        if keys is None or many or self.list_query != self._order.query:
            self._order.rebuild(self.store, self.list_query)
            moved = True
        else:
            moved = self._order.update((k, self.store.get(k)) for k in keys)
        if moved:
            self._moved()
        elif keys:
            top, bottom = self.shown_span()
            shown = [
                i
                for key in keys
                if (i := self._order.position(key)) is not None and top <= i < bottom
            ]
            if len(shown) > 4:  # one repaint of the list costs less than many line regions
                self.refresh()
            else:
                for i in shown:
                    self.refresh_line(i)

    def shown_span(self) -> tuple[int, int]:
        """The rows on screen: first, and one past the last."""
        top = int(self.scroll_y)
        return top, min(len(self.rows), top + self.scrollable_content_region.height)

    def on_screen(self, keys: Iterable[Key]) -> set[Key]:
        """Those of `keys` whose rows are on screen (the span is worked out once)."""
        top, bottom = self.shown_span()
        position = self._order.position
        return {k for k in keys if (i := position(k)) is not None and top <= i < bottom}

    def _moved(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))
        self._restore_cursor()
        self.refresh()

    @property
    def rows(self) -> list[Key]:
        """The keys shown, in order (kept by the row order; do not change it here)."""
        return self._order.rows

    def _restore_cursor(self) -> None:
        if self.cursor_key is not None and (i := self._order.position(self.cursor_key)) is not None:
            self.cursor = i
        else:
            self.cursor = min(self.cursor, max(0, len(self.rows) - 1))
            self._announce()
        self.scroll_to_cursor()

    def _announce(self) -> None:
        key = self.rows[self.cursor] if self.rows else None
        if key != self.cursor_key:
            self.cursor_key = key
            self.post_message(self.Highlighted(key))

    def view_of(self, key: Key) -> ConversationView | None:
        """The view shown for `key`: the paused snapshot if any, else the store's (stale while
        its server does not answer)."""
        if self.frozen is not None:
            return self.frozen.get(key)
        view = self.store.get(key)
        return self.store.as_shown(view) if view is not None else None

    def freeze(self, on: bool) -> None:
        """Pause: keep showing the rows as they are now; resume: back to the live store."""
        self.frozen = {k: v for k in self.rows if (v := self.view_of(k))} if on else None

    @property
    def selected(self) -> ConversationView | None:
        """The conversation under the cursor."""
        return self.view_of(self.cursor_key) if self.cursor_key else None

    # -- cursor ---------------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        """Put the cursor on row `index` (clamped) and keep it visible."""
        if not self.rows:
            return
        old = self.cursor
        self.cursor = max(0, min(len(self.rows) - 1, index))
        self.refresh_line(old)
        self.refresh_line(self.cursor)
        self._announce()
        self.scroll_to_cursor()

    def select_key(self, key: Key) -> None:
        """Put the cursor on a conversation by key."""
        if (i := self._order.position(key)) is not None:
            self.move_to(i)

    def scroll_to_cursor(self) -> None:
        """Scroll just enough to show the cursor row."""
        height = self.scrollable_content_region.height
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif height and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_cursor_first(self) -> None:
        self.move_to(0)

    def action_cursor_last(self) -> None:
        self.move_to(len(self.rows) - 1)

    def toggle_mark(self) -> None:
        """Mark or unmark the cursor's conversation, then move down (as htop does)."""
        if self.cursor_key is None:
            return
        self.marked ^= {self.cursor_key}
        self.refresh_line(self.cursor)
        self.move_to(self.cursor + 1)

    def mark_rows(self, keys: set[Key] | None) -> None:
        """Mark these keys too (None: clear every mark)."""
        self.marked = set() if keys is None else self.marked | keys
        self.refresh()

    def action_open(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Opened(self.cursor_key))

    def on_click(self, event: Click) -> None:
        row = int(self.scroll_y) + event.y
        if 0 <= row < len(self.rows):
            self.move_to(row)
            if event.chain == 2:
                self.action_open()

    # -- rendering ------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))
        self.refresh()

    def tick(self) -> None:
        """Once a second: repaint only the visible rows whose durations or ages now read
        differently. When none shows seconds ("3h05m"), look only every tenth tick: a minute
        clock may step up to ten seconds late, and an idle screen stays still."""
        self._ticks += 1
        if not self._fine and self._ticks % COARSE_TICKS:
            return
        wall = self.clock()
        clocked = [c for c, _ in self.columns() if c.clocked]
        top, bottom = self.shown_span()
        fine = False
        for row in range(top, bottom):
            view = self.view_of(self.rows[row])
            if view is None:
                continue
            now = as_of(view, wall)
            cells = (*(c.cell(view, now) for c in clocked), self._silent(view, now))
            fine = fine or any(cell.endswith("s") for cell in cells)
            if self._clocked.get(view.key) != cells:
                self.refresh_line(row)
        self._fine = fine

    def columns(self) -> list[tuple[Column, int]]:
        """Column layout for the current width."""
        width = self.scrollable_content_region.width
        query = self.list_query
        shape = (width, self.show_server, query.group, query.sort)
        if shape != self._shape:  # rows painted for another layout are of no use
            self._shape, self._layout = shape, layout(*shape)
            self._clocked_columns = [c for c, _ in self._layout if c.clocked]
            self._rows_painted.clear()
        return self._layout

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._restyle()

    def _restyle(self, *_: object) -> None:
        """Styles changed (CSS, focus, theme): styles and rows painted with them are stale."""
        self._styles.clear()
        self._rows_painted.clear()

    def _style(self, component: str) -> Style:
        """A component class's style (the widget's own for ""), looked up once per style change:
        Textual walks the ancestors for each lookup, a quarter of a row's cost."""
        style = self._styles.get(component)
        if style is None:
            style = self.rich_style if not component else self.get_component_rich_style(component)
            self._styles[component] = style
        return style

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_y) + y
        columns = self.columns()
        width = self._shape[0]
        if row >= len(self.rows):
            return Strip.blank(width, self._style(""))
        view = self.view_of(self.rows[row])
        if view is None:
            return Strip.blank(width, self._style(""))
        now = as_of(view, self.clock())
        clocked = (*(c.cell(view, now) for c in self._clocked_columns), self._silent(view, now))
        self._clocked[view.key] = clocked
        self._fine = self._fine or any(cell.endswith("s") for cell in clocked)  # tick each
        marked = view.key in self.marked
        # Everything a row's look depends on; the same row painted again is reused (a scroll,
        # a cursor move or a frame of other rows' changes repaints rows that did not change).
        look = (row == self.cursor, marked, self._group_cell(row, y), clocked)
        painted = self._rows_painted.get(view.key)
        if painted is not None and painted[0] is view and painted[1] == look:
            return painted[2]
        strip = self._paint(view, row == self.cursor, marked, look[2], columns, now, clocked[-1])
        if len(self._rows_painted) > PAINTED_ROWS:
            self._rows_painted.clear()
        self._rows_painted[view.key] = (view, look, strip)
        return strip

    def _paint(
        self,
        view: ConversationView,
        cursor: bool,
        marked: bool,
        group: str,
        columns: list[tuple[Column, int]],
        now: float,
        silent: str = "",
    ) -> Strip:
        row_style = self._style("")
        if view.status == st.ERROR:
            row_style += self._style("conversation-table--error-row")
        if view.gone:
            row_style += self._style("conversation-table--gone")
        if view.stale:  # from the last run, not confirmed yet: never shown as fresh
            row_style += self._style("conversation-table--stale")
        if marked:
            row_style += self._style("conversation-table--marked")
        if cursor:
            row_style += self._style("conversation-table--cursor")
        # Only the colour: the row's background (cursor, error tint) must show through.
        full = self._style(status_class(view.status))
        status_style = row_style + Style(color=full.color, bold=full.bold)
        segments = [Segment("*" if marked else " ", row_style)]
        used = 1
        for column, width in columns:
            if column is GROUP_COLUMN:
                cell = group
            elif column is STATE_COLUMN and silent:
                cell = silent
            else:
                cell = column.cell(view, now)
            style = status_style if column is COLUMNS[0] else row_style
            segments.append(Segment(cell_text(cell, width, column.align_right), style))
            segments.append(Segment(" ", row_style))
            used += width + 1
        room = self._shape[0]
        if used > room:  # narrower than the columns' least: cut
            return Strip(segments).adjust_cell_length(room, row_style)
        segments.append(Segment(" " * (room - used), row_style))
        return Strip(segments, room)  # every cell is cut or padded to its width: no measuring

    def _group_cell(self, row: int, y: int) -> str:
        """The GROUP cell: the group's name and size on its first row (and on the top line,
        so the group scrolled into is named), a rule below it; "" when not grouped."""
        if self.list_query.group is None:
            return ""
        if self._order.starts_group(row) or y == 0:
            _rank, label = self._order.group_at(row)
            size = f" {self._order.group_size(row)}"
            room = max(1, GROUP_COLUMN.width - 1 - len(size))
            name = clean(label, 60)
            return (name if len(name) <= room else name[: room - 1] + "…") + size
        return "│"

    def _silent(self, view: ConversationView, now: float) -> str:
        """The STATE a silent conversation shows ("" when it is not silent)."""
        if view.stale:
            return ""
        seconds = self.silence(view, now)
        return "" if seconds is None else f"silent {coarse(seconds)}"
