"""StreamWorker: keeps one conversation's event stream up, with backoff, and tracks its cursor.

    DISCONNECTED -> CONNECTING -> CONNECTED -> (link drops) RECONNECTING -> CONNECTING ...
    4001 / 4004 -> FAILED: not retried until the conversation's URL or key changes (REST re-read)

Backoff is exponential with full jitter (base 1 s, cap 30 s), reset only after a link stayed
up `stable_after` seconds; 1013 ("try again later") backs off on a longer scale.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections.abc import Awaitable, Callable

from tui.client.open_stream import LiveStream, open_stream
from tui.client.stream import CloseKind, Endpoint, Incoming, StreamError, StreamTarget
from tui.protocol.session import ErrorFrame, SyncFrame
from tui.store.view import Key
from tui.store.websocket_store import LinkState, WebSocketStore
from tui.sync.ingest import EventSink
from tui.sync.stream_parts import (
    Cursor,
    FloodGuard,
    HandshakeGate,
    StreamPolicy,
    _later_or_equal,
)

StreamFactory = Callable[..., LiveStream]
# Closes that retrying the same URL and key cannot mend: wait for REST to bring new ones.
FINAL = {
    CloseKind.AUTH: "auth failed",
    CloseKind.NOT_FOUND: "not found",
    CloseKind.UNSUPPORTED: "not found",
    CloseKind.REFUSED: "refused",
}
SNAPSHOT_KIND = "ConversationStateUpdateEvent"
log = logging.getLogger(__name__)
CLOSE_TIMEOUT = 3.0
Sleep = Callable[[float], Awaitable[None]]


PUBLISH_EVERY = 0.5  # seconds between two updates of a link's counters
MAX_SEQ = 10_000_000  # no conversation has ten million events
MAX_SEQ_STEP = 10_000  # durable seqs run one by one; this is a generous slack


class StreamWorker:
    """Runs until cancelled; never raises because a link misbehaves."""

    def __init__(
        self,
        key: Key,
        link: str,
        target: Callable[[], StreamTarget | None],
        sink: EventSink,
        links: WebSocketStore,
        gate: HandshakeGate,
        *,
        policy: StreamPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        on_reconnected: Callable[[Key], None] = lambda _key: None,
        on_fatal: Callable[[Key], None] = lambda _key: None,
        on_reject: Callable[[str], None] = lambda _reason: None,
        factory: StreamFactory = open_stream,
        why_not: Callable[[], str] = lambda: "no agent-server URL yet",
    ) -> None:
        self.key = key
        self.link = link
        self._target = target
        self._sink = sink
        self._links = links
        self._gate = gate
        self.policy = policy or StreamPolicy()
        self._clock = clock
        self._wall = wall
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_reconnected = on_reconnected
        self._on_fatal = on_fatal
        self._on_reject = on_reject
        self._factory = factory
        self._why_not = why_not  # why there is no target, when there is none
        self._wake = asyncio.Event()
        self.cursor = Cursor()
        self.endpoint = Endpoint.SESSION
        self.attempt = 0
        self.connects = 0
        self.delays: list[float] = []  # every backoff delay chosen (visible to tests)
        self._through = 0  # the last history seq announced by the sync frame
        self._replaying = False  # between a sync frame and the snapshot after the replay
        self.implausible = 0  # seqs not followed
        self._up_since = 0.0
        self.unexpected = 0  # failures that were not the link's (shown and retried)
        self.received = 0  # events taken in over every link so far
        self.last_event_at: float | None = None
        self._published_at = float("-inf")
        self._publish_later: asyncio.TimerHandle | None = None

    def notify(self) -> None:
        """The conversation changed over REST (maybe a new URL or key): look again."""
        self._wake.set()

    async def run(self) -> None:
        """Connect, stream, reconnect; until cancelled. The link is made here, once, and only
        updated after: a worker stopped (its link removed) never brings the link back."""
        self._links.set(self.link, group=self.key[0])
        await self._pause(self._rng.uniform(0.0, self.policy.stagger))
        failed_target: StreamTarget | None = None
        while True:
            target = self._target()
            if target is None or target == failed_target:
                if target is None:
                    self._links.update(
                        self.link, state=LinkState.DISCONNECTED, last_error=self._why_not()
                    )
                await self._wait_for_change()
                continue
            failed_target = None
            try:
                await self._connect_and_stream(target)
            except asyncio.CancelledError:
                raise
            except StreamError as exc:
                if exc.kind is CloseKind.UNSUPPORTED and self.endpoint is Endpoint.SESSION:
                    self.endpoint = Endpoint.EVENTS  # an older server: use the legacy socket
                    self._links.update(
                        self.link, state=LinkState.CONNECTING, last_error=exc.message
                    )
                    continue
                if exc.kind in FINAL:
                    failed_target = target
                    self.attempt = 0
                    label = FINAL[exc.kind]
                    self._links.update(
                        self.link,
                        state=LinkState.FAILED,
                        last_error=f"{label}: {exc.message}",
                        last_close_code=exc.code,
                        next_retry_at=None,
                    )
                    self._on_fatal(self.key)
                    continue
                await self._back_off(exc)
            except Exception as exc:  # a bug or an odd value: shown, counted, retried
                log.exception("%s: unexpected failure", self.link)
                self.unexpected += 1
                what = f"unexpected {type(exc).__name__}: {exc}"[:160]
                await self._back_off(StreamError(CloseKind.DROPPED, what))

    async def _connect_and_stream(self, target: StreamTarget) -> None:
        self._links.update(
            self.link,
            state=LinkState.CONNECTING
            if self.connects == 0 and self.attempt == 0
            else LinkState.RECONNECTING,
            attempt=self.attempt,
            next_retry_at=None,
        )
        stream = self._factory(
            target,
            self.endpoint,
            after_seq=self.cursor.seq if self.cursor.seq is not None else -1,
            after_timestamp=self.cursor.timestamp,
            on_reject=self._on_reject,
        )
        try:
            async with self._gate:
                await stream.connect()
        except BaseException:
            await _close(stream)  # release what a half-open attempt holds
            raise
        up_since = self._up_since = self._clock()
        self.cursor.connected()
        self.connects += 1
        self._links.update(
            self.link,
            state=LinkState.CONNECTED,
            last_error=None,
            detail=f"/sockets/{self.endpoint.value}",
        )
        if self.connects > 1:
            self._on_reconnected(self.key)  # reconcile: re-read status over REST
        try:
            flood = FloodGuard(self.policy.flood_rate, self._clock)
            async for item in stream.items():
                self._handle(item)
                if flood.count():
                    await asyncio.sleep(0)  # let keys and other links be served in a burst
                if flood.over():
                    raise StreamError(
                        CloseKind.TRY_LATER,
                        f"flooding: over {self.policy.flood_rate:,} frames/s; "
                        "followed over REST for now",
                    )
        except StreamError:
            if self._clock() - up_since >= self.policy.stable_after:
                self.attempt = 0
            raise
        finally:
            self.publish_counts()
            await _close(stream)

    def _handle(self, item: Incoming | SyncFrame | ErrorFrame) -> None:
        if isinstance(item, SyncFrame):
            through = item.through_seq or 0
            # The replay ends with the transient snapshot, whatever `through_seq` claims: a
            # bogus huge one must not mark every later live update as history.
            self._through = through if 0 <= through <= MAX_SEQ else 0
            self._replaying = True
            return
        if isinstance(item, ErrorFrame):
            self._links.update(
                self.link,
                state=LinkState.CONNECTED,
                last_error=f"server: {item.code} {item.detail}"[:160],
            )
            return
        if item.seq is not None:
            self._advance_seq(item.seq)
            if self._replaying and item.seq <= self._through:
                item = dataclasses.replace(item, replay=True)
        elif not item.persisted and item.event.kind == SNAPSHOT_KIND:
            self._replaying = False  # the session socket sends its snapshot after the replay
            if item.event.timestamp:
                self._advance_timestamp(item)
        elif item.event.timestamp:
            self._advance_timestamp(item)
        self._sink.ingest(self.key, item)
        self.received += 1
        if self._heard(item):
            self.last_event_at = self._wall()
        # The link's counters are published a few times a second, not per event: every link
        # change redraws the connection panel.
        if self._clock() - self._published_at >= PUBLISH_EVERY:
            self.publish_counts()
        elif self._publish_later is None:  # the stream may go quiet: publish them anyway
            loop = asyncio.get_running_loop()
            self._publish_later = loop.call_later(PUBLISH_EVERY, self.publish_counts)

    def _heard(self, item: Incoming) -> bool:
        """A sign of life from the conversation now: a persisted event sent live. History
        replayed on (re)connect and the connect snapshot are old news: counting them as heard
        would reset a silent conversation's silence at every reconnect."""
        if item.replay or not item.persisted:
            return False
        if self.endpoint is Endpoint.EVENTS:  # legacy: live once past the connect snapshot
            mark, stamp = self.cursor.connect_mark, item.event.timestamp
            return mark is not None and bool(stamp) and _later_or_equal(stamp, mark)
        return True

    def publish_counts(self) -> None:
        """Put the events received (and when the last came) in the link store."""
        if self._publish_later is not None:
            self._publish_later.cancel()
            self._publish_later = None
        self._published_at = self._clock()
        self._links.update(self.link, received=self.received, last_event_at=self.last_event_at)

    def _advance_seq(self, seq: int) -> None:
        """Move the resume cursor forward, only by a plausible step. Durable seqs run one by
        one; a jump far past anything real (a bogus huge seq) would make every reconnect ask
        for history after it, so it is counted and not followed. Duplicates are dropped by
        event id in the store. (A V0 server sends its newest agent state last, after
        higher-numbered events: a lower seq never moves the cursor back.)"""
        current = self.cursor.seq if self.cursor.seq is not None else -1
        if seq <= current:
            return
        if seq > current + MAX_SEQ_STEP:
            self.implausible += 1
            self._on_reject(f"implausible seq {seq} (cursor at {current}); not followed")
            return
        self.cursor.seq = seq

    def _advance_timestamp(self, item: Incoming) -> None:
        """Legacy socket: keep the server's timestamp verbatim (it compares it as sent)."""
        stamp = item.event.timestamp
        if not item.persisted:
            if self.cursor.connect_mark is None and item.event.kind == SNAPSHOT_KIND:
                self.cursor.connect_mark = stamp
            return
        settled = self._clock() - self._up_since >= self.policy.stable_after
        if settled:
            self.cursor.settle()
        self.cursor.saw(stamp, settled)

    async def _back_off(self, exc: StreamError) -> None:
        self.attempt += 1
        log.info("%s: %s; attempt %d", self.link, exc.message, self.attempt)
        scale = self.policy.busy_backoff if exc.kind is CloseKind.TRY_LATER else self.policy.backoff
        delay = scale.delay(self.attempt, self._rng)
        self.delays.append(delay)
        self._links.update(
            self.link,
            state=LinkState.RECONNECTING,
            attempt=self.attempt,
            next_retry_at=self._clock() + delay,
            last_error=exc.message,
            last_close_code=exc.code,
        )
        await self._pause(delay)

    async def _pause(self, seconds: float) -> None:
        if self._sleep is not None:
            await self._sleep(seconds)
        elif seconds > 0:
            await asyncio.sleep(seconds)

    async def _wait_for_change(self) -> None:
        self._wake.clear()
        await self._wake.wait()


async def _close(stream: LiveStream) -> None:
    """Close a stream without letting a dying server hold the worker (or its cancellation)."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.shield(stream.close()), CLOSE_TIMEOUT)
