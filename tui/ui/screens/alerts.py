"""The alerts list: what went wrong, newest first; enter opens the conversation, `a`
acknowledges its alerts (quiet until it changes again), `m` mutes or unmutes it."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList

from tui.alerts.watcher import Alert
from tui.fleet.recorder import Recorder
from tui.ui.messages import OpenConversation
from tui.ui.rich_text import plain
from tui.ui.screens.live import LiveModal
from tui.ui.screens.options import one_line, show_options

EMPTY = "No alerts yet."


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
    return one_line(out)


def alert_id(a: Alert) -> str:
    """An option id for an alert (kept across redraws)."""
    return f"{a.key[0]}\x1f{a.key[1]}\x1f{a.at!r}\x1f{a.what}"


class AlertsScreen(LiveModal):
    """Newest alerts first; live while open (new alerts come in, the highlight stays)."""

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
        """Read the alerts again, keeping the highlighted alert highlighted."""
        watcher = self.recorder.alerts
        self.alerts = list(reversed(watcher.alerts))
        items = [(alert_id(a), alert_line(a, a.key in watcher.muted)) for a in self.alerts]
        show_options(self.query_one(OptionList), items, EMPTY)

    def tick(self) -> None:
        self.redraw()

    def _current(self) -> Alert | None:
        options = self.query_one(OptionList)
        at = options.highlighted
        if not self.alerts or at is None:
            return None
        ident = options.get_option_at_index(at).id
        return next((a for a in self.alerts if alert_id(a) == ident), None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        alert = next((a for a in self.alerts if alert_id(a) == event.option.id), None)
        if alert is None:
            return
        self.dismiss()
        self.app.post_message(OpenConversation(alert.key))

    def action_acknowledge(self) -> None:
        """Acknowledge the highlighted conversation's alerts."""
        if (alert := self._current()) is not None:
            said = self.recorder.acknowledge(alert.key)
            self.redraw()
            self.notify(said, timeout=4, markup=False)

    def action_mute(self) -> None:
        """Mute the highlighted conversation's alerts (again: unmute)."""
        if (alert := self._current()) is not None:
            self.recorder.mute(alert.key, alert.key not in self.recorder.alerts.muted)
            self.redraw()

    def action_close(self) -> None:
        self.dismiss()
