"""The needs-attention queue: every conversation that needs a person, why, and for how long;
the ones nobody has looked at yet first (marked •), then the longest waiting. Live while open:
new needs appear, settled ones leave, ages move, and the highlight stays on its conversation.
Enter opens it; with --allow-actions the acting keys act on it."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import OptionList, Static

from tui.alerts.attention import Need
from tui.settings.keymap import QUEUE
from tui.store.view import Key
from tui.text.format import duration
from tui.ui.bindings import bindings
from tui.ui.messages import BulkAction, OpenConversation
from tui.ui.rich_text import plain
from tui.ui.screens.live import LiveModal
from tui.ui.screens.options import one_line, show_options

EMPTY = "Nothing needs a person now."


def need_line(n: Need) -> Text:
    """One need as a line: how long, why, which conversation."""
    out = Text("  " if n.seen else "• ", style="bold cyan")
    out.append(f"{duration(n.waiting):>8}  ", style="bold")
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

    BINDINGS = bindings(QUEUE)
    ACTIONS = QUEUE  # bound by tui.ui.bindings.with_bindings (keys may be remapped)

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
        unseen = sum(1 for x in self.needs if not x.seen)
        title = Text(f"Needs attention: {n} conversation{'s' if n != 1 else ''}", style="bold")
        if unseen:
            title.append(f" · {unseen} unseen (•)", style="bold cyan")
        self.query_one("#queue-title", Static).update(title)
        items = [(need_id(x.key), need_line(x)) for x in self.needs]
        show_options(self.query_one(OptionList), items, EMPTY)

    def tick(self) -> None:
        self.redraw()  # once a second: new needs, ages, silence that came with time alone

    def _highlighted(self) -> Key | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        wanted = options.get_option_at_index(options.highlighted).id
        return next((n.key for n in self.needs if need_id(n.key) == wanted), None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        if (key := self._highlighted()) is not None:
            self.dismiss()
            self.app.post_message(OpenConversation(key))

    def action_act(self, action: str) -> None:
        """Act on the highlighted conversation (the app plans and confirms)."""
        if (key := self._highlighted()) is not None:
            self.post_message(BulkAction(action, [key], 0))

    def action_close(self) -> None:
        self.dismiss()
