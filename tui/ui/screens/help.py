"""Help: every action and its keys, from the same registry as the bindings and footer."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.settings.keymap import DASHBOARD, DETAIL, UserAction


def help_table(title: str, actions: tuple[UserAction, ...]) -> Table:
    """A table of keys and descriptions."""
    table = Table(title=title, title_justify="left", box=None, padding=(0, 2))
    table.add_column("Key", style="bold", no_wrap=True)
    table.add_column("Action")
    table.add_column("Group", style="dim")
    for action in actions:
        table.add_row(action.key_label, action.description, action.group)
    return table


class HelpScreen(ModalScreen[None]):
    """Keys of the dashboard and the detail screen (as remapped by the config)."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(
        self,
        dashboard: tuple[UserAction, ...] = DASHBOARD,
        detail: tuple[UserAction, ...] = DETAIL,
    ) -> None:
        super().__init__()
        self.dashboard = dashboard
        self.detail = detail

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static("ohtop: watch many OpenHands conversations", id="help-title")
            yield Static(help_table("Dashboard", self.dashboard))
            yield Static(help_table("Detail", self.detail))
            yield Static("ctrl+p opens the command palette with the same actions.")
            yield Static("esc, q or ? closes this help.", id="help-foot")

    def action_close(self) -> None:
        self.dismiss()
