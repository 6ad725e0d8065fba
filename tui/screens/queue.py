"""The needs-attention queue: every conversation that needs a person, why, and for how long;
the longest waiting first. Enter opens the conversation."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.format import duration
from tui.messages import OpenConversation
from tui.state.attention import Need
from tui.text import plain


def need_line(n: Need) -> Text:
    """One need as a line: how long, why, which conversation."""
    out = Text(f"{duration(n.waiting):>8}  ", style="bold")
    style = "bold red" if "ERROR" in n.reason or "stuck" in n.reason else "bold yellow"
    out.append_text(plain(f"{n.reason:<36}", style, 60))
    out.append("  ")
    out.append_text(plain(n.title or n.key[1][:12], "", 70))
    out.append_text(plain(f"  ({n.key[0]})", "dim", 40))
    return out


class QueueScreen(ModalScreen[None]):
    """Who needs a person, longest waiting first."""

    BINDINGS = [Binding("escape,q,A", "close", "Close")]

    def __init__(self, needs: list[Need]) -> None:
        super().__init__()
        self.needs = needs

    def compose(self) -> ComposeResult:
        n = len(self.needs)
        yield Static(
            Text(f"Needs attention: {n} conversation{'s' if n != 1 else ''}", style="bold"),
            id="queue-title",
        )
        if not self.needs:
            yield OptionList(Option("Nothing needs a person now.", disabled=True), id="queue")
            return
        yield OptionList(
            *(Option(need_line(x), id=str(i)) for i, x in enumerate(self.needs)), id="queue"
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        need = self.needs[int(event.option.id or 0)]
        self.dismiss()
        self.app.post_message(OpenConversation(need.key))

    def action_close(self) -> None:
        self.dismiss()
