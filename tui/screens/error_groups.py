"""Errors across the fleet: the ERROR conversations of the last hour grouped by code and
classification, with their servers and repositories. Enter shows that group in the list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.messages import FindText
from tui.state.attention import ErrorGroup
from tui.text import plain


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
    return out


def _retry(retryable: bool | None) -> str | None:
    return None if retryable is None else ("retryable" if retryable else "not retryable")


class ErrorGroupsScreen(ModalScreen[None]):
    """The biggest group first."""

    BINDINGS = [Binding("escape,q,number_sign", "close", "Close")]

    def __init__(self, groups: list[ErrorGroup]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        total = sum(len(g.keys) for g in self.groups)
        yield Static(
            Text(f"Errors of the last hour: {total} in {len(self.groups)} groups", style="bold"),
            id="groups-title",
        )
        if not self.groups:
            yield OptionList(Option("No errors in the last hour.", disabled=True), id="groups")
            return
        yield OptionList(
            *(Option(group_line(g), id=str(i)) for i, g in enumerate(self.groups)), id="groups"
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        group = self.groups[int(event.option.id or 0)]
        self.dismiss()
        self.app.post_message(FindText(group.find))

    def action_close(self) -> None:
        self.dismiss()
