"""StreamWorker policy with a scripted stream: backoff (injected clock), fatal closes, fallback."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import ManualClock
from tests.helpers import wait_for
from tui.client.stream import (
    CloseKind,
    Endpoint,
    Incoming,
    StreamError,
    StreamItem,
    StreamTarget,
)
from tui.protocol.events import parse_event
from tui.protocol.session import SyncFrame
from tui.protocol.status import ServerKind
from tui.store.stores import Stores
from tui.store.view import ConversationView
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff
from tui.sync.ingest import EventSink
from tui.sync.stream_parts import HandshakeGate, StreamPolicy
from tui.sync.stream_worker import StreamWorker

KEY = ("s", "c" * 32)


class Script:
    """Each connect() takes the next step: an exception, or a list of items then a close."""

    def __init__(self, steps: list[Any]) -> None:
        self.steps = steps
        self.calls: list[dict[str, Any]] = []

    def factory(self, target: StreamTarget, endpoint: Endpoint, **kw: Any) -> FakeStream:
        self.calls.append({"target": target, "endpoint": endpoint, **kw})
        return FakeStream(self.steps.pop(0) if self.steps else None)


class FakeStream:
    def __init__(self, step: Any) -> None:
        self.step = step

    async def connect(self) -> None:
        if self.step is None:  # the script is over: hang here, as a silent server would
            await asyncio.Event().wait()
        if isinstance(self.step, StreamError):
            raise self.step

    async def items(self) -> AsyncIterator[StreamItem]:
        items, end, before_end = self.step
        for item in items:
            yield item
        if before_end is not None:
            await before_end()
        raise end

    async def close(self) -> None:
        return None


class Harness:
    """A worker with a manual clock; `sleep` records delays and advances the clock."""

    def __init__(self, steps: list[Any], target: StreamTarget | None = None) -> None:
        self.clock = ManualClock()
        self.stores = Stores()
        self.stores.status.upsert(
            ConversationView(
                server="s",
                id=KEY[1],
                kind=ServerKind.AGENT,
                status="RUNNING",
                execution_status="running",
            )
        )
        self.script = Script(steps)
        self.target = target or StreamTarget("http://h", KEY[1], "k")
        self.fatal: list[object] = []
        self.reconnected: list[object] = []
        self.slept: list[float] = []
        self.worker = StreamWorker(
            KEY,
            "stream s/c",
            lambda: self.target,
            EventSink(self.stores),
            self.stores.links,
            HandshakeGate(2),
            policy=StreamPolicy(stagger=0.0),
            clock=self.clock,
            sleep=self.sleep,
            rng=random.Random(7),
            on_fatal=self.fatal.append,
            on_reconnected=self.reconnected.append,
            factory=self.script.factory,
        )

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)

    def state(self) -> LinkState:
        return self.stores.links.get("stream s/c").state


def _drop(code: int = 1006) -> StreamError:
    return StreamError(CloseKind.DROPPED, f"closed {code}", code)


async def _run_until(h: Harness, condition: Any) -> None:
    task = asyncio.create_task(h.worker.run())
    try:
        await wait_for(condition, timeout=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_backoff_grows_exponentially_with_full_jitter_up_to_the_cap() -> None:
    h = Harness([_drop() for _ in range(9)])
    await _run_until(h, lambda: len(h.script.calls) == 10)
    ceilings = [Backoff(1.0, 30.0).ceiling(n) for n in range(1, 10)]
    assert len(h.worker.delays) == 9
    assert all(0 <= d <= c for d, c in zip(h.worker.delays, ceilings, strict=True))
    assert h.worker.delays[-1] > 1.0  # jittered within 0..30, not stuck at the base
    assert h.state() is LinkState.RECONNECTING and h.stores.links.get("stream s/c").attempt >= 9


async def test_attempts_reset_only_after_a_link_stayed_up() -> None:
    h = Harness([])

    async def short() -> None:
        h.clock.advance(2)  # up for 2 s: not stable

    async def long() -> None:
        h.clock.advance(11)  # up for 11 s: stable, attempts reset

    h.script.steps = [_drop(), _drop(), ([], _drop(), short), ([], _drop(), long), _drop()]
    await _run_until(h, lambda: len(h.worker.delays) >= 5)
    await wait_for(lambda: len(h.script.calls) == 6)  # the sixth connect hangs
    # attempts: 1, 2, 3 (up 2 s: not stable), then up 11 s: reset, so 1, 2
    assert [round(Backoff(1.0, 30.0).ceiling(n)) for n in (1, 2, 3, 1, 2)] == [1, 2, 4, 1, 2]
    assert all(d <= c for d, c in zip(h.worker.delays, (1, 2, 4, 1, 2), strict=True))
    assert h.stores.links.get("stream s/c").attempt == 2


async def test_1013_backs_off_on_the_longer_scale() -> None:
    busy = [
        StreamError(CloseKind.TRY_LATER, "closed 1013: Too many connections", 1013)
        for _ in range(3)
    ]
    h = Harness(busy)
    await _run_until(h, lambda: len(h.script.calls) == 4)
    assert all(d <= c for d, c in zip(h.worker.delays, (10, 20, 40), strict=True))
    assert sum(h.worker.delays) > 3.0  # on the 10 s scale, not the 1 s one (p < 1e-3)
    assert h.stores.links.get("stream s/c").last_close_code == 1013


@pytest.mark.parametrize(
    ("code", "kind", "label"),
    [(4001, CloseKind.AUTH, "auth failed"), (4004, CloseKind.NOT_FOUND, "not found")],
)
async def test_fatal_closes_are_not_retried_until_the_target_changes(
    code: int, kind: CloseKind, label: str
) -> None:
    h = Harness([StreamError(kind, f"closed {code}", code), ([], _drop(), None)])
    task = asyncio.create_task(h.worker.run())
    try:
        await wait_for(lambda: h.state() is LinkState.FAILED)
        link = h.stores.links.get("stream s/c")
        assert link.last_close_code == code and label in (link.last_error or "")
        assert h.fatal == [KEY]  # the manager re-reads the conversation over REST
        for _ in range(20):
            h.worker.notify()  # REST brought nothing new: same URL and key
            await asyncio.sleep(0)
        assert len(h.script.calls) == 1  # not hammered
        h.target = StreamTarget("http://h", KEY[1], "new-key")
        h.worker.notify()
        await wait_for(lambda: len(h.script.calls) >= 2)
        assert h.script.calls[1]["target"].session_api_key == "new-key"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_falls_back_to_the_events_socket_when_session_is_missing() -> None:
    h = Harness([StreamError(CloseKind.UNSUPPORTED, "HTTP 404"), ([], _drop(), None)])
    await _run_until(h, lambda: len(h.script.calls) == 3)
    assert [c["endpoint"] for c in h.script.calls] == [
        Endpoint.SESSION,
        Endpoint.EVENTS,
        Endpoint.EVENTS,
    ]


def _state_event(i: int, status: str, stamp: str) -> Any:
    return parse_event(
        {
            "kind": "ConversationStateUpdateEvent",
            "id": f"e{i}",
            "timestamp": stamp,
            "key": "execution_status",
            "value": status,
        }
    )


async def test_session_cursor_advances_on_durable_frames_and_resumes_after_them() -> None:
    items = [
        SyncFrame(-1, 2),
        Incoming(_state_event(1, "running", "2026-01-01T10:00:00"), seq=1),
        Incoming(_state_event(2, "finished", "2026-01-01T10:00:01"), seq=2),
        Incoming(_state_event(3, "finished", "2026-01-01T10:00:02"), persisted=False),
    ]
    h = Harness([(items, _drop(), None), (list(items[1:3]), _drop(), None)])
    await _run_until(h, lambda: len(h.script.calls) == 3)
    assert [c["after_seq"] for c in h.script.calls] == [-1, 2, 2]
    assert [e.id for e in h.stores.events.events(KEY)] == ["e1", "e2", "e3"]  # no duplicates
    assert h.reconnected  # each reconnect asks for a REST re-read


async def test_replayed_history_does_not_change_status_but_the_snapshot_does() -> None:
    items = [
        SyncFrame(-1, 1),
        Incoming(_state_event(1, "stuck", "2026-01-01T10:00:00"), seq=1),  # history
    ]
    h = Harness([(items, _drop(), None)])
    await _run_until(h, lambda: len(h.script.calls) == 2)
    view = h.stores.status.get(KEY)
    assert view is not None and view.execution_status == "running"
    assert h.stores.events.count(KEY) == 1
