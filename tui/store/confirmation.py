"""What a server that stopped answering still shows: its rows as they were when it last
answered, marked stale, counted as unconfirmed (part of the status store)."""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractContextManager

from tui.store.view import ConversationView, Key


class Confirmation:
    """The status store's record of servers not answering now (mixed into `StatusStore`,
    whose views, tallies and batching it reads)."""

    _views: dict[Key, ConversationView]
    _server_counts: Counter[tuple[str, str]]
    _stale_by_server: Counter[str]
    _pending: set[Key]
    _unconfirmed: dict[str, float | None]

    def batch(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def set_unconfirmed(self, server: str, since: float | None) -> None:
        """`server` stopped answering; it last answered at `since` (None: not this run). Its
        rows are shown as they were then, marked stale."""
        if self._unconfirmed.get(server, -1.0) != since:
            self._unconfirmed[server] = since
            self._mark_server(server)

    def set_confirmed(self, server: str) -> None:
        """`server` answers again: its rows are live."""
        if self._unconfirmed.pop(server, -1.0) != -1.0:
            self._mark_server(server)

    def unconfirmed(self) -> dict[str, float | None]:
        """Servers not answering now, with when they last answered."""
        return dict(self._unconfirmed)

    def as_shown(self, view: ConversationView) -> ConversationView:
        """The view as every face shows it: stale, as of its last confirmation, when its server
        is not answering (a copy: the store keeps the view as the server last said it)."""
        if view.server not in self._unconfirmed or view.deleted:
            return view
        since = self._unconfirmed[view.server]
        if view.stale and view.confirmed_at is not None and since is None:
            return view  # restored, and its server has not answered this run yet
        return view.evolve(stale=True, confirmed_at=since)

    def unconfirmed_rows(self) -> int:
        """Rows not confirmed by their server now (restored ones included)."""
        return sum(self.unconfirmed_by_server().values())

    def unconfirmed_by_server(self) -> Counter[str]:
        """Per server, its rows not confirmed now: all of them while it does not answer, else
        those restored from an earlier run and not read yet."""
        out: Counter[str] = Counter()
        for (server, _status), n in self._server_counts.items():
            if server in self._unconfirmed:
                out[server] += n
        for server, n in self._stale_by_server.items():
            if server not in self._unconfirmed:
                out[server] += n
        return +out

    def _mark_server(self, server: str) -> None:
        with self.batch():
            for key in self._views:
                if key[0] == server:
                    self._pending.add(key)
