"""One line under the status counts naming every server that is not answering, at any width
(the connection panel is hidden below 110 columns, and may be scrolled). Streams are not
servers: a stream that ends is not a problem of the fleet, and never shows here."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.store.websocket_store import LinkInfo, LinkState, WebSocketStore
from tui.text import clock
from tui.text.format import fit_name
from tui.ui.rich_text import clean

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
# The worst first: a failed server must not be the one left out when the line is full.
RANK = {LinkState.FAILED: 0, LinkState.RECONNECTING: 1, LinkState.CONNECTING: 2}


def problem(link: LinkInfo, now: float) -> Text:
    """One server's trouble in words: state, name, why, and when the next try is."""
    name = link.name.server
    out = Text(f"{GLYPHS[link.state]} {link.state.value} ", STYLES[link.state])
    out.append(fit_name(name, 40), "bold")
    why = link.last_error or (link.detail if link.state is LinkState.CONNECTING else "")
    if why:
        out.append(f": {clean(why, 120)}")
    if link.state is LinkState.RECONNECTING and link.next_retry_at is not None:
        out.append(f" (attempt {link.attempt}, next {max(0.0, link.next_retry_at - now):.0f}s)")
    if link.state is LinkState.FAILED:
        out.append(" (r retries; ctrl+r reloads the config)", "dim")
    return out


def troubled(store: WebSocketStore) -> list[LinkInfo]:
    """Server links that are not CONNECTED, the worst first."""
    servers = [
        link
        for link in store.links()
        if link.name.is_server and link.state is not LinkState.CONNECTED
    ]
    return sorted(servers, key=lambda link: RANK.get(link.state, 3))


def one_line(problems: list[Text], width: int) -> Text:
    """The problems joined on one line of `width` cells; those that do not fit are counted
    ("+2 more servers"), never wrapped onto rows the list needs."""
    out = Text()
    for i, text in enumerate(problems):
        left = len(problems) - i - 1  # after this one
        more = len(_more(left)) if left else 0
        sep = " · " if i else ""
        if i and out.cell_len + len(sep) + text.cell_len + more > width:
            out.append(_more(len(problems) - i), "bold")
            return out
        if not i and text.cell_len + more > width:  # the worst one, cut to leave the count
            text = text.copy()
            text.truncate(max(1, width - more), overflow="ellipsis")
        out.append(sep)
        out.append_text(text)
    out.truncate(max(1, width), overflow="ellipsis")
    return out


def _more(n: int) -> str:
    return f" · +{n} more server{'s' if n != 1 else ''}"


class HealthBar(Static):
    """Hidden while every server is CONNECTED."""

    def __init__(self, store: WebSocketStore, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self._shown: tuple[str, int] | None = None

    def on_mount(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Rebuild from the store."""
        servers = troubled(self.store)
        now = clock.mono()
        width = max(1, self.size.width - 2)  # the bar's padding
        text = one_line([problem(link, now) for link in servers], width)
        if (text.plain, width) == self._shown:
            return
        self._shown = (text.plain, width)
        self.set_class(bool(servers), "-visible")
        self.update(text)
