"""Which conversations the list shows, and in what order: filter text, status, sort."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from tui.protocol import status as st
from tui.state.view import ConversationView, Key

STATUS_RANK = {st.ERROR: 0, st.STARTING: 1, st.RUNNING: 2, st.STOPPED: 3, st.ARCHIVED: 4}
SORTS = ("status", "updated", "created", "title", "in_state")
SORT_LABELS = {
    "status": "status",
    "updated": "updated",
    "created": "created",
    "title": "title",
    "in_state": "time in state",
}
ONLY = {st.ERROR: "errors only", st.STARTING: "starting only", st.RUNNING: "running only"}
# Sorting by these puts the biggest first unless reversed (newest, longest in state).
_DESCENDING = frozenset({"updated", "created", "in_state"})


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Filter text (over title, id, repository, status and error), status filter, sort."""

    text: str = ""
    status: str | None = None  # a coarse status, or None for all
    sort: str = "status"
    reverse: bool = False
    errors_first: bool = False

    def sorted_by(self, sort: str) -> ListQuery:
        """Sort by `sort`; asking for the current sort again reverses it."""
        if sort == self.sort:
            return replace(self, reverse=not self.reverse)
        return replace(self, sort=sort, reverse=False)

    def describe(self) -> str:
        """A short description for the header."""
        parts = []
        if self.text:
            parts.append(f"filter “{self.text}”")
        if self.status:
            parts.append(ONLY.get(self.status, f"{self.status.lower()} only"))
        arrow = "↑" if self.reverse else "↓"
        parts.append(f"sort {SORT_LABELS.get(self.sort, self.sort)} {arrow}")
        if self.errors_first:
            parts.append("errors first")
        return " · ".join(parts)


def haystack(v: ConversationView) -> str:
    """The text `/` searches: title, id, repository, server, statuses, last error."""
    err = v.last_error
    parts: list[Any] = [
        v.title,
        v.id,
        v.repository,
        v.branch,
        v.server,
        v.status,
        v.execution_status,
        v.sandbox_status,
        v.runtime_status,
        err.code if err else None,
        err.detail if err else None,
    ]
    return " ".join(str(p) for p in parts if p).lower()


def matches(v: ConversationView, q: ListQuery) -> bool:
    """True when `v` passes the status filter and contains every word of the filter text."""
    if q.status is not None and v.status != q.status:
        return False
    words = q.text.lower().split()
    if not words:
        return True
    text = haystack(v)
    return all(w in text for w in words)


def _primary(v: ConversationView, sort: str, now: float) -> Any:
    if sort == "updated":
        return v.updated_at.timestamp() if v.updated_at else 0.0
    if sort == "created":
        return v.created_at.timestamp() if v.created_at else 0.0
    if sort == "title":
        return v.title.lower()
    if sort == "in_state":
        return now - v.status_since if v.status_since is not None else 0.0
    return STATUS_RANK.get(v.status, 5)


def signature(v: ConversationView, q: ListQuery, now: float) -> tuple[Any, ...]:
    """What decides `v`'s place in the list: if this did not change, neither did the order.

    Sorting by time in state moves with the clock, so it has no stable signature (None).
    """
    created = v.created_at.timestamp() if v.created_at else 0.0
    primary = None if q.sort == "in_state" else _primary(v, q.sort, now)
    return (matches(v, q), primary, created, v.status == st.ERROR)


def order(views: Iterable[ConversationView], q: ListQuery, now: float) -> list[Key]:
    """Keys of the views that match, in the query's order (ties: newest created first)."""
    shown = [v for v in views if matches(v, q)]
    descending = (q.sort in _DESCENDING) != q.reverse
    shown.sort(key=lambda v: -(v.created_at.timestamp() if v.created_at else 0.0))
    shown.sort(key=lambda v: _primary(v, q.sort, now), reverse=descending)
    if q.errors_first:
        shown.sort(key=lambda v: v.status != st.ERROR)  # stable: keeps the order within groups
    return [v.key for v in shown]
