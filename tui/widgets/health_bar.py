"""One line under the status counts naming every server that is not answering, at any width
(the connection panel is hidden below 110 columns, and may be scrolled)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui import clock
from tui.state.websocket_store import LinkInfo, LinkState, WebSocketStore
from tui.text import clean

STYLES = {
    LinkState.FAILED: "bold red",
    LinkState.RECONNECTING: "bold yellow",
    LinkState.CONNECTING: "yellow",
    LinkState.DISCONNECTED: "dim",
}
GLYPHS = {
    LinkState.FAILED: "✖",
    LinkState.RECONNECTING: "↻",
    LinkState.CONNECTING: "◌",
    LinkState.DISCONNECTED: "○",
}


def problem(link: LinkInfo, now: float) -> Text:
    """One server's trouble in words: state, name, why, and when the next try is."""
    name = link.name.removeprefix("server ")
    out = Text(f"{GLYPHS[link.state]} {link.state.value} ", STYLES[link.state])
    out.append(clean(name, 40), "bold")
    why = link.last_error or (link.detail if link.state is LinkState.CONNECTING else "")
    if why:
        out.append(f": {clean(why, 120)}")
    if link.state is LinkState.RECONNECTING and link.next_retry_at is not None:
        out.append(f" (attempt {link.attempt}, next {max(0.0, link.next_retry_at - now):.0f}s)")
    if link.state is LinkState.FAILED:
        out.append(" (r retries; ctrl+r reloads the config)", "dim")
    return out


class HealthBar(Static):
    """Hidden while every server is CONNECTED."""

    def __init__(self, store: WebSocketStore, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self._shown: str | None = None

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Rebuild from the store."""
        servers = [
            link
            for link in self.store.links()
            if not link.group and link.state is not LinkState.CONNECTED
        ]
        now = clock.mono()
        text = Text(" · ").join(problem(link, now) for link in servers)
        if text.plain == self._shown:
            return
        self._shown = text.plain
        self.set_class(bool(servers), "-visible")
        self.update(text)
