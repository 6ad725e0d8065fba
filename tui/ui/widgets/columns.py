"""The conversation table's columns: widths and cell text, shared by header and rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.protocol import status as st
from tui.store.view import ConversationView
from tui.text.format import age, duration, fit_name, money, state_text, status_word, view_glyph
from tui.ui.listing.query import SORT_COLUMNS
from tui.ui.rich_text import clean


@dataclass(frozen=True, slots=True)
class Column:
    """A fixed-width column (width 0: takes the remaining space)."""

    title: str
    width: int
    cell: Callable[[ConversationView, float], str]  # (view, wall-clock now) -> text
    align_right: bool = False
    keep: int = 9  # when space is short, columns with the lowest `keep` go first
    clocked: bool = False  # the text moves with the clock (durations, ages)


def _in_state(v: ConversationView, now: float) -> str:
    """Time in the current state; `≥` when ohtop did not see it begin (the true time is at
    least that: it is counted from the server's last update)."""
    seconds = v.in_state(now)
    if seconds is None:
        return "-"
    return duration(seconds) if v.since_exact else f"≥{duration(seconds)}"


def _tasks(v: ConversationView, _now: float) -> str:
    return f"{v.tasks_done}/{v.tasks_total}" if v.tasks_total else "-"


def _updated(v: ConversationView, now: float) -> str:
    return age(v.updated_at, now) if v.updated_at else "-"


def _state(v: ConversationView, _now: float) -> str:
    """The fine state; for a failed conversation, its error code when the server gave one."""
    err = v.last_error
    if v.status == st.ERROR and err is not None and err.code and v.execution_status != "stuck":
        return clean(err.code, 60)
    return state_text(v)


def _status(v: ConversationView, _now: float) -> str:
    glyph = "~" if v.stale else view_glyph(v)  # ~: as last seen, before this run
    return f"{glyph} {clean(status_word(v), 8)}"


COLUMNS: tuple[Column, ...] = (
    Column("STATUS", 10, _status),
    Column("STATE", 16, _state, keep=5),
    Column("TITLE", 0, lambda v, _: clean(v.title) or "(untitled)"),
    Column("REPOSITORY", 18, lambda v, _: clean(v.repository or "-", 60), keep=1),
    Column("IN STATE", 8, _in_state, align_right=True, keep=4, clocked=True),
    Column("TASKS", 5, _tasks, align_right=True, keep=3),
    Column("UPDATED", 8, _updated, align_right=True, keep=2, clocked=True),
    Column("COST", 8, lambda v, _: money(v.cost) if v.cost else "-", align_right=True, keep=1),
)
STATE_COLUMN = COLUMNS[1]
SERVER_COLUMN = Column("SERVER", 16, lambda v, _: fit_name(v.server, 16), keep=2)
# Grouped: the group's name and size on its first row (the cell is the table's to fill).
GROUP_COLUMN = Column("GROUP", 20, lambda _v, _now: "")
# The column a group makes redundant (its value is the group's name).
_SAME_AS_GROUP = {"server": "SERVER", "repository": "REPOSITORY"}
MIN_FLEX = 24


def layout(
    width: int, show_server: bool, group: str | None = None, sort: str | None = None
) -> list[tuple[Column, int]]:
    """Each column with its width for a given table width; the flexible column gets the rest.
    The column the list is sorted by is never the one dropped for room."""
    columns = list(COLUMNS)
    if show_server:
        columns.insert(1, SERVER_COLUMN)
    if group is not None:
        columns = [c for c in columns if c.title != _SAME_AS_GROUP.get(group)]
        columns.insert(0, GROUP_COLUMN)
    sorted_by = SORT_COLUMNS.get(sort or "")
    while True:
        fixed = sum(c.width + 1 for c in columns if c.width)
        droppable = [c for c in columns if c.keep < 9 and c.title != sorted_by]
        if width - fixed - 1 >= MIN_FLEX or not droppable:
            break
        columns.remove(min(droppable, key=lambda c: c.keep))
    flex = max(8, width - fixed - 1)
    return [(c, c.width or flex) for c in columns]
