"""Per-link connection state: colour and word, detail, attempt, countdown, last error."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from tui.state.websocket_store import LinkInfo, LinkState, WebSocketStore
from tui.text import plain

GLYPHS = {
    LinkState.CONNECTED: "●",
    LinkState.CONNECTING: "◌",
    LinkState.RECONNECTING: "↻",
    LinkState.DISCONNECTED: "○",
    LinkState.FAILED: "✖",
}


class ConnectionPanel(Static):
    """One block per link, then totals."""

    COMPONENT_CLASSES = {f"connection-panel--{s.value.lower()}" for s in LinkState}

    def __init__(self, store: WebSocketStore, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Rebuild from the store."""
        self.update(self.compose_links(self.store.links()))

    def compose_links(self, links: list[LinkInfo]) -> Text:
        """The panel's text."""
        out = Text()
        if not links:
            return Text("No servers yet.", style="dim")
        now = time.monotonic()
        for link in links:
            style = self.get_component_rich_style(f"connection-panel--{link.state.value.lower()}")
            out.append(f"{GLYPHS[link.state]} {link.state.value}", style)
            out.append("  ")
            out.append_text(plain(link.name, "bold", 60))
            if link.detail:
                out.append("\n  ")
                out.append_text(plain(link.detail, "dim", 80))
            if link.state is LinkState.RECONNECTING and link.next_retry_at is not None:
                wait = max(0.0, link.next_retry_at - now)
                out.append(f"\n  attempt {link.attempt}, next try in {wait:.0f}s")
            if link.last_error and link.state is not LinkState.CONNECTED:
                out.append("\n  ")
                out.append_text(plain(link.last_error, "", 160))
            out.append("\n")
        totals = self.store.totals()
        out.append(
            f"{totals[LinkState.CONNECTED]} connected, {totals[LinkState.RECONNECTING]} "
            f"reconnecting, {totals[LinkState.FAILED]} failed",
            "dim",
        )
        return out
