"""The one registry of user actions, without Textual: it feeds the bindings, the footer, the
help screen, the command palette and the config file's [keys] table (checked by
`ohtop config check`, which runs without Textual)."""

from __future__ import annotations

from dataclasses import dataclass, replace

# Textual's key names, as people type them.
KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "exclamation_mark": "!",
    "asterisk": "*",
    "escape": "esc",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "number_sign": "#",
    "dollar_sign": "$",
    "full_stop": ".",
    "comma": ",",
}


@dataclass(frozen=True, slots=True)
class UserAction:
    """A key (or keys), the action it runs, and how to describe it."""

    keys: str
    action: str
    description: str
    footer: int = 0  # place in the footer, 1 first (0: not there); narrow footers cut the end
    # Handled as the key arrives, before keys already queued behind it (the find key: letters
    # typed right after it are text for the find box, not commands).
    priority: bool = False
    group: str = "General"
    id: str = ""  # the name used in the config's [keys] table (defaults to the action)
    # Changes a conversation on its server: absent (not bound, not listed) when read-only.
    dangerous: bool = False

    @property
    def name(self) -> str:
        """The config name of this action."""
        return self.id or self.action.removeprefix("app.")

    @property
    def key_label(self) -> str:
        """The keys as shown in help, e.g. `j / down`, `/`, `?`."""
        return " / ".join(KEY_NAMES.get(k, k) for k in key_list(self))


def _acting(key: str, action: str, description: str, name: str) -> UserAction:
    return UserAction(key, f"act('{action}')", description, group="Act", id=name, dangerous=True)


# Acting on conversations: the same keys on the list (the marked rows, else the selected one),
# the detail and the needs-attention queue. What each sends: tui.client.requests.
ACTING: tuple[UserAction, ...] = (
    _acting("y", "approve", "Approve what it asks", "approve"),
    _acting("n", "reject", "Reject what it asks (with a reason)", "reject"),
    _acting("m", "message", "Send a message (a nudge)", "message"),
    _acting("i", "interrupt", "Interrupt", "interrupt"),
    _acting("P", "pause", "Pause convs", "pause_conversations"),
    _acting("W", "resume", "Resume convs", "resume_conversations"),
    _acting("F", "policy", "Set the confirmation policy", "confirmation_policy"),
)

DASHBOARD: tuple[UserAction, ...] = (
    UserAction("down,j", "cursor_down", "Down", group="Move", id="down"),
    UserAction("up,k", "cursor_up", "Up", group="Move", id="up"),
    UserAction("pagedown", "page_down", "Page down", group="Move", id="page_down"),
    UserAction("pageup", "page_up", "Page up", group="Move", id="page_up"),
    UserAction("home,g", "cursor_first", "First", group="Move", id="first"),
    UserAction("end,G", "cursor_last", "Last", group="Move", id="last"),
    UserAction("enter", "open_detail", "Detail", group="Conversation", id="detail", footer=1),
    UserAction("slash", "start_filter", "Find", group="Find", id="find", footer=2, priority=True),
    UserAction("escape", "clear_filter", "Clear find", group="Find", id="clear_find"),
    UserAction("e", "status_only('ERROR')", "Errors", group="Find", id="errors", footer=3),
    UserAction("1", "status_only('')", "All statuses", group="Find", id="all_statuses"),
    UserAction("2", "status_only('ERROR')", "Errors only", group="Find", id="errors_only"),
    UserAction(
        "3",
        "status_only('STARTING')",
        "Starting only",
        group="Find",
        id="starting_only",
    ),
    UserAction("4", "status_only('RUNNING')", "Running only", group="Find", id="running_only"),
    UserAction("S", "sort('status')", "Sort by status", group="Sort", id="sort_status"),
    UserAction("U", "sort('updated')", "Sort by updated", group="Sort", id="sort_updated"),
    UserAction("C", "sort('created')", "Sort by created", group="Sort", id="sort_created"),
    UserAction("T", "sort('title')", "Sort by title", group="Sort", id="sort_title"),
    UserAction(
        "I",
        "sort('in_state')",
        "Sort by time in state",
        group="Sort",
        id="sort_in_state",
    ),
    UserAction("E", "toggle_errors_first", "Errors first", group="Sort"),
    UserAction("dollar_sign", "sort('cost')", "Sort by cost", group="Sort", id="sort_cost"),
    UserAction("b", "group_by", "Group by (server, repo, error)", group="Sort"),
    UserAction("space", "toggle_mark", "Mark", group="Marks", id="mark"),
    UserAction("asterisk", "mark_all_shown", "Mark all shown", group="Marks"),
    UserAction("x", "clear_marks", "Clear marks", group="Marks"),
    *(replace(a, footer=9) if a.name == "pause_conversations" else a for a in ACTING),
    UserAction("p", "app.toggle_pause", "Pause view", footer=8),
    UserAction("exclamation_mark", "app.alerts", "Alerts", footer=4),
    UserAction("A", "app.queue", "Needs attention", id="attention"),
    UserAction("number_sign", "app.error_groups", "Errors by code", id="error_groups"),
    UserAction("L", "app.errors", "Recent errors", id="recent_errors"),
    UserAction("ctrl+t", "app.next_theme", "Next theme"),
    UserAction("r", "app.refresh", "Refresh", group="Servers", footer=7),
    UserAction("ctrl+r", "app.reload", "Reload config and keys", group="Servers"),
    UserAction("question_mark", "app.help", "Help", footer=5),
    UserAction("q", "app.quit", "Quit", footer=6),
)

DETAIL: tuple[UserAction, ...] = (
    UserAction("escape,q", "close", "Back", footer=1),
    UserAction("down,j", "scroll_down", "Scroll down", group="Move", id="detail_down"),
    UserAction("up,k", "scroll_up", "Scroll up", group="Move", id="detail_up"),
    UserAction("pagedown", "page_down", "Page down", group="Move", id="detail_page_down"),
    UserAction("pageup", "page_up", "Page up", group="Move", id="detail_page_up"),
    UserAction("c", "copy_url", "Copy link", group="Conversation", footer=3),
    UserAction("o", "open_url", "Open in browser", group="Conversation", footer=4),
    UserAction("R", "report", "Write a report", group="Conversation", footer=5),
    UserAction("r", "app.refresh", "Refresh", group="Servers", footer=6),
    UserAction("question_mark", "app.help", "Help", footer=2),
    *ACTING,
)

QUEUE: tuple[UserAction, ...] = (
    UserAction("escape,q,A", "close", "Close", footer=1, id="queue_close"),
    UserAction("enter", "open", "Detail", footer=2, id="queue_detail"),
    *ACTING,
)


def names() -> set[str]:
    """Every action name the config's [keys] table may use."""
    return {a.name for a in DASHBOARD + DETAIL + QUEUE}


def remap(actions: tuple[UserAction, ...], keymap: dict[str, str]) -> tuple[UserAction, ...]:
    """The registry with the config's keys in place of the defaults."""
    return tuple(replace(a, keys=keymap[a.name]) if a.name in keymap else a for a in actions)


def safe(actions: tuple[UserAction, ...], read_only: bool) -> tuple[UserAction, ...]:
    """The registry as a screen offers it: read-only, nothing that changes a server."""
    return tuple(a for a in actions if not (read_only and a.dangerous))


def typed(key: str) -> str | None:
    """The character a key types ("slash" -> "/", "f" -> "f"), None for keys that type none."""
    char = KEY_NAMES.get(key, key)
    return char if len(char) == 1 else None


def key_list(action: UserAction) -> list[str]:
    """The keys of an action, one by one."""
    return [k.strip() for k in action.keys.split(",") if k.strip()]


def clashes(actions: tuple[UserAction, ...]) -> list[str]:
    """Keys bound to more than one action of the same screen, in words."""
    owners: dict[str, list[str]] = {}
    for action in actions:
        for key in key_list(action):
            owners.setdefault(key, []).append(action.name)
    return [
        f"key {key!r} is bound to {' and '.join(names)}"
        for key, names in sorted(owners.items())
        if len(set(names)) > 1
    ]
