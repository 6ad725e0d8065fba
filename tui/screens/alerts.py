"""The alerts list: what went wrong, newest first; enter opens the conversation, `a`
acknowledges its alerts (quiet until it changes again), `m` mutes or unmutes it."""

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
from tui.state.recorder import Recorder
from tui.text import plain


def alert_line(a: Alert, muted: bool = False) -> Text:
    """One alert as a line of text."""
    out = Text(time.strftime("%H:%M:%S ", time.localtime(a.at)))
    style = "bold red" if a.what in ("error", "stuck") else "bold yellow"
    if a.acked or muted:
        style = "dim"
    out.append(f"{a.what.upper():<18}", style)
    out.append_text(plain(a.title or a.key[1][:12], "", 60))
    if a.detail:
        out.append_text(plain(f"  {a.detail}", "dim", 100))
    if a.acked:
        out.append("  acknowledged", "italic")
    if muted:
        out.append("  muted", "italic")
    return out


class AlertsScreen(ModalScreen[None]):
    """Newest alerts first."""

    BINDINGS = [
        Binding("escape,q,exclamation_mark", "close", "Close"),
        Binding("a", "acknowledge", "Acknowledge"),
        Binding("m", "mute", "Mute / unmute"),
    ]

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder
        self.alerts: list[Alert] = []

    def compose(self) -> ComposeResult:
        yield OptionList(id="alerts")

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Read the alerts again, keeping the highlighted line."""
        watcher = self.recorder.alerts
        self.alerts = list(reversed(watcher.alerts))
        options = self.query_one(OptionList)
        at = options.highlighted
        options.clear_options()
        if not self.alerts:
            options.add_option(Option("No alerts yet.", disabled=True))
            return
        options.add_options(
            Option(alert_line(a, a.key in watcher.muted), id=str(i))
            for i, a in enumerate(self.alerts)
        )
        options.highlighted = min(at or 0, len(self.alerts) - 1)

    def _current(self) -> Alert | None:
        at = self.query_one(OptionList).highlighted
        return self.alerts[at] if self.alerts and at is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        alert = self.alerts[int(event.option.id or 0)]
        self.dismiss()
        self.app.post_message(OpenConversation(alert.key))

    def action_acknowledge(self) -> None:
        """Acknowledge the highlighted conversation's alerts."""
        if (alert := self._current()) is not None:
            self.recorder.alerts.acknowledge(alert.key)
            self.redraw()

    def action_mute(self) -> None:
        """Mute the highlighted conversation's alerts (again: unmute)."""
        if (alert := self._current()) is not None:
            self.recorder.mute(alert.key, alert.key not in self.recorder.alerts.muted)
            self.redraw()

    def action_close(self) -> None:
        self.dismiss()
