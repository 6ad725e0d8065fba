"""StreamWorker policy with a scripted stream: backoff (injected clock), fatal closes, fallback."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.helpers import STREAM_KEY, Harness, drop, wait_for
from tui.client.stream import (
    CloseKind,
    Endpoint,
    Incoming,
    StreamError,
    StreamTarget,
)
from tui.protocol.events import parse_event
from tui.protocol.session import SyncFrame
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff


async def _run_until(h: Harness, condition: Any) -> None:
    task = asyncio.create_task(h.worker.run())
    try:
        await wait_for(condition, timeout=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_backoff_grows_exponentially_with_full_jitter_up_to_the_cap() -> None:
    h = Harness([drop() for _ in range(9)])
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

    h.script.steps = [drop(), drop(), ([], drop(), short), ([], drop(), long), drop()]
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
    h = Harness([StreamError(kind, f"closed {code}", code), ([], drop(), None)])
    task = asyncio.create_task(h.worker.run())
    try:
        await wait_for(lambda: h.state() is LinkState.FAILED)
        link = h.stores.links.get("stream s/c")
        assert link.last_close_code == code and label in (link.last_error or "")
        assert h.fatal == [STREAM_KEY]  # the manager re-reads the conversation over REST
        for _ in range(20):
            h.worker.notify()  # REST brought nothing new: same URL and key
            await asyncio.sleep(0)
        assert len(h.script.calls) == 1  # not hammered
        h.target = StreamTarget("http://h", STREAM_KEY[1], "new-key")
        h.worker.notify()
        await wait_for(lambda: len(h.script.calls) >= 2)
        assert h.script.calls[1]["target"].session_api_key == "new-key"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_falls_back_to_the_events_socket_when_session_is_missing() -> None:
    h = Harness([StreamError(CloseKind.UNSUPPORTED, "HTTP 404"), ([], drop(), None)])
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
    h = Harness([(items, drop(), None), (list(items[1:3]), drop(), None)])
    await _run_until(h, lambda: len(h.script.calls) == 3)
    assert [c["after_seq"] for c in h.script.calls] == [-1, 2, 2]
    assert [e.id for e in h.stores.events.events(STREAM_KEY)] == ["e1", "e2", "e3"]  # no duplicates
    assert h.reconnected  # each reconnect asks for a REST re-read


async def test_replayed_history_does_not_change_status_but_the_snapshot_does() -> None:
    items = [
        SyncFrame(-1, 1),
        Incoming(_state_event(1, "stuck", "2026-01-01T10:00:00"), seq=1),  # history
    ]
    h = Harness([(items, drop(), None)])
    await _run_until(h, lambda: len(h.script.calls) == 2)
    view = h.stores.status.get(STREAM_KEY)
    assert view is not None and view.execution_status == "running"
    assert h.stores.events.count(STREAM_KEY) == 1
