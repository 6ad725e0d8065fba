"""What is known about one conversation, as safe text."""

from __future__ import annotations

import time

from rich.console import Console
from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from tui.protocol.status import ServerKind, runtime_label
from tui.store.view import ConversationView
from tui.text import clock
from tui.text.format import age, count, duration, money, status_word, view_glyph
from tui.ui.rich_text import clean, plain

Fields = list[tuple[str, Text]]
DEFAULT_WIDTH = 60  # before the first layout
LABEL_MIN = 12  # "Repository " and a space
_CONSOLE = Console(width=200, color_system=None)  # for wrapping only: cells, not colours
SAME_VIEW_GAP = 0.25  # seconds between redraws of one conversation's changing values


def _since(view: ConversationView, now: float, compact: bool) -> str:
    seconds = view.in_state(now)
    if seconds is None:
        return ""
    if view.since_exact:
        return f"  for {duration(seconds)}"
    if compact:
        return f"  for ≥{duration(seconds)}"
    return f"  for at least {duration(seconds)} (since the server's last update)"


def _fields(view: ConversationView, now: float, compact: bool = False) -> Fields:
    status = f"{view_glyph(view)} {clean(status_word(view), 24)}"
    if view.at_rest and not compact:
        status += " (sandbox up, agent not working)"
    rows: list[tuple[str, Text]] = [
        ("Status", Text(status + _since(view, now, compact))),
        ("Execution", plain(view.execution_status or "-")),
    ]
    if view.kind == ServerKind.V1:
        rows.append(("Sandbox", plain(view.sandbox_status or "-")))
    else:  # V0 and agent servers report a runtime status; V1 has none
        rows.append(("Runtime", plain(runtime_label(view.runtime_status) or "-")))
    rows += [
        ("Repository", plain(f"{view.repository or '-'}  {view.branch or ''}".strip())),
        ("Server", plain(f"{view.server} ({ServerKind(view.kind).label})")),
        ("Id", plain(view.id)),
        ("Created", plain(age(view.created_at) + " ago" if view.created_at else "-")),
        ("Updated", plain(age(view.updated_at) + " ago" if view.updated_at else "-")),
        ("Cost", plain(money(view.cost))),
        ("Tokens", plain(count(view.tokens))),
    ]
    for n, asked in enumerate(view.waiting_on):
        rows.insert(1 + n, ("Asks" if n == 0 else "", plain(asked.words(), "bold yellow", 200)))
    if view.deleted:
        rows.insert(1, ("Gone", Text("deleted on its server; leaves the list in a few minutes")))
    elif view.gone:
        rows.insert(1, ("Gone", Text("archived on its server; no longer polled")))
    if view.stale:
        rows.insert(1, ("Stale", Text(_stale_note(view, now), style="italic")))
    return rows


def _stale_note(view: ConversationView, now: float) -> str:
    """Why a row is not live: when its server last confirmed it."""
    if view.confirmed_at is None:
        return "as last seen before this run; not confirmed by its server yet"
    return (
        f"last confirmed {duration(now - view.confirmed_at)} ago; shown as it was then, "
        "not confirmed since (its server has not answered since)"
    )


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

    def __init__(self, *, id: str | None = None, compact: bool = False) -> None:
        super().__init__(id=id)
        self.view: ConversationView | None = None
        self.compact = compact  # the side pane: short words, so its height holds still
        self._shown: Parts | None = None
        self._lines = 0
        self._drawn_at = -SAME_VIEW_GAP
        self._later: Timer | None = None

    def show(self, view: ConversationView | None) -> None:
        """Display `view` (None: nothing selected); nothing happens if the text is the same.
        Another conversation is drawn at once; the same one changing again within
        `SAME_VIEW_GAP` is drawn when the gap is over (a busy stream changes it ten times a
        second; each redraw wraps and renders the whole pane)."""
        same = view is not None and self.view is not None and view.key == self.view.key
        self.view = view
        wait = self._drawn_at + SAME_VIEW_GAP - time.monotonic()
        if same and wait > 0:
            if self._later is None:
                self._later = self.set_timer(wait, self._catch_up)
            return
        self._draw()

    def on_resize(self) -> None:
        if self._shown is not None:  # wrapped for the old width
            self._shown = None
            self._draw()

    def _catch_up(self) -> None:
        self._later = None
        self._draw()

    def _draw(self) -> None:
        self._drawn_at = time.monotonic()
        view = self.view
        parts = _parts(view, self.compact)
        if parts == self._shown:  # the same text: durations change once a second at most
            return
        text = _render(parts, self.content_region.width)
        # The same number of lines is the same height: values moved, no layout pass needed.
        same_shape = self._shown is not None and text.plain.count("\n") == self._lines
        self._shown, self._lines = parts, text.plain.count("\n")
        self.update(text, layout=not same_shape)

    @staticmethod
    def compose_view(view: ConversationView | None, width: int = DEFAULT_WIDTH) -> Text:
        """The text the pane shows for a view at `width`."""
        return _render(_parts(view), width)


# What the pane shows, comparable: (title, fields, last error), or None for no selection.
Parts = tuple[Text, Fields, Text | None] | None


def _parts(view: ConversationView | None, compact: bool = False) -> Parts:
    if view is None:
        return None
    fields = _fields(view, clock.wall(), compact)
    return plain(view.title or "(untitled)", "bold", 200), fields, _error(view)


def _render(parts: Parts, width: int) -> Text:
    """The pane's text, wrapped here to `width`: labels in a column, each value's lines under
    its first (as a grid would lay it out, at a fraction of a grid's cost per redraw)."""
    if parts is None:
        return Text("No conversation selected.", style="dim")
    title, fields, err = parts
    width = max(LABEL_MIN + 8, width or DEFAULT_WIDTH)
    label = max(len(name) for name, _ in fields) + 1
    lines: list[Text] = list(_wrap(title, width))
    # What triage reads first: the status line, then what failed, then everything else.
    lines += _field_lines(fields[:1], label, width)
    if err is not None:
        lines += [*_wrap(err, width), Text("")]
    lines += _field_lines(fields[1:], label, width)
    return Text("\n").join(lines)


def _field_lines(fields: Fields, label: int, width: int) -> list[Text]:
    out: list[Text] = []
    for name, value in fields:
        for n, line in enumerate(_wrap(value, width - label)):
            head = Text(name.ljust(label), style="bold") if n == 0 else Text(" " * label)
            out.append(head + line)
    return out


def _wrap(text: Text, width: int) -> list[Text]:
    """`text` cut into lines of at most `width` cells (at spaces where it can, else folded)."""
    return list(text.wrap(_CONSOLE, max(1, width), overflow="fold"))
