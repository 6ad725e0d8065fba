"""One registry of user actions: it feeds BINDINGS, the footer and the help screen."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True, slots=True)
class UserAction:
    """A key (or keys), the action it runs, and how to describe it."""

    keys: str
    action: str
    description: str
    footer: bool = True
    group: str = "General"

    def binding(self) -> Binding:
        """The Textual binding for this action."""
        return Binding(self.keys, self.action, self.description, show=self.footer)

    @property
    def key_label(self) -> str:
        """The keys as shown in help, e.g. `j / down`."""
        return " / ".join(k.strip() for k in self.keys.split(","))


DASHBOARD: tuple[UserAction, ...] = (
    UserAction("down,j", "cursor_down", "Down", footer=False, group="Move"),
    UserAction("up,k", "cursor_up", "Up", footer=False, group="Move"),
    UserAction("pagedown", "page_down", "Page down", footer=False, group="Move"),
    UserAction("pageup", "page_up", "Page up", footer=False, group="Move"),
    UserAction("home,g", "cursor_first", "First", footer=False, group="Move"),
    UserAction("end,G", "cursor_last", "Last", footer=False, group="Move"),
    UserAction("enter", "open_detail", "Detail", group="Conversation"),
    UserAction("r", "app.refresh", "Refresh", group="Servers"),
    UserAction("question_mark", "app.help", "Help"),
    UserAction("q", "app.quit", "Quit"),
)

DETAIL: tuple[UserAction, ...] = (
    UserAction("escape,q", "close", "Back"),
    UserAction("r", "app.refresh", "Refresh", group="Servers"),
    UserAction("question_mark", "app.help", "Help"),
)


def bindings(actions: tuple[UserAction, ...]) -> list[BindingType]:
    """BINDINGS for a screen built from its registry entries."""
    return [a.binding() for a in actions]
