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
    UserAction("slash", "start_filter", "Find", group="Find"),
    UserAction("escape", "clear_filter", "Clear find", footer=False, group="Find"),
    UserAction("e", "status_only('ERROR')", "Errors", group="Find"),
    UserAction("1", "status_only('')", "All statuses", footer=False, group="Find"),
    UserAction("2", "status_only('ERROR')", "Errors only", footer=False, group="Find"),
    UserAction("3", "status_only('STARTING')", "Starting only", footer=False, group="Find"),
    UserAction("4", "status_only('RUNNING')", "Running only", footer=False, group="Find"),
    UserAction("S", "sort('status')", "Sort by status", footer=False, group="Sort"),
    UserAction("U", "sort('updated')", "Sort by updated", footer=False, group="Sort"),
    UserAction("C", "sort('created')", "Sort by created", footer=False, group="Sort"),
    UserAction("T", "sort('title')", "Sort by title", footer=False, group="Sort"),
    UserAction("I", "sort('in_state')", "Sort by time in state", footer=False, group="Sort"),
    UserAction("E", "toggle_errors_first", "Errors first", footer=False, group="Sort"),
    UserAction("p", "app.toggle_pause", "Pause view"),
    UserAction("exclamation_mark", "app.alerts", "Alerts"),
    UserAction("r", "app.refresh", "Refresh", group="Servers"),
    UserAction("question_mark", "app.help", "Help"),
    UserAction("q", "app.quit", "Quit"),
)

DETAIL: tuple[UserAction, ...] = (
    UserAction("escape,q", "close", "Back"),
    UserAction("c", "copy_url", "Copy URL", group="Conversation"),
    UserAction("r", "app.refresh", "Refresh", group="Servers"),
    UserAction("question_mark", "app.help", "Help"),
)


def bindings(actions: tuple[UserAction, ...]) -> list[BindingType]:
    """BINDINGS for a screen built from its registry entries."""
    return [a.binding() for a in actions]
