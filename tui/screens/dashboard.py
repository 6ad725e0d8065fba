"""The main screen: status counts, the conversation table, detail and connection panels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from tui.actions import DASHBOARD, bindings
from tui.state.stores import Stores
from tui.state.view import Key
from tui.state.websocket_store import LinkState
from tui.widgets.connection_panel import ConnectionPanel
from tui.widgets.conversation_table import ConversationTable
from tui.widgets.detail_pane import DetailPane
from tui.widgets.status_indicator import StatusIndicator
from tui.widgets.table_header import TableHeader

NARROW = 110


class DashboardScreen(Screen[None]):
    """Every conversation at a glance."""

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
            with Vertical(id="side"):
                yield DetailPane(id="detail")
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
            note = f"servers {ok}/{links} up" if ok == links else f"servers {ok}/{links} up ⚠"
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
            self.query_one(DetailPane).show(table.selected)

    def refresh_links(self) -> None:
        """Redraw the connection panel (and the link summary shown when it is hidden)."""
        self.query_one(ConnectionPanel).redraw()
        self._update_note()

    def tick(self) -> None:
        """Once a second: durations shown on screen move on."""
        self.table.refresh()
        self.query_one(DetailPane).show(self.table.selected)

    @on(ConversationTable.Highlighted)
    def _highlighted(self, event: ConversationTable.Highlighted) -> None:
        self.query_one(DetailPane).show(self.stores.status.get(event.key) if event.key else None)

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
