"""The main screen: status counts, the conversation table, detail, tasks, events, connections."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from tui.actions import DASHBOARD, bindings
from tui.state.stores import Stores
from tui.state.view import Key
from tui.state.websocket_store import LinkState
from tui.widgets.connection_panel import ConnectionPanel
from tui.widgets.conversation_table import ConversationTable
from tui.widgets.detail_pane import DetailPane
from tui.widgets.event_tail import EventTail
from tui.widgets.status_indicator import StatusIndicator
from tui.widgets.table_header import TableHeader
from tui.widgets.task_tracker import TaskTracker

NARROW = 110


class DashboardScreen(Screen[None]):
    """Every conversation at a glance; the selected one in detail."""

    BINDINGS = bindings(DASHBOARD)

    def __init__(self, stores: Stores) -> None:
        super().__init__()
        self.stores = stores

    def compose(self) -> ComposeResult:
        yield StatusIndicator(id="indicator")
        with Horizontal(id="main"):
            with Vertical(id="list"):
                yield TableHeader(id="table-header")
                yield ConversationTable(self.stores.status, id="table")
                yield EventTail(id="tail")
            with Vertical(id="side"):
                yield DetailPane(id="detail")
                yield TaskTracker(id="tasks")
                with VerticalScroll(id="connections-scroll"):
                    yield ConnectionPanel(self.stores.links, id="connections")
        yield Footer()

    @property
    def table(self) -> ConversationTable:
        """The conversation table."""
        return self.query_one(ConversationTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.refresh_all(None)

    def on_resize(self) -> None:
        # Below NARROW columns the list needs the whole width; enter shows the detail.
        self.set_class(self.size.width < NARROW, "-narrow")
        self._update_note()

    def _update_note(self) -> None:
        """In narrow mode the connection panel is hidden: summarise links in the indicator."""
        totals = self.stores.links.totals()
        links = sum(totals.values())
        note = ""
        if self.has_class("-narrow") and links:
            ok = totals[LinkState.CONNECTED]
            note = f"links {ok}/{links} up" + ("" if ok == links else " ⚠")
        self.query_one(StatusIndicator).show(self.stores.status.counts(), note)

    def refresh_all(self, keys: frozenset[Key] | None) -> None:
        """Bring every widget up to date with the stores (keys: what changed, if known)."""
        table = self.table
        servers = {k[0] for k in self.stores.status.all_keys()}
        show_server = len(servers) > 1
        if show_server != table.show_server:
            table.show_server = show_server
            self.query_one(TableHeader).show_server = show_server
            self.query_one(TableHeader).refresh()
            table.refresh()
        table.apply_changes(keys)
        self._update_note()
        if keys is None or table.cursor_key in keys:
            self._show_selected(reset=keys is None)

    def refresh_events(self, keys: frozenset[Key]) -> None:
        """New events arrived: extend the tail when they belong to the selected conversation."""
        key = self.table.cursor_key
        if key in keys:
            self.query_one(EventTail).show(self.stores.events.events(key))

    def refresh_links(self) -> None:
        """Redraw the connection panel (and the link summary shown when it is hidden)."""
        self.query_one(ConnectionPanel).redraw()
        self._update_note()

    def tick(self) -> None:
        """Once a second: durations shown on screen move on."""
        self.table.refresh()
        self.query_one(DetailPane).show(self.table.selected)

    def _show_selected(self, reset: bool) -> None:
        view = self.table.selected
        self.query_one(DetailPane).show(view)
        self.query_one(TaskTracker).show(view.tasks if view else None)
        events = self.stores.events.events(view.key) if view else []
        self.query_one(EventTail).show(events, reset=reset)

    @on(ConversationTable.Highlighted)
    def _highlighted(self, _event: ConversationTable.Highlighted) -> None:
        self._show_selected(reset=True)

    @on(ConversationTable.Opened)
    def _opened(self, event: ConversationTable.Opened) -> None:
        self.app.action_open_detail_for(event.key)  # type: ignore[attr-defined]

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_page_down(self) -> None:
        self.table.action_page_down()

    def action_page_up(self) -> None:
        self.table.action_page_up()

    def action_cursor_first(self) -> None:
        self.table.action_cursor_first()

    def action_cursor_last(self) -> None:
        self.table.action_cursor_last()

    def action_open_detail(self) -> None:
        self.table.action_open()
