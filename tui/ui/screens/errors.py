"""Recent errors from every server and stream (the ErrorStore), newest first."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.store.error_store import ErrorRecord
from tui.ui.rich_text import plain


def error_lines(records: list[ErrorRecord]) -> Text:
    """One line per error: time, server, kind, message."""
    if not records:
        return Text("No errors.", style="dim")
    out = Text()
    for r in records:
        out.append(time.strftime("%H:%M:%S ", time.localtime(r.at)))
        out.append_text(plain(f"{r.server:<16} ", "bold", 17))
        out.append(f"{r.kind:<13}", "red")
        out.append_text(plain(r.message, "", 200))
        if r.conversation:
            out.append_text(plain(f"  ({r.conversation[:8]})", "dim", 12))
        out.append("\n")
    return out


class ErrorsScreen(ModalScreen[None]):
    """The error store's newest records."""

    BINDINGS = [Binding("escape,q,L", "close", "Close")]

    def __init__(self, records: list[ErrorRecord], log_path: str | None) -> None:
        super().__init__()
        self.records = records
        self.log_path = log_path

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="errors-body"):
            yield Static(Text("Recent errors", style="bold"))
            yield Static(error_lines(self.records), id="errors")
            where = f"Full log: {self.log_path}" if self.log_path else "Logging to a file is off."
            yield Static(Text(where, style="dim"))

    def action_close(self) -> None:
        self.dismiss()
