"""The alerts list: what went wrong, newest first; enter opens the conversation."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.messages import OpenConversation
from tui.state.alerts import Alert
from tui.text import plain


def alert_line(a: Alert) -> Text:
    """One alert as a line of text."""
    out = Text(time.strftime("%H:%M:%S ", time.localtime(a.at)))
    out.append(
        f"{a.what.upper():<18}", "bold red" if a.what in ("error", "stuck") else "bold yellow"
    )
    out.append_text(plain(a.title or a.key[1][:8], "", 60))
    if a.detail:
        out.append_text(plain(f"  {a.detail}", "dim", 100))
    return out


class AlertsScreen(ModalScreen[None]):
    """Newest alerts first."""

    BINDINGS = [Binding("escape,q,exclamation_mark", "close", "Close")]

    def __init__(self, alerts: list[Alert]) -> None:
        super().__init__()
        self.alerts = list(reversed(alerts))

    def compose(self) -> ComposeResult:
        if not self.alerts:
            yield OptionList(Option("No alerts yet.", disabled=True), id="alerts")
            return
        yield OptionList(
            *(Option(alert_line(a), id=str(i)) for i, a in enumerate(self.alerts)), id="alerts"
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        alert = self.alerts[int(event.option.id or 0)]
        self.dismiss()
        self.app.post_message(OpenConversation(alert.key))

    def action_close(self) -> None:
        self.dismiss()
