"""What is known about one conversation, as safe text."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui import clock
from tui.format import age, count, duration, money, status_glyph
from tui.state.view import ConversationView
from tui.text import clean, plain


def _field_table(view: ConversationView, now: float) -> Table:
    t = Table.grid(padding=(0, 1))
    t.add_column(style="bold", no_wrap=True)
    t.add_column(overflow="fold")
    since = duration(now - view.status_since) if view.status_since is not None else "-"
    rows: list[tuple[str, Text]] = [
        ("Status", Text(f"{status_glyph(view.status)} {clean(view.status, 24)}  for {since}")),
        ("Execution", plain(view.execution_status or "-")),
        ("Sandbox", plain(view.sandbox_status or "-")),
        ("Runtime", plain(view.runtime_status or "-")),
        ("Repository", plain(f"{view.repository or '-'}  {view.branch or ''}".strip())),
        ("Server", plain(f"{view.server} ({view.kind})")),
        ("Id", plain(view.id)),
        ("Created", plain(age(view.created_at) + " ago" if view.created_at else "-")),
        ("Updated", plain(age(view.updated_at) + " ago" if view.updated_at else "-")),
        ("Cost", plain(money(view.cost))),
        ("Tokens", plain(count(view.tokens))),
    ]
    if view.gone:
        rows.insert(1, ("Gone", Text("deleted or missing on the server; no longer polled")))
    for name, value in rows:
        t.add_row(name, value)
    return t


def _error(view: ConversationView) -> Text | None:
    err = view.last_error
    if err is None:
        return None
    out = Text("Last error\n", style="bold")
    out.append_text(plain(err.code or "(no code)", "bold red", 120))
    out.append("\n")
    out.append_text(plain(err.detail, "", 400))
    hints = []
    if err.kind:
        hints.append(f"kind {clean(err.kind, 20)}")
    if err.retryable is not None:
        hints.append("retryable" if err.retryable else "not retryable")
    if err.user_action:
        hints.append(f"user action: {clean(err.user_action, 20)}")
    if hints:
        out.append("\n" + ", ".join(hints), style="italic")
    return out


class DetailPane(Static):
    """The selected conversation: status, fine status, times, cost, last error."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: ConversationView | None = None

    def show(self, view: ConversationView | None) -> None:
        """Display `view` (None: nothing selected)."""
        self.view = view
        self.update(self.compose_view(view))

    @staticmethod
    def compose_view(view: ConversationView | None) -> Group | Text:
        """The renderable for a view."""
        if view is None:
            return Text("No conversation selected.", style="dim")
        parts: list[Table | Text] = [
            plain(view.title or "(untitled)", "bold", 200),
            _field_table(view, clock.mono()),
        ]
        if (err := _error(view)) is not None:
            parts += [Text(""), err]
        return Group(*parts)
