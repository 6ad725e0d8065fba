"""Per-link connection state: servers first, then event streams (problems first).

Each link shows its state by colour and word, attempt number and countdown to the next try,
last close code and reason, the time of its last event and how many it received; totals last.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui import clock
from tui.format import coarse
from tui.state.error_store import ErrorStore
from tui.state.websocket_store import LinkInfo, LinkState, WebSocketStore
from tui.text import plain

GLYPHS = {
    LinkState.CONNECTED: "●",
    LinkState.CONNECTING: "◌",
    LinkState.RECONNECTING: "↻",
    LinkState.DISCONNECTED: "○",
    LinkState.FAILED: "✖",
}
PROBLEMS_FIRST = {
    LinkState.FAILED: 0,
    LinkState.RECONNECTING: 1,
    LinkState.CONNECTING: 2,
    LinkState.DISCONNECTED: 3,
    LinkState.CONNECTED: 4,
}


class ConnectionPanel(Static):
    """One block per server link, one line (or two) per stream, then totals."""

    COMPONENT_CLASSES = {f"connection-panel--{s.value.lower()}" for s in LinkState}

    def __init__(
        self, store: WebSocketStore, errors: ErrorStore | None = None, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.errors = errors
        self._shown: Text | None = None

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Rebuild from the store."""
        text = self.compose_links(self.store.links())
        if text != self._shown:  # countdowns and ages move, but not on every tick
            # Lines of the same lengths wrap the same: the panel's height cannot change.
            same_shape = self._shown is not None and _shape(self._shown) == _shape(text)
            self._shown = text
            self.update(text, layout=not same_shape)

    def _state(self, out: Text, link: LinkInfo) -> None:
        style = self.get_component_rich_style(f"connection-panel--{link.state.value.lower()}")
        out.append(f"{GLYPHS[link.state]} {link.state.value:<13}", style)

    def compose_links(self, links: list[LinkInfo]) -> Text:
        """The panel's text."""
        if not links:
            return Text("No servers yet.", style="dim")
        now, wall = clock.mono(), clock.wall()
        out = Text()
        servers = [link for link in links if not link.group]
        streams = sorted((lk for lk in links if lk.group), key=lambda lk: PROBLEMS_FIRST[lk.state])
        for link in servers:
            name = link.name.removeprefix("server ")
            self._state(out, link)
            out.append_text(plain(name, "bold", 40))
            if link.detail:
                out.append("\n  ")
                out.append_text(plain(link.detail, "dim", 80))
            if link.budget:
                out.append(f"\n  {link.budget}", "dim")
            self._retry(out, link, now)
            out.append("\n")
            own = [s for s in streams if s.group == name]
            if own:
                out.append(f"  {len(own)} event stream{'s' if len(own) != 1 else ''}\n", "dim")
            for stream in own:
                self._stream(out, stream, now, wall)
        return self._totals(out)

    def _stream(self, out: Text, link: LinkInfo, now: float, wall: float) -> None:
        out.append("  ")
        self._state(out, link)
        out.append_text(plain(link.name.rsplit("/", 1)[-1], "", 8))
        seen = f" {link.received} ev"
        if link.last_event_at is not None:
            seen += f" · {coarse(wall - link.last_event_at)}"  # a minute clock: idle stays idle
        out.append(seen, "dim")
        self._retry(out, link, now)
        out.append("\n")

    def _totals(self, out: Text) -> Text:
        totals = self.store.totals()
        out.append(
            f"{totals[LinkState.CONNECTED]} connected, {totals[LinkState.RECONNECTING]} "
            f"reconnecting, {totals[LinkState.FAILED]} failed",
            "dim",
        )
        rejected = self.errors.rejected if self.errors is not None else 0
        if rejected:
            out.append(f"\n{rejected} payload item(s) rejected (wrong shape)", "yellow")
        return out

    @staticmethod
    def _retry(out: Text, link: LinkInfo, now: float) -> None:
        if link.state is LinkState.CONNECTED:
            return
        parts = []
        if link.state is LinkState.RECONNECTING and link.next_retry_at is not None:
            parts.append(
                f"attempt {link.attempt}, next try in {max(0.0, link.next_retry_at - now):.0f}s"
            )
        if link.last_error:
            parts.append(link.last_error)
        elif link.last_close_code is not None:
            parts.append(f"closed {link.last_close_code}")
        if parts:
            out.append("\n  ")
            out.append_text(plain("; ".join(parts), "", 160))


def _shape(text: Text) -> list[int]:
    return [len(line) for line in text.plain.split("\n")]
