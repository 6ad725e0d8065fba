"""The needs-attention queue: every conversation that needs a person, why, and for how long;
the longest waiting first. Live while open: new needs appear, settled ones leave, ages move,
and the highlight stays on its conversation. Enter opens it."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static

from tui.alerts.attention import Need
from tui.store.view import Key
from tui.text.format import duration
from tui.ui.messages import OpenConversation
from tui.ui.rich_text import plain
from tui.ui.screens.live import LiveModal
from tui.ui.screens.options import one_line, show_options

EMPTY = "Nothing needs a person now."


def need_line(n: Need) -> Text:
    """One need as a line: how long, why, which conversation."""
    out = Text(f"{duration(n.waiting):>8}  ", style="bold")
    style = "bold red" if "ERROR" in n.reason or "stuck" in n.reason else "bold yellow"
    out.append_text(plain(f"{n.reason:<36}", style, 60))
    out.append("  ")
    out.append_text(plain(n.title or n.key[1][:12], "", 70))
    out.append_text(plain(f"  ({n.key[0]})", "dim", 40))
    return one_line(out)


def need_id(key: Key) -> str:
    """An option id for a conversation (kept across redraws)."""
    return f"{key[0]}\x1f{key[1]}"


class QueueScreen(LiveModal):
    """Who needs a person, longest waiting first."""

    BINDINGS = [Binding("escape,q,A", "close", "Close")]

    def __init__(self, read: Callable[[], list[Need]]) -> None:
        super().__init__()
        self._read = read
        self.needs: list[Need] = []

    def compose(self) -> ComposeResult:
        yield Static(id="queue-title")
        yield OptionList(id="queue")

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Read the queue again from the stores."""
        self.needs = self._read()
        n = len(self.needs)
        title = Text(f"Needs attention: {n} conversation{'s' if n != 1 else ''}", style="bold")
        self.query_one("#queue-title", Static).update(title)
        items = [(need_id(x.key), need_line(x)) for x in self.needs]
        show_options(self.query_one(OptionList), items, EMPTY)

    def tick(self) -> None:
        self.redraw()  # once a second: new needs, ages, silence that came with time alone

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        key = next((n.key for n in self.needs if need_id(n.key) == event.option.id), None)
        if key is None:
            return
        self.dismiss()
        self.app.post_message(OpenConversation(key))

    def action_close(self) -> None:
        self.dismiss()
