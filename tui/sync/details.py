"""Task lists and last errors, read from conversations' event histories a few at a time beside
the polls (a slow history never holds back a poll): only when a conversation's status or
update time moved, ERROR ones first, and only while the server's request budget has room."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from tui.client.errors import ApiError
from tui.client.sources import ConversationSource, Details
from tui.protocol import status as st
from tui.store.pending import pending_actions
from tui.store.stores import Stores
from tui.store.view import ConversationView, ErrorInfo, Key

log = logging.getLogger(__name__)
DETAILS_PER_CYCLE = 16
DETAILS_SHARE = 0.5  # histories start only below this use of the minute's request budget
DETAILS_CONCURRENCY = 4
RECENT = 100  # newest events read to find a waiting conversation's pending actions


class DetailReader:
    """The histories one server's monitor wants read, and the loop that reads them."""

    def __init__(
        self,
        name: str,
        stores: Stores,
        source: Callable[[], ConversationSource | None],
        spare: Callable[[float], float],
    ) -> None:
        self.name = name
        self.stores = stores
        self._source = source
        self._spare = spare  # the request budget left below a share of it
        self.wanted: dict[Key, bool] = {}  # key -> want the last error too
        self.waiting: set[Key] = set()  # waiting for confirmation: what for is read too
        self._mark: dict[Key, tuple[str, datetime | None]] = {}
        self.wake = asyncio.Event()

    def note(self, view: ConversationView) -> None:
        """A conversation was read: its history is wanted again if its status or update moved."""
        mark = (view.status, view.updated_at)
        if not view.gone and self._mark.get(view.key) != mark:
            self._mark[view.key] = mark
            self.wanted[view.key] = view.status == st.ERROR
            if view.execution_status == "waiting_for_confirmation":
                self.waiting.add(view.key)
            else:
                self.waiting.discard(view.key)
            self.wake.set()

    def drop(self, key: Key) -> None:
        """No longer wanted (gone)."""
        self.wanted.pop(key, None)

    def forget(self, key: Key) -> None:
        """Gone for good: nothing of it is kept."""
        self._mark.pop(key, None)
        self.wanted.pop(key, None)
        self.waiting.discard(key)

    def errors_only(self) -> None:
        """Keep only the ERROR conversations' histories (headless `status`)."""
        self.wanted = {k: True for k, err in self.wanted.items() if err}

    async def of(self, key: Key) -> None:
        """One conversation's task list and last error, now (a report wants them)."""
        source = self._source()
        if source is not None:
            self._store(key, await source.details(key[1], True))

    async def loop(self) -> None:
        """Read histories a few at a time while the poll loop goes on."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self._source() is None:
                continue
            try:
                await self.load(limit=DETAILS_PER_CYCLE)
            except ApiError as exc:
                self.stores.errors.add(self.name, str(exc.kind), f"history: {exc.message}")
            except Exception:  # a bug must not end the loop
                log.exception("histories of %s failed", self.name)
            if self.wanted:
                await asyncio.sleep(1.0)  # the budget share refills; look again
                self.wake.set()

    async def load(self, limit: int | None) -> None:
        """Task lists and last errors from the event history, a few at a time."""
        source = self._source()
        if source is None or not self.wanted:
            return
        wanted = self.wanted
        # Errors first: their last error is what triage needs, before any task list.
        keys = sorted(wanted, key=lambda k: not wanted[k])[:limit]
        gate = asyncio.Semaphore(DETAILS_CONCURRENCY)

        async def one(key: Key) -> None:
            async with gate:
                # Polls come first: a history starts only while less than half of the last
                # minute's request budget is used (a big first load reads thousands).
                if limit is not None and self._spare(DETAILS_SHARE) <= 0:
                    return
                want_error = self.wanted.pop(key, False)
                try:
                    details = await source.details(key[1], want_error)
                    if key in self.waiting:  # what it waits for: its unanswered actions
                        recent = await source.recent(key[1], RECENT)
                        self.stores.status.set_details(key, pending=pending_actions(recent or ()))
                except ApiError as exc:
                    if exc.fatal:
                        raise
                    self.stores.errors.add(self.name, str(exc.kind), exc.message, key[1])
                    return
            self._store(key, details)

        await asyncio.gather(*(one(k) for k in keys))

    def _store(self, key: Key, details: Details) -> None:
        self.stores.status.set_details(
            key,
            tasks=tuple(details.tasks) if details.tasks is not None else None,
            last_error=ErrorInfo.from_event(details.error) if details.error else None,
        )
