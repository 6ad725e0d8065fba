"""Errors across the fleet: the ERROR conversations of the last hour grouped by code and
classification, with their servers and repositories. Enter shows that group in the list."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static

from tui.alerts.attention import ErrorGroup
from tui.ui.messages import FindText
from tui.ui.rich_text import plain
from tui.ui.screens.live import LiveModal
from tui.ui.screens.options import one_line, show_options

EMPTY = "No errors in the last hour."


def group_line(g: ErrorGroup) -> Text:
    """`LLMServiceUnavailableError x37, transient, retryable  prod 30, staging 7  acme/api ...`"""
    out = Text(f"x{len(g.keys):<5} ", style="bold")
    out.append_text(plain(g.code, "bold red", 60))
    hints = [h for h in (g.kind, _retry(g.retryable)) if h]
    if hints:
        out.append_text(plain(f", {', '.join(hints)}", "italic", 60))
    servers = ", ".join(f"{s} {n}" for s, n in g.servers.most_common(3))
    repos = ", ".join(f"{r} {n}" for r, n in g.repositories.most_common(3))
    out.append_text(plain(f"   servers: {servers}   repositories: {repos}", "dim", 160))
    return one_line(out)


def _retry(retryable: bool | None) -> str | None:
    return None if retryable is None else ("retryable" if retryable else "not retryable")


class ErrorGroupsScreen(LiveModal):
    """The biggest group first; live while open."""

    BINDINGS = [Binding("escape,q,number_sign", "close", "Close")]

    def __init__(self, read: Callable[[], list[ErrorGroup]]) -> None:
        super().__init__()
        self._read = read
        self.groups: list[ErrorGroup] = []

    def compose(self) -> ComposeResult:
        yield Static(id="groups-title")
        yield OptionList(id="groups")

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Group the errors again from the stores."""
        self.groups = self._read()
        total = sum(len(g.keys) for g in self.groups)
        title = (
            f"Failed in the last hour: {total} (now in ERROR, entered it within the hour), "
            f"in {len(self.groups)} group{'s' if len(self.groups) != 1 else ''}"
        )
        self.query_one("#groups-title", Static).update(Text(title, style="bold"))
        items = [(f"{g.code}\x1f{g.kind}\x1f{g.retryable}", group_line(g)) for g in self.groups]
        show_options(self.query_one(OptionList), items, EMPTY)

    def tick(self) -> None:
        self.redraw()  # an hour's window moves on

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        ids = [f"{g.code}\x1f{g.kind}\x1f{g.retryable}" for g in self.groups]
        if event.option.id not in ids:
            return
        group = self.groups[ids.index(event.option.id)]
        self.dismiss()
        self.app.post_message(FindText(group.find))

    def action_close(self) -> None:
        self.dismiss()
