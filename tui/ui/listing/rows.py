"""The rows the list shows, kept in order as conversations change."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import replace
from itertools import compress
from typing import Any

from tui.store.view import ConversationView, Key
from tui.ui.listing.query import ListQuery, haystack, matches, sort_key, sort_key_for


class RowOrder:
    """Shown rows in the query's order. A changed conversation moves by bisection, so a burst
    of changes costs O(changes x log n) comparisons instead of re-sorting every row."""

    def __init__(self) -> None:
        self.query = ListQuery()
        self.rows: list[Key] = []
        self._sorted: list[tuple[Any, ...]] = []  # sort keys, parallel to `rows`
        self._placed: dict[Key, tuple[Any, ...] | None] = {}  # None: known but filtered out
        self._texts: list[str] | None = None  # searched text, parallel to `rows` while finding

    def requery(self, views: Iterable[ConversationView], query: ListQuery) -> None:
        """Show what a new query selects; typing on in the find text only narrows the rows."""
        if not self._narrows(query):
            self.rebuild(views, query)
            return
        if self._texts is None:  # finding starts: the rows shown, with their text
            self._texts = self._search_texts(views)
        self._narrow(query)

    def rebuild(self, views: Iterable[ConversationView], query: ListQuery) -> None:
        """Order everything from scratch (a new query, or the first data)."""
        self.query = query
        key = sort_key_for(query)
        placed = {v.key: key(v) if matches(v, query) else None for v in views}
        self._placed = placed
        self._sorted = sorted(k for k in placed.values() if k is not None)
        self.rows = [k[-1] for k in self._sorted]
        self._texts = self._search_texts(views) if query.text else None

    def _search_texts(self, views: Iterable[ConversationView]) -> list[str]:
        """What find searches of each shown row, parallel to `rows`."""
        by_key = {v.key: v for v in views}
        return [haystack(by_key[key]) for key in self.rows]

    def _narrows(self, query: ListQuery) -> bool:
        """The new query only adds letters to the find text: what it shows is a subset of
        what is shown, in the same order (typing, one keystroke after another)."""
        old = self.query
        same_order = replace(old, text=query.text) == query
        return (
            same_order
            and bool(self.rows)
            and query.text != old.text
            and query.text.startswith(old.text)
            and (self._texts is not None or not old.text)
        )

    def _narrow(self, query: ListQuery) -> None:
        # Every word the old text had matched already; only the last one may have grown, and
        # words after it are new: those alone are looked for (one, while typing a word).
        old = self.query.text
        done = len(self.query.words) - (0 if old[-1:].isspace() or not old else 1)
        fresh = query.words[done:]
        texts = self._texts or []
        if len(fresh) == 1:  # the same, a good deal faster
            word = fresh[0]
            keep = [word in text for text in texts]
        else:
            keep = [all(w in text for w in fresh) for text in texts]
        self.query = query
        if False not in keep:  # typing the word every row has
            return
        placed = self._placed
        for key in compress(self.rows, [not k for k in keep]):
            placed[key] = None
        self._sorted = list(compress(self._sorted, keep))
        self.rows = list(compress(self.rows, keep))
        self._texts = list(compress(texts, keep))

    def group_at(self, row: int) -> tuple[int, str]:
        """The group (rank, label) of the row at `row` (see query.group_of)."""
        group: tuple[int, str] = self._sorted[row][0]
        return group

    def starts_group(self, row: int) -> bool:
        """True when `row` is its group's first row."""
        return row == 0 or self._sorted[row - 1][0] != self._sorted[row][0]

    def group_size(self, row: int) -> int:
        """How many rows the group of `row` has (found by bisection)."""
        rank, label = self.group_at(row)
        start = bisect_left(self._sorted, ((rank, label),))
        end = bisect_left(self._sorted, ((rank, label + "\x00"),))  # before the next label
        return end - start

    def position(self, key: Key) -> int | None:
        """The row of `key`, or None when it is not shown (found by bisection)."""
        place = self._placed.get(key)
        return None if place is None else bisect_left(self._sorted, place)

    def update(self, changed: Iterable[tuple[Key, ConversationView | None]]) -> bool:
        """Move, add or drop the changed conversations. True when any row moved."""
        moved = False
        texts = self._texts
        for key, view in changed:
            new = sort_key(view, self.query) if view and matches(view, self.query) else None
            old = self._placed.get(key)
            if view is None:
                self._placed.pop(key, None)
            else:
                self._placed[key] = new
            if new == old:
                if new is not None and texts is not None and view is not None:
                    texts[bisect_left(self._sorted, new)] = haystack(view)  # same place
                continue
            if old is not None:
                i = bisect_left(self._sorted, old)
                del self._sorted[i], self.rows[i]
                if texts is not None:
                    del texts[i]
            if new is not None and view is not None:
                i = bisect_left(self._sorted, new)
                self._sorted.insert(i, new)
                self.rows.insert(i, key)
                if texts is not None:
                    texts.insert(i, haystack(view))
            moved = True
        return moved
