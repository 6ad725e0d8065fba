"""What an action needs from a person before it is planned: a line of text (a message, a
reason) or one of a few choices (a confirmation policy). Esc cancels: nothing is planned."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

MAX_TEXT = 4000  # characters of a message or reason


class PromptScreen(ModalScreen[str | None]):
    """A question answered with text (enter) or one of `choices`; esc answers None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, default: str = "", choices: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.question = question
        self.default = default
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body"):
            yield Static(self.question, id="confirm-question", markup=False)
            if self.choices:
                yield OptionList(*(Option(c, id=c) for c in self.choices), id="prompt-choices")
            else:
                yield Input(self.default, id="prompt-text", max_length=MAX_TEXT)
            yield Static("enter: go on · esc: cancel (nothing is sent)", classes="dim")

    def on_mount(self) -> None:
        self.query_one("#prompt-choices" if self.choices else "#prompt-text").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
