"""Per-link connection state: every server first (so a second server is never below the first
one's streams, off the fold), then the event streams, problems first, then totals.

Each link shows its state by colour and word, attempt number and countdown to the next try,
last close code and reason, the time of its last event and how many it received. Long lines
wrap under their own indent.
"""

from __future__ import annotations

import textwrap
from collections import Counter

from rich.text import Text
from textual.widgets import Static

from tui.store.error_store import ErrorStore
from tui.store.status_store import StatusStore
from tui.store.websocket_store import LinkInfo, LinkState, WebSocketStore
from tui.text import clock
from tui.text.format import coarse, count, fit_name, money, short_ids
from tui.ui.rich_text import clean, plain

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
DEFAULT_WIDTH = 44  # before the first layout
MAX_STREAM_LINES = 60  # streams listed (the totals count them all)


class ConnectionPanel(Static):
    """One block per server link, one line (or more) per stream, then totals."""

    COMPONENT_CLASSES = {f"connection-panel--{s.value.lower()}" for s in LinkState}

    def __init__(
        self,
        store: WebSocketStore,
        errors: ErrorStore | None = None,
        status: StatusStore | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.errors = errors
        self.status = status
        self._shown: Text | None = None

    def on_mount(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Rebuild from the store."""
        text = self.compose_links(self.store.links())
        if text != self._shown:  # countdowns and ages move, but not on every tick
            # Lines are wrapped here, to the panel's width: the same number of lines is the
            # same height, and no layout pass is needed (it costs the whole screen).
            same_shape = self._shown is not None and _shape(self._shown) == _shape(text)
            self._shown = text
            self.update(text, layout=not same_shape)

    @property
    def _width(self) -> int:
        return self.content_region.width or DEFAULT_WIDTH

    def _state(self, out: Text, link: LinkInfo) -> None:
        style = self.get_component_rich_style(f"connection-panel--{link.state.value.lower()}")
        out.append(f"{GLYPHS[link.state]} {link.state.value:<13}", style)

    def _lines(self, out: Text, text: str, indent: int, style: str = "") -> None:
        """`text` wrapped to the panel, every line under the same indent."""
        width = max(8, self._width - indent)
        for line in textwrap.wrap(clean(text, 400), width) or [""]:
            out.append("\n" + " " * indent)
            out.append_text(plain(line, style, width))

    def compose_links(self, links: list[LinkInfo]) -> Text:
        """The panel's text."""
        if not links:
            return Text("No servers yet.", style="dim")
        now, wall = clock.mono(), clock.wall()
        out = Text()
        servers = [link for link in links if link.name.is_server]
        streams = sorted(
            (lk for lk in links if not lk.name.is_server),
            key=lambda lk: PROBLEMS_FIRST[lk.state],
        )
        per_server: dict[str, Counter[LinkState]] = {}
        for stream in streams:
            per_server.setdefault(stream.group, Counter())[stream.state] += 1
        for link in servers:
            name = link.name.server
            self._state(out, link)
            out.append(fit_name(name, max(8, self._width - 16)), "bold")
            if link.detail:
                self._lines(out, link.detail, 2, "dim")
            if link.freshness:
                self._lines(out, link.freshness, 2, "dim")
            if link.budget:
                self._lines(out, link.budget, 2, "dim")
            if self.status is not None and (cost := self.status.cost.get(name, 0.0)):
                spent = f"LLM {money(cost)}, {count(self.status.tokens[name])} tokens"
                self._lines(out, spent, 2, "dim")
            self._retry(out, link, now, 2)
            if counts := per_server.get(name):
                total = sum(counts.values())
                parts = [f"{n} {state.value.lower()}" for state, n in counts.most_common()]
                summary = f"{total} stream{'s' if total != 1 else ''}: {', '.join(parts)}"
                self._lines(out, summary, 2, "dim")
            out.append("\n")
        if streams:
            self._streams(out, streams, now, wall, several=len(servers) > 1)
        return self._totals(out)

    def _streams(
        self, out: Text, streams: list[LinkInfo], now: float, wall: float, several: bool
    ) -> None:
        out.append("Event streams, problems first\n", "bold")
        ids = short_ids(s.name.conversation or "" for s in streams)
        for link in streams[:MAX_STREAM_LINES]:
            out.append("  ")
            self._state(out, link)
            cid = link.name.conversation or ""
            label = f"{link.group} {ids[cid]}" if several else ids[cid]
            out.append_text(plain(label, "", max(8, self._width - 32)))
            seen = f" {link.received} ev"
            if link.last_event_at is not None:
                seen += f" · {coarse(wall - link.last_event_at)}"  # a minute clock: idle stays idle
            out.append(seen, "dim")
            self._retry(out, link, now, 4)
            out.append("\n")
        if len(streams) > MAX_STREAM_LINES:
            out.append(f"  … and {len(streams) - MAX_STREAM_LINES} more\n", "dim")

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

    def _retry(self, out: Text, link: LinkInfo, now: float, indent: int) -> None:
        if link.state is LinkState.CONNECTED and not link.last_error:
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
            self._lines(out, "; ".join(parts), indent)


def _shape(text: Text) -> int:
    return text.plain.count("\n")
