"""ServerMonitor: detects one server, lists and polls its conversations into the stores.

Two asyncio tasks per server: the poll loop (listing, a cheap look for new conversations,
batched polls) and the history loop (task lists and last errors from event histories), so a
slow history never holds back the polls. The next poll is planned after the previous one
finished, so polls never pile up; a failing server backs off with jitter and never ends a task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence

import httpx

from tui.client.config import ServerConfig
from tui.client.detect import detect, server_version
from tui.client.errors import ApiError, ErrorKind
from tui.client.rest import RestClient
from tui.client.sources import (
    BATCH_LIMIT,
    MAX_PAGES,
    NEWEST_LIMIT,
    AnyConversation,
    ConversationSource,
    DualSource,
    conversation_id,
)
from tui.store.mapping import from_any
from tui.store.stores import Stores
from tui.store.view import Key
from tui.store.websocket_store import LinkState, server_link
from tui.sync.backoff import Backoff
from tui.sync.delta import Delta
from tui.sync.details import DetailReader
from tui.sync.freshness import Mode, describe
from tui.sync.polling import PollIntervals, PollSchedule, top_up

log = logging.getLogger(__name__)
COALESCE = 1.0  # polls due within this window go out in the same batch
DETAILS_PER_CYCLE = 16
DETAILS_SHARE = 0.5  # histories start only below this use of the minute's request budget
DETAILS_CONCURRENCY = 4
NEWEST_PAGES = 5  # a look for new conversations reads at most this many small pages
APPLY_CHUNK = 500  # conversations applied between yields to the event loop


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
        known: bool = False,
    ) -> None:
        self.config = config
        self.name = config.label
        self.stores = stores
        self.intervals = intervals or PollIntervals()
        self.rest = RestClient(config, transport)
        self.source: ConversationSource | None = None
        self.schedule = PollSchedule()
        self.link = server_link(self.name)
        self.listed = False  # the first full listing is done
        # Detected as an OpenHands server before (in this run, or its conversations are in
        # the history): a page that is not the API is then a maintenance page, retried.
        self.known = known
        self.version: str | None = None
        self._clock = clock
        self._rng = rng or random.Random()
        self._backoff = backoff or Backoff(base=1.0, cap=60.0)
        self._details_enabled = details
        self.details = DetailReader(
            self.name, stores, lambda: self.source, lambda share: self.rest.budget.spare(share)
        )
        self._wake = asyncio.Event()
        self._force_discover = True
        self._next_discover = 0.0
        self._next_look = 0.0
        self._last_count: int | None = None
        self._answered_at: float | None = None  # wall time of the last cycle that went well
        self.delta = Delta(self.intervals)
        self._pushed_at: float | None = None  # monotonic time of its last push (webhooks)
        # Made once (at every reschedule, a copy per conversation was a listing's hot path).
        self._in_push = {False: self.intervals.in_push(), True: self.delta.asking.in_push()}

    # -- public ---------------------------------------------------------------------------

    def refresh_now(self) -> None:
        """Re-list and poll everything now (the `r` key)."""
        self._force_discover = True
        now = self._clock()
        for key in self.stores.status.all_keys():
            if key[0] == self.name and key in self.schedule:
                self.schedule.set(key, now)
        self._wake.set()

    def poll_soon(self, key: Key) -> None:
        """Re-read one conversation at the next cycle (after a stream reconnects or fails)."""
        view = self.stores.status.get(key)
        if key[0] == self.name and view is not None and not view.gone:
            self.schedule.set(key, self._clock())
            self._wake.set()

    def forget(self, key: Key) -> None:
        """A conversation gone for good: nothing of it is kept here."""
        self.schedule.drop(key)
        self.details.forget(key)

    async def run(self) -> None:
        """Monitor until cancelled. Never raises because the server misbehaves."""
        histories = asyncio.ensure_future(self.details.loop()) if self._details_enabled else None
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
                    what = f"unexpected {type(exc).__name__}: {exc}"[:200]
                    await self._failed(ApiError(ErrorKind.BAD_PAYLOAD, what), attempt)
        finally:
            if histories is not None:
                histories.cancel()
                await asyncio.gather(histories, return_exceptions=True)
            await self.rest.aclose()

    async def snapshot(self, histories: str = "errors") -> None:
        """Detect and list everything once (headless `status`, `wait`). Histories are read for
        ERROR conversations only ("errors": their last error), for all ("all"), or none."""
        await self._connect()
        await self._discover()
        if histories == "errors":
            self.details.errors_only()
        if histories != "none":
            await self.details.load(limit=None)
        self._link(LinkState.CONNECTED, detail=self._describe(), attempt=0)

    # -- the cycle ------------------------------------------------------------------------

    async def _connect(self) -> None:
        if self.source is not None:
            return
        self._link(
            LinkState.CONNECTING,
            detail=f"detecting the server (each request gives up after {self.rest.deadline:g}s)",
        )
        self.source = await detect(self.rest)
        self.known = True
        self.version = await server_version(self.rest)

    def _describe(self) -> str:
        assert self.source is not None
        label = self.source.kind.label
        if isinstance(self.source, DualSource):
            label = "app server V1 and V0"
        return f"{label} {self.version}" if self.version else label

    async def _cycle(self) -> None:
        now = self._clock()
        if self._force_discover or now >= self._next_discover:
            await self._discover()
        else:
            if self.delta.due(self.source, now):
                await self._changed()
            if now >= self._next_look:
                await self._look_for_new()
        due = self.schedule.pop_due(self._clock() + COALESCE)
        top_up(self.schedule, due, self._per_id(), self.stores.status, self._clock())
        for start in range(0, len(due), BATCH_LIMIT):
            chunk = due[start : start + BATCH_LIMIT]
            try:
                await self._poll(chunk)
            except BaseException:
                for key in due[start:]:  # nothing is lost: retry them after the backoff
                    self.schedule.set(key, self._clock())
                raise
        self._link(
            LinkState.CONNECTED,
            detail=self._describe(),
            attempt=0,
            next_retry_at=None,
            last_error=None,
        )
        self._answered_at = self.stores.status.wall()
        self.stores.status.set_confirmed(self.name)

    async def _discover(self) -> None:
        """List every conversation, applying each page as it comes (a big fleet fills the list
        while it is read), then confirm by id the known ones the listing no longer shows."""
        assert self.source is not None
        found: set[str] = set()
        cursors: set[str] = set()
        page: str | None = None
        if not self.listed:
            deadline = f"each page gives up after {self.rest.deadline:g}s"
            self._link(
                LinkState.CONNECTING, detail=f"listing: waiting for the first page ({deadline})"
            )
        for _ in range(MAX_PAGES):
            asked = time.monotonic()
            items, page, rejected = await self.source.list_page(page)
            self.stores.errors.count_rejected(self.name, rejected, "listed conversations")
            fresh = [i for i in items if conversation_id(i) not in found]
            found.update(conversation_id(i) for i in fresh)
            self.delta.listed(fresh)
            await self._apply_all(fresh, "discover", asked)
            if not self.listed:
                self._link(LinkState.CONNECTING, detail=f"listing: {len(found):,} so far")
            if not page or page in cursors:  # a repeated cursor would loop forever
                break
            cursors.add(page)
        now = self._clock()
        for key in self.stores.status.all_keys():
            view = self.stores.status.get(key)
            # Archived ones too (a restored row may have been deleted since): read by id.
            if key[0] == self.name and key[1] not in found and view and not view.deleted:
                self.schedule.set(key, now)
        self.listed = True
        self._force_discover = False
        asking = self.delta.since is not None
        self.delta.listing_done(now)
        if not asking and self.delta.works_for(self.source):  # just read: wait for the backstop
            for cid in found:
                self._reschedule((self.name, cid))
        self._next_discover = now + self._per_id().discover
        self._next_look = now + self.intervals.look

    async def _look_for_new(self) -> None:
        """Find new conversations soon without re-listing: a cheap count where the server has
        one, and only when it moved a few small pages, newest first, up to a known one."""
        assert self.source is not None
        self._next_look = self._clock() + self.intervals.look
        count = await self.source.count()
        if count is not None and count == self._last_count:
            return
        previous, self._last_count = self._last_count, count
        if count is not None and previous is not None and count < previous:
            self._force_discover = True  # some went away: the full listing tells which
            return
        page: str | None = None
        for _ in range(NEWEST_PAGES):
            asked = time.monotonic()
            items, page, rejected = await self.source.list_page(page, NEWEST_LIMIT)
            self.stores.errors.count_rejected(self.name, rejected, "listed conversations")
            known = self.stores.status
            new = [i for i in items if (self.name, conversation_id(i)) not in known]
            await self._apply_all(new, "discover", asked)
            if len(new) < len(items) or not page:
                return

    async def _changed(self) -> None:
        """Apply what changed since the last answer; too much asks for a full listing."""
        asked = time.monotonic()
        items, rejected, more = await self.delta.read(self.source, self._clock())
        if self.delta.refused:  # polled per id again: the backstop plans no longer hold
            self._force_discover = True
            return
        self.stores.errors.count_rejected(self.name, rejected, "changed conversations")
        await self._apply_all(items, "delta", asked)
        self._force_discover = self._force_discover or more

    def pushed(self, at: float) -> None:
        """The server pushed an event or a lifecycle post: poll it only as a heartbeat."""
        self._pushed_at = at

    def _per_id(self) -> PollIntervals:
        return self._mode()[1]

    def _mode(self) -> tuple[Mode, PollIntervals]:
        """How statuses are learnt now, and the per-id intervals that go with it."""
        intervals = self.delta.per_id(self.source)
        asking = intervals is self.delta.asking
        pushing = self._pushed_at is not None and (
            time.monotonic() - self._pushed_at < 2 * intervals.heartbeat
        )
        if pushing:
            return Mode.PUSH, self._in_push[asking]
        return (Mode.DELTA if asking else Mode.PER_ID), intervals

    async def _apply_all(
        self, items: Sequence[AnyConversation], reason: str, asked_at: float | None = None
    ) -> None:
        """Apply listed conversations in chunks, yielding between them so keys stay answered
        while a huge listing is applied."""
        for start in range(0, len(items), APPLY_CHUNK):
            with self.stores.status.batch():
                for item in items[start : start + APPLY_CHUNK]:
                    self._apply(item, reason, listed=True, asked_at=asked_at)
            await asyncio.sleep(0)

    async def _poll(self, keys: Sequence[Key]) -> None:
        assert self.source is not None
        asked = time.monotonic()  # a live state newer than this wins over the answer
        fetched = await self.source.fetch([k[1] for k in keys])
        self.stores.errors.count_rejected(self.name, fetched.rejected, "conversations")
        with self.stores.status.batch():
            for key in keys:
                if key[1] in fetched.refused:
                    self.stores.errors.add(self.name, "refused", fetched.refused[key[1]], key[1])
                    self._reschedule(key)
                    continue
                if key[1] not in fetched.found:
                    self._reschedule(key)  # not answered (rejected shape): keep polling
                    continue
                item = fetched.found[key[1]]
                if item is None:
                    self._gone(key)
                else:
                    self._apply(item, "poll", asked_at=asked)

    def _apply(
        self,
        item: AnyConversation,
        reason: str,
        listed: bool = False,
        asked_at: float | None = None,
    ) -> None:
        view = from_any(self.name, item, self.config.url)
        old = self.stores.status.get(view.key)
        self.stores.status.upsert(view, reason, asked_at=asked_at)
        moved = old is None or (old.status, old.gone) != (view.status, view.gone)
        # A listing does not push back a poll that is due (one that failed waits for its
        # retry): a working search must not hide a failing batch endpoint.
        self._reschedule(view.key, keep_earlier=listed and not moved)
        if self._details_enabled:
            self.details.note(view)

    def _gone(self, key: Key) -> None:
        self.stores.status.mark_gone(key)
        self.schedule.drop(key)
        self.details.drop(key)

    def _reschedule(self, key: Key, keep_earlier: bool = False) -> None:
        view = self.stores.status.get(key)
        delay = (
            None if view is None or view.gone else self._per_id().next_delay(view.status, self._rng)
        )
        if delay is None:
            self.schedule.drop(key)
            return
        at = self._clock() + delay
        current = self.schedule.due(key)
        if keep_earlier and current is not None and current < at:
            return
        self.schedule.set(key, at)

    # -- histories ------------------------------------------------------------------------

    async def load_details_of(self, key: Key) -> None:
        """One conversation's task list and last error, now (a report wants them)."""
        await self.details.of(key)

    # -- waiting and failing --------------------------------------------------------------

    def _next_wake(self) -> float:
        candidates = [self._next_discover]
        if self.intervals.look:
            candidates.append(self._next_look)
        if self.delta.works_for(self.source) and self.delta.since is not None:
            candidates.append(self.delta.next_at)
        if (due := self.schedule.next_time()) is not None:
            candidates.append(due)
        return min(candidates)

    async def _idle(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking early for `refresh_now`."""
        if seconds > 0:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
            # that lands as the wait ends, and a monitor that ignores its cancel never stops.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self._wake.wait()
        self._wake.clear()

    async def _failed(self, exc: ApiError, attempt: int) -> None:
        self.stores.errors.add(self.name, str(exc.kind), exc.message)
        # What it said before is what it said then: its rows are shown as unconfirmed.
        self.stores.status.set_unconfirmed(self.name, self._answered_at)
        log.warning("server %s: %s (%s), attempt %d", self.name, exc.message, exc.kind, attempt)
        # "Not an API" is final while detecting a server never seen; once one was detected, an
        # HTML page is most likely an ingress's maintenance page, so it is retried like a 503.
        fatal = exc.kind is ErrorKind.AUTH or (
            exc.kind is ErrorKind.NOT_API and self.source is None and not self.known
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

    def _link(
        self,
        state: LinkState,
        *,
        detail: str | None = None,
        attempt: int | None = None,
        next_retry_at: float | None = None,
        last_error: str | None = None,
    ) -> None:
        links = self.stores.links
        current = links.get(self.link)
        links.set(
            self.link,
            state=state,
            detail=current.detail if detail is None else detail,
            attempt=current.attempt if attempt is None else attempt,
            next_retry_at=next_retry_at,
            last_error=last_error,
            budget=self.rest.budget.describe(),
            freshness=self._freshness(),
        )

    def _freshness(self) -> str:
        """How this server's statuses are learnt now, in the words the panel shows."""
        return "" if self.source is None else describe(*self._mode())
