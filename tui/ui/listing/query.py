"""Which conversations the list shows, and in what order: filter text, status, sort."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from tui.protocol import status as st
from tui.store.view import ConversationView, Key
from tui.text.format import STATUS_RANK

SORTS = ("status", "updated", "created", "title", "in_state", "cost")
SORT_LABELS = {
    "status": "status",
    "updated": "updated",
    "created": "created",
    "title": "title",
    "in_state": "time in state",
    "cost": "cost",
}
# Group the list by (None: no groups); each group's rows stay together, in the sort's order.
GROUPS = ("server", "repository", "error")
GROUP_LABELS = {"server": "server", "repository": "repository", "error": "error code"}
ONLY = {st.ERROR: "errors only", st.STARTING: "starting only", st.RUNNING: "running only"}
# The column each sort orders by (created has none: the header names that sort in words).
SORT_COLUMNS = {
    "status": "STATUS",
    "updated": "UPDATED",
    "title": "TITLE",
    "in_state": "IN STATE",
    "cost": "COST",
}
FIND_SHOWN = 24  # characters of the find text the header keeps
# Sorting by these puts the biggest first unless reversed (newest, longest in state).
_DESCENDING = frozenset({"updated", "created", "in_state", "cost"})


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Filter text (over title, id, repository, status and error), status filter, sort."""

    text: str = ""
    status: str | None = None  # a coarse status, or None for all
    sort: str = "status"
    reverse: bool = False
    errors_first: bool = False
    group: str | None = None  # of GROUPS

    @property
    def words(self) -> tuple[str, ...]:
        """The find text's words, lowercase (every one must appear)."""
        return _words(self.text)

    def sorted_by(self, sort: str) -> ListQuery:
        """Sort by `sort`; asking for the current sort again reverses it."""
        if sort == self.sort:
            return replace(self, reverse=not self.reverse)
        return replace(self, sort=sort, reverse=False)

    def next_group(self) -> ListQuery:
        """Group by the next of GROUPS (after the last: no groups)."""
        order: list[str | None] = [None, *GROUPS]
        return replace(self, group=order[(order.index(self.group) + 1) % len(order)])

    @property
    def arrow(self) -> str:
        """↓ or ↑: the sort's direction as the header shows it."""
        return "↑" if self.reverse else "↓"

    def in_force(self) -> list[str]:
        """Every filter in force, in few words, for a header that must always show them
        (the find text cut if long); a sort with no column of its own is named too."""
        parts = []
        if self.status:
            parts.append(ONLY.get(self.status, f"{self.status.lower()} only"))
        if self.text:
            text = self.text if len(self.text) <= FIND_SHOWN else self.text[: FIND_SHOWN - 1] + "…"
            parts.append(f"find “{text}”")
        if self.group:
            parts.append(f"by {GROUP_LABELS.get(self.group, self.group)}")
        if self.errors_first:
            parts.append("errors first")
        if self.sort not in SORT_COLUMNS:
            parts.append(f"sort {SORT_LABELS.get(self.sort, self.sort)} {self.arrow}")
        return parts

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
        if self.group:
            parts.append(f"grouped by {GROUP_LABELS.get(self.group, self.group)}")
        return " · ".join(parts)


@lru_cache(maxsize=64)
def _words(text: str) -> tuple[str, ...]:
    return tuple(text.lower().split())


def haystack(v: ConversationView) -> str:
    """The text `/` searches: title, id, repository, server, statuses, last error (kept on the
    view object: a keystroke searches every conversation, and a view never changes; a changed
    conversation is a new view, without it)."""
    cached = v.search_text
    if cached is None:
        cached = _haystack(v)
        object.__setattr__(v, "search_text", cached)  # a cache, not state: frozen otherwise
    return cached


def _haystack(v: ConversationView) -> str:
    err = v.last_error
    parts = (
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
    )
    return " ".join(filter(None, parts)).lower()


def matches(v: ConversationView, q: ListQuery) -> bool:
    """True when `v` passes the status filter and contains every word of the filter text."""
    if q.status is not None and v.status != q.status:
        return False
    words = q.words
    if not words:
        return True
    text = haystack(v)
    return all(w in text for w in words)


def _descending_text(text: str) -> tuple[int, ...]:
    """A key that orders strings backwards (a longer string after its own prefix)."""
    return (*(-ord(c) for c in text), 1)


def sort_key(v: ConversationView, q: ListQuery) -> tuple[Any, ...]:
    """`v`'s place in the query's order, as one comparable tuple (ties: newest created, key).

    Total and independent of the clock (time in state orders by when the state began), so a
    changed conversation can be moved by bisection instead of sorting the whole list again.
    """
    return sort_key_for(q)(v)


SortKey = Callable[[ConversationView], tuple[Any, ...]]


@lru_cache(maxsize=16)
def sort_key_for(q: ListQuery) -> SortKey:
    """`sort_key` for one query, its choices made once: ordering 100,000 conversations
    calls it for each."""
    descending = (q.sort in _DESCENDING) != q.reverse
    primary: Callable[[ConversationView], Any]
    if q.sort == "title":
        primary = _title_descending if descending else _title
    elif q.sort == "in_state":  # longest in state first = earliest start first
        primary = _since if descending else _negated(_since)
    else:
        value = _VALUES.get(q.sort, _status_rank)
        primary = _negated(value) if descending else value
    group, errors_first = q.group, q.errors_first

    def key(v: ConversationView) -> tuple[Any, ...]:
        created = v.created_at.timestamp() if v.created_at else 0.0
        later = errors_first and v.status != st.ERROR
        return (group_of(v, group), later, primary(v), -created, v.key)

    return key


def _status_rank(v: ConversationView) -> float:
    return float(STATUS_RANK.get(v.status, 5))


# The numeric sorts: a conversation's value, biggest first unless reversed (see _DESCENDING).
_VALUES: dict[str, Callable[[ConversationView], float]] = {
    "updated": lambda v: v.updated_at.timestamp() if v.updated_at else 0.0,
    "created": lambda v: v.created_at.timestamp() if v.created_at else 0.0,
    "cost": lambda v: v.cost or 0.0,
}


def _negated(value: Callable[[ConversationView], float]) -> Callable[[ConversationView], float]:
    def negated(v: ConversationView) -> float:
        return -value(v)

    return negated


def _title(v: ConversationView) -> str:
    return v.title.lower()


def _title_descending(v: ConversationView) -> tuple[int, ...]:
    return _descending_text(v.title.lower())


def _since(v: ConversationView) -> float:
    return v.status_since if v.status_since is not None else math.inf


def group_of(v: ConversationView, group: str | None) -> tuple[int, str]:
    """`v`'s group as (rank, label): groups order by rank, then label ("" when not grouping);
    conversations with no value (no repository, no error) come last."""
    if group == "server":
        return (0, v.server)
    if group == "repository":
        return (0, v.repository) if v.repository else (1, "no repository")
    if group == "error":
        err = v.last_error
        failing = v.status == st.ERROR or v.execution_status == "stuck"
        if failing and err is not None and err.code:
            return (0, err.code)
        return (1, "no error code yet") if failing else (2, "not failing")
    return (0, "")


def order(views: Iterable[ConversationView], q: ListQuery) -> list[Key]:
    """Keys of the views that match, in the query's order."""
    return [
        v.key for v in sorted((v for v in views if matches(v, q)), key=lambda v: sort_key(v, q))
    ]
