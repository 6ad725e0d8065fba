"""ServerMonitor: detects one server, lists and polls its conversations into the stores.

One asyncio task per server. The next poll is planned after the previous one finished, so polls
never pile up; a failing server backs off with jitter and never ends the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime

import httpx

from tui.client.config import ServerConfig
from tui.client.detect import detect, server_version
from tui.client.errors import ApiError, ErrorKind
from tui.client.rest import RestClient
from tui.client.sources import BATCH_LIMIT, MAX_PAGES, AnyConversation, ConversationSource
from tui.protocol import status as st
from tui.state.backoff import Backoff
from tui.state.mapping import from_any
from tui.state.polling import PollIntervals, PollSchedule
from tui.state.stores import Stores
from tui.state.view import ErrorInfo, Key
from tui.state.websocket_store import LinkState

log = logging.getLogger(__name__)
COALESCE = 1.0  # polls due within this window go out in the same batch
EARLY = 0.25  # a conversation may ride along in a batch this share of its interval early
DETAILS_PER_CYCLE = 16
DETAILS_SHARE = 0.5  # histories start only below this use of the minute's request budget
DETAILS_CONCURRENCY = 4


class ServerMonitor:
    """Keeps the stores current for one server over REST."""

    def __init__(
        self,
        config: ServerConfig,
        stores: Stores,
        intervals: PollIntervals | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        details: bool = True,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self.name = config.label
        self.stores = stores
        self.intervals = intervals or PollIntervals()
        self.rest = RestClient(config, transport)
        self.source: ConversationSource | None = None
        self.schedule = PollSchedule()
        self.link = f"server {self.name}"
        self._clock = clock
        self._rng = rng or random.Random()
        self._backoff = backoff or Backoff(base=1.0, cap=60.0)
        self._details_enabled = details
        self._details_wanted: dict[Key, bool] = {}  # key -> want the last error too
        self._details_mark: dict[Key, tuple[str, datetime | None]] = {}
        self._wake = asyncio.Event()
        self._force_discover = True
        self._next_discover = 0.0

    # -- public ---------------------------------------------------------------------------

    def refresh_now(self) -> None:
        """Re-list and poll everything now (the `r` key)."""
        self._force_discover = True
        for key in self.stores.status.all_keys():
            if key[0] == self.name and key in self.schedule:
                self.schedule.set(key, self._clock())
        self._wake.set()

    def poll_soon(self, key: Key) -> None:
        """Re-read one conversation at the next cycle (after a stream reconnects or fails)."""
        view = self.stores.status.get(key)
        if key[0] == self.name and view is not None and not view.gone:
            self.schedule.set(key, self._clock())
            self._wake.set()

    async def run(self) -> None:
        """Monitor until cancelled. Never raises because the server misbehaves."""
        attempt = 0
        try:
            while True:
                try:
                    await self._connect()
                    await self._cycle()
                    attempt = 0
                    await self._idle(self._next_wake() - self._clock())
                except ApiError as exc:
                    attempt += 1
                    await self._failed(exc, attempt)
                except Exception as exc:  # a bug must not end monitoring
                    log.exception("monitor %s failed", self.name)
                    attempt += 1
                    await self._failed(ApiError(ErrorKind.BAD_PAYLOAD, repr(exc)), attempt)
        finally:
            await self.rest.aclose()

    async def snapshot(self) -> None:
        """Detect, list everything and load details once (the headless `status` command)."""
        await self._connect()
        await self._discover()
        await self._load_details(limit=None)

    # -- the cycle ------------------------------------------------------------------------

    async def _connect(self) -> None:
        if self.source is not None:
            return
        self._link(LinkState.CONNECTING)
        self.source = await detect(self.rest)
        version = await server_version(self.rest)
        self._link(LinkState.CONNECTED, detail=_describe(self.source.kind, version), attempt=0)

    async def _cycle(self) -> None:
        now = self._clock()
        if self._force_discover or now >= self._next_discover:
            await self._discover()
        due = self.schedule.pop_due(self._clock() + COALESCE)
        self._top_up(due)
        for start in range(0, len(due), BATCH_LIMIT):
            chunk = due[start : start + BATCH_LIMIT]
            try:
                await self._poll(chunk)
            except ApiError:
                for key in due[start:]:  # nothing is lost: retry them after the backoff
                    self.schedule.set(key, self._clock())
                raise
        await self._load_details(limit=DETAILS_PER_CYCLE)
        self._link(
            LinkState.CONNECTED,
            attempt=0,
            next_retry_at=None,
            budget=self.rest.budget.describe(),
        )

    def _top_up(self, due: list[Key]) -> None:
        """Fill the last batch with the conversations due soonest, if each is within a quarter
        of its interval: a request that goes out anyway carries them, instead of jittered due
        times splitting one batch's worth into several requests."""
        now = self._clock()
        room = -len(due) % BATCH_LIMIT if due else 0
        while room and (nxt := self.schedule.peek()) is not None:
            at, key = nxt
            view = self.stores.status.get(key)
            every = self.intervals.base(view.status) if view is not None else None
            if every is None or at - now > every * EARLY:
                break
            self.schedule.drop(key)
            due.append(key)
            room -= 1

    async def _discover(self) -> None:
        assert self.source is not None
        found: dict[str, AnyConversation] = {}
        cursors: set[str] = set()
        page: str | None = None
        for _ in range(MAX_PAGES):
            items, page, rejected = await self.source.list_page(page)
            self.stores.errors.count_rejected(self.name, rejected, "listed conversations")
            for item in items:
                found.setdefault(from_any(self.name, item).id, item)
            if not page or page in cursors:  # a repeated cursor would loop forever
                break
            cursors.add(page)
        with self.stores.status.batch():
            for item in found.values():
                self._apply(item, "discover")
        # Known conversations the listing no longer shows: confirm them by id now.
        now = self._clock()
        for key in self.stores.status.all_keys():
            view = self.stores.status.get(key)
            if key[0] == self.name and key[1] not in found and view and not view.gone:
                self.schedule.set(key, now)
        self._force_discover = False
        self._next_discover = now + self.intervals.discover

    async def _poll(self, keys: Sequence[Key]) -> None:
        assert self.source is not None
        fetched = await self.source.fetch([k[1] for k in keys])
        self.stores.errors.count_rejected(self.name, fetched.rejected, "conversations")
        with self.stores.status.batch():
            for key in keys:
                if key[1] not in fetched.found:
                    self._reschedule(key)  # not answered (rejected shape): keep polling
                    continue
                item = fetched.found[key[1]]
                if item is None:
                    self._gone(key)
                else:
                    self._apply(item, "poll")

    def _apply(self, item: AnyConversation, reason: str) -> None:
        view = from_any(self.name, item)
        self.stores.status.upsert(view, reason)
        self._reschedule(view.key)
        mark = (view.status, view.updated_at)
        if self._details_enabled and not view.gone and self._details_mark.get(view.key) != mark:
            self._details_mark[view.key] = mark
            self._details_wanted[view.key] = view.status == st.ERROR

    def _gone(self, key: Key) -> None:
        self.stores.status.update(
            key, reason="deleted", status=st.ARCHIVED, execution_status=None, gone=True
        )
        self.schedule.drop(key)
        self._details_wanted.pop(key, None)

    def _reschedule(self, key: Key) -> None:
        view = self.stores.status.get(key)
        delay = (
            None if view is None or view.gone else self.intervals.next_delay(view.status, self._rng)
        )
        if delay is None:
            self.schedule.drop(key)
        else:
            self.schedule.set(key, self._clock() + delay)

    async def _load_details(self, limit: int | None) -> None:
        """Task lists and last errors from the event history, a few at a time."""
        if self.source is None or not self._details_wanted:
            return
        wanted = self._details_wanted
        # Errors first: their last error is what triage needs, before any task list.
        keys = sorted(wanted, key=lambda k: not wanted[k])[:limit]
        gate = asyncio.Semaphore(DETAILS_CONCURRENCY)

        async def one(key: Key) -> None:
            assert self.source is not None
            async with gate:
                # Polls come first: a history starts only while less than half of the last
                # minute's request budget is used (a big first load reads thousands).
                if limit is not None and self.rest.budget.spare(DETAILS_SHARE) <= 0:
                    return
                want_error = self._details_wanted.pop(key, False)
                try:
                    details = await self.source.details(key[1], want_error)
                except ApiError as exc:
                    if exc.fatal:
                        raise
                    self.stores.errors.add(self.name, str(exc.kind), exc.message, key[1])
                    return
            fields: dict[str, object] = {}
            if details.tasks is not None:
                fields["tasks"] = tuple(details.tasks)
            if details.error is not None:
                fields["last_error"] = ErrorInfo.from_event(details.error)
            if fields:
                self.stores.status.update(key, reason="details", **fields)

        await asyncio.gather(*(one(k) for k in keys))

    # -- waiting and failing --------------------------------------------------------------

    def _next_wake(self) -> float:
        candidates = [self._next_discover]
        if (due := self.schedule.next_time()) is not None:
            candidates.append(due)
        if self._details_wanted:
            candidates.append(self._clock() + 1.0)
        return min(candidates)

    async def _idle(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking early for `refresh_now`."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _failed(self, exc: ApiError, attempt: int) -> None:
        self.stores.errors.add(self.name, str(exc.kind), exc.message)
        log.warning("server %s: %s (%s), attempt %d", self.name, exc.message, exc.kind, attempt)
        # "Not an API" is final while detecting; once detected, an HTML page is most likely an
        # ingress's maintenance page, so it is retried like a 503.
        fatal = exc.kind is ErrorKind.AUTH or (
            exc.kind is ErrorKind.NOT_API and self.source is None
        )
        if fatal:
            # Retrying with the same credentials or URL cannot help; wait for a reload (`r`).
            self._link(LinkState.FAILED, last_error=exc.message, next_retry_at=None)
            self.source = None
            self._wake.clear()
            await self._wake.wait()
            return
        delay = (
            exc.retry_after
            if exc.retry_after is not None
            else self._backoff.delay(attempt, self._rng)
        )
        self._link(
            LinkState.RECONNECTING,
            last_error=exc.message,
            attempt=attempt,
            next_retry_at=self._clock() + delay,
        )
        await self._idle(delay)

    def _link(self, state: LinkState, **fields: object) -> None:
        self.stores.links.set(self.link, state=state, **fields)


def _describe(kind: str, version: str | None) -> str:
    names = {"v1": "app server V1", "v0": "app server V0", "agent": "agent server"}
    label = names.get(kind, kind)
    return f"{label} {version}" if version else label
