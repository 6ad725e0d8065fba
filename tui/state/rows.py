"""The rows the list shows, kept in order as conversations change."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from tui.state.query import ListQuery, matches, sort_key
from tui.state.view import ConversationView, Key


class RowOrder:
    """Shown rows in the query's order. A changed conversation moves by bisection, so a burst
    of changes costs O(changes x log n) comparisons instead of re-sorting every row."""

    def __init__(self) -> None:
        self.query = ListQuery()
        self.rows: list[Key] = []
        self._sorted: list[tuple[Any, ...]] = []  # sort keys, parallel to `rows`
        self._placed: dict[Key, tuple[Any, ...] | None] = {}  # None: known but filtered out
        self._views: dict[Key, ConversationView] = {}  # as last ordered (kept while finding)

    def rebuild(self, views: Iterable[ConversationView], query: ListQuery) -> None:
        """Order everything from scratch (a new query, or the first data)."""
        if self._narrows(query):
            self._narrow(query)
            return
        self.query = query
        placed = {v.key: sort_key(v, query) if matches(v, query) else None for v in views}
        self._placed = placed
        self._sorted = sorted(k for k in placed.values() if k is not None)
        self.rows = [k[-1] for k in self._sorted]
        self._views = {v.key: v for v in views} if query.text else {}

    def _narrows(self, query: ListQuery) -> bool:
        """The new query only adds letters to the find text: what it shows is a subset of
        what is shown, in the same order (typing, one keystroke after another)."""
        old = self.query
        same_order = replace(old, text=query.text) == query
        return (
            same_order and bool(old.text) and query.text.startswith(old.text) and bool(self._views)
        )

    def _narrow(self, query: ListQuery) -> None:
        keep = [
            (place, key)
            for place, key in zip(self._sorted, self.rows, strict=True)
            if (view := self._views.get(key)) is not None and matches(view, query)
        ]
        dropped = set(self.rows) - {key for _, key in keep}
        for key in dropped:
            self._placed[key] = None
        self._sorted = [place for place, _ in keep]
        self.rows = [key for _, key in keep]
        self.query = query

    def position(self, key: Key) -> int | None:
        """The row of `key`, or None when it is not shown (found by bisection)."""
        place = self._placed.get(key)
        return None if place is None else bisect_left(self._sorted, place)

    def update(self, changed: Iterable[tuple[Key, ConversationView | None]]) -> bool:
        """Move, add or drop the changed conversations. True when any row moved."""
        moved = False
        for key, view in changed:
            new = sort_key(view, self.query) if view and matches(view, self.query) else None
            old = self._placed.get(key)
            if view is None:
                self._placed.pop(key, None)
                self._views.pop(key, None)
            else:
                self._placed[key] = new
                if self.query.text:
                    self._views[key] = view
            if new == old:
                continue
            if old is not None:
                i = bisect_left(self._sorted, old)
                del self._sorted[i], self.rows[i]
            if new is not None:
                i = bisect_left(self._sorted, new)
                self._sorted.insert(i, new)
                self.rows.insert(i, key)
            moved = True
        return moved
