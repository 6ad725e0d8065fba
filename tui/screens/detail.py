"""Full-screen detail of one conversation."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from tui.actions import DETAIL, bindings
from tui.state.stores import Stores
from tui.state.view import Key
from tui.widgets.detail_pane import DetailPane


class DetailScreen(Screen[None]):
    """Everything known about the conversation opened with enter."""

    BINDINGS = bindings(DETAIL)

    def __init__(self, stores: Stores, key: Key) -> None:
        super().__init__()
        self.stores = stores
        self.key = key

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield DetailPane(id="detail-full")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_all(None)

    def refresh_all(self, keys: frozenset[Key] | None) -> None:
        """Redraw when this conversation changed."""
        if keys is None or self.key in keys:
            self.query_one(DetailPane).show(self.stores.status.get(self.key))

    def tick(self) -> None:
        """Once a second: durations move on."""
        self.refresh_all(None)

    def action_close(self) -> None:
        self.dismiss()
