"""ServerMonitor against the demo server over loopback: discovery, polling, faults."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.helpers import FAST, ManualClock, RecordingTransport, running, wait_for
from tui.client.budget import RequestBudget
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.protocol.status import ServerKind
from tui.store.stores import Stores
from tui.store.view import ConversationView
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff
from tui.sync.details import DETAILS_CONCURRENCY, DETAILS_PER_CYCLE
from tui.sync.monitor import ServerMonitor
from tui.sync.polling import top_up


def _monitor(url: str, stores: Stores, **kw: Any) -> ServerMonitor:
    kw.setdefault("intervals", FAST)
    return ServerMonitor(ServerConfig(url, name="demo"), stores, **kw)


async def test_discovers_every_visible_conversation(demo: DemoServer) -> None:
    stores = Stores()
    monitor = _monitor(demo.url, stores)
    await monitor.snapshot()
    visible = {c.hex for c in demo.world.visible()}
    assert {k[1] for k in stores.status.all_keys()} == visible
    assert stores.links.get(monitor.link).state is LinkState.CONNECTED
    assert "app server V1" in stores.links.get(monitor.link).detail
    await monitor.rest.aclose()


async def test_a_server_side_change_reaches_the_store(demo: DemoServer) -> None:
    stores = Stores()
    target = next(
        c for c in demo.world.visible() if c.sandbox == "RUNNING" and c.execution == "running"
    )
    target.script.steps.clear()  # freeze its script; the test drives it
    async with running(_monitor(demo.url, stores)):
        key = ("demo", target.hex)
        await wait_for(lambda: stores.status.get(key) is not None)
        target.execution = "stuck"
        await wait_for(lambda: stores.status.get(key).status == "ERROR")  # type: ignore[union-attr]
        view = stores.status.get(key)
        assert view is not None and view.execution_status == "stuck"
        assert [t.new_execution for t in stores.status.timeline(key)][-2:] == ["running", "stuck"]


async def test_batches_never_exceed_99_ids() -> None:
    world = DemoWorld(n=250, seed=11, spawn_every=1e9, max_visible=None)
    for c in world.conversations.values():
        c.born = -1.0
    server = DemoServer(world)
    await server.start()
    recorder = RecordingTransport()
    stores = Stores()
    try:
        async with running(_monitor(server.url, stores, transport=recorder, details=False)):
            await wait_for(lambda: len(recorder.paths("/api/v1/app-conversations")) >= 8)
        batches = [
            r for r in recorder.paths("/api/v1/app-conversations") if r.url.params.get_list("ids")
        ]
        sizes = [len(r.url.params.get_list("ids")) for r in batches]
        assert sizes and max(sizes) <= 99
        assert sum(1 for s in sizes if s == 99) >= 1  # 250 due at once go out as 99+99+52
        searches = recorder.paths("/app-conversations/search")
        assert len(searches) >= 3  # paged: 100 a page
    finally:
        await server.stop()


async def test_deleted_conversation_is_shown_gone_and_no_longer_polled(demo: DemoServer) -> None:
    stores = Stores()
    recorder = RecordingTransport()
    target = next(c for c in demo.world.visible() if c.sandbox == "RUNNING")
    target.script.steps.clear()
    monitor = _monitor(demo.url, stores, transport=recorder, details=False)
    async with running(monitor):
        key = ("demo", target.hex)
        await wait_for(lambda: stores.status.get(key) is not None)
        target.deleted = True
        await wait_for(lambda: bool(stores.status.get(key).gone))  # type: ignore[union-attr]
        assert stores.status.get(key).status == "ARCHIVED"  # type: ignore[union-attr]
        assert key not in monitor.schedule
        asked_before = sum(target.hex in str(r.url) for r in recorder.requests)
        await asyncio.sleep(0.3)
        asked_after = sum(target.hex in str(r.url) for r in recorder.requests)
        assert asked_after == asked_before


async def test_server_down_then_back_reconnects_without_losing_conversations() -> None:
    world = DemoWorld(n=10, seed=2)
    server = DemoServer(world)
    await server.start()
    port = server.port
    stores = Stores()
    monitor = _monitor(server.url, stores, backoff=Backoff(base=0.05, cap=0.2))
    async with running(monitor):
        await wait_for(lambda: len(stores.status) > 0)
        known = len(stores.status)
        await server.stop()
        await wait_for(lambda: stores.links.get(monitor.link).state is LinkState.RECONNECTING)
        link = stores.links.get(monitor.link)
        # The class of the failure, not one wording: a server going away may refuse new
        # connections or drop one mid-request, depending on timing.
        assert stores.errors.counts["network"] >= 1 and link.attempt >= 1
        last = stores.errors.last_for("demo")
        assert last is not None and last.kind == "network"
        assert len(stores.status) == known  # nothing is dropped while the server is away
        server = DemoServer(world, port=port)
        await server.start()
        await wait_for(lambda: stores.links.get(monitor.link).state is LinkState.CONNECTED)
        assert stores.errors.counts["network"] >= 1
    await server.stop()


async def test_auth_failure_is_fatal_until_refresh() -> None:
    server = DemoServer(DemoWorld(n=5), api_key="right")
    await server.start()
    stores = Stores()
    monitor = _monitor(server.url, stores)
    try:
        async with running(monitor):
            await wait_for(lambda: stores.links.get(monitor.link).state is LinkState.FAILED)
            requests = server.routes.requests
            await asyncio.sleep(0.3)
            assert server.routes.requests == requests  # not hammered
            assert "401" in (stores.links.get(monitor.link).last_error or "")
            monitor.refresh_now()  # the user asks again: one more try, still refused
            await wait_for(lambda: server.routes.requests > requests)
    finally:
        await server.stop()


async def test_details_bring_task_lists_and_last_errors(demo: DemoServer) -> None:
    stores = Stores()
    monitor = _monitor(demo.url, stores)
    await monitor.snapshot()
    await monitor.rest.aclose()
    with_tasks = [v for v in stores.status if v.tasks_total]
    errored = [v for v in stores.status if v.execution_status == "error"]
    assert with_tasks
    for v in with_tasks:
        truth = demo.world.conversations[v.id].tasks or ()
        assert (v.tasks_done, v.tasks_total) == (sum(s == "done" for _, s in truth), len(truth))
    assert errored and all(v.last_error is not None and v.last_error.code for v in errored)


async def test_error_histories_are_read_before_the_others(demo: DemoServer) -> None:
    stores = Stores()
    monitor = _monitor(demo.url, stores)
    try:
        await monitor._connect()
        await monitor._discover()
        errors = [k for k, want_error in monitor.details.wanted.items() if want_error]
        others = len(monitor.details.wanted) - len(errors)
        assert errors and others
        await monitor.details.load(limit=len(errors))  # one cycle's worth: only the errors
        assert len(monitor.details.wanted) == others
        assert not set(errors) & set(monitor.details.wanted)  # every error one was read
        assert any((v := stores.status.get(k)) and v.last_error for k in errors)
    finally:
        await monitor.rest.aclose()


async def test_listing_stops_on_a_repeated_cursor_and_dedupes() -> None:
    def item(i: int) -> dict[str, Any]:
        return {"id": f"{i:032x}", "sandbox_status": "RUNNING", "execution_status": "idle"}

    pages = {None: ([item(1), item(2)], "p2"), "p2": ([item(2), item(3)], "p2")}
    calls: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/count"):
            return httpx.Response(200, json=3)
        if not request.url.path.endswith("/search"):
            return httpx.Response(404, json={"detail": "Not Found"})
        page_id = request.url.params.get("page_id")
        calls.append(page_id)
        items, nxt = pages[page_id]
        return httpx.Response(200, json={"items": items, "next_page_id": nxt})

    stores = Stores()
    monitor = ServerMonitor(
        ServerConfig("http://srv.test", name="s"),
        stores,
        transport=httpx.MockTransport(handler),
        details=False,
    )
    await monitor.snapshot()
    assert calls == [None, "p2"]
    assert sorted(k[1] for k in stores.status.all_keys()) == [f"{i:032x}" for i in (1, 2, 3)]


async def test_a_batch_going_out_carries_conversations_due_soon() -> None:
    """Jittered due times must not split one batch's worth into several requests."""
    now = 1000.0
    stores = Stores()
    monitor = ServerMonitor(ServerConfig("http://127.0.0.1:9"), stores, clock=lambda: now)
    try:
        errors = [("127.0.0.1:9", f"{i:032x}") for i in range(150)]
        for i, key in enumerate(errors):  # ERROR: every 10 s; due over the next 5 s
            stores.status.upsert(
                ConversationView(server=key[0], id=key[1], kind=ServerKind.V1, status="ERROR")
            )
            monitor.schedule.set(key, now + i * 5 / 150)
        due = monitor.schedule.pop_due(now + 1.0)
        assert len(due) == 31  # due within the coalescing second
        top_up(monitor.schedule, due, monitor.intervals, stores.status, now)
        # Topped up (room for 99) with those due within a quarter interval (2.5 s); the rest
        # wait for their own time.
        assert due == errors[:76]
        assert monitor.schedule.peek() == (now + 76 * 5 / 150, errors[76])
    finally:
        await monitor.rest.aclose()


async def test_histories_use_at_most_half_of_the_request_budget(
    demo: DemoServer, clock: ManualClock
) -> None:
    """A big first load reads one history per conversation; polls must keep their share."""
    stores = Stores()
    monitor = _monitor(demo.url, stores)
    try:
        await monitor._connect()
        await monitor._discover()
        wanted = len(monitor.details.wanted)
        assert wanted > 10

        async def sleep(seconds: float) -> None:
            clock.advance(seconds)

        monitor.rest.budget = RequestBudget("20/min", clock=clock, sleep=sleep)
        await monitor.details.load(limit=DETAILS_PER_CYCLE)
        used = monitor.rest.budget.used_last_minute()
        # Half of 20, plus what the histories already under way needed (2 requests at most).
        assert 10 <= used <= 10 + 2 * DETAILS_CONCURRENCY
        left = len(monitor.details.wanted)
        assert 0 < left < wanted
        for _ in range(3):  # more cycles in the same minute start nothing
            await monitor.details.load(limit=DETAILS_PER_CYCLE)
        assert (monitor.rest.budget.used_last_minute(), len(monitor.details.wanted)) == (
            used,
            left,
        )
        clock.advance(61)  # a minute later there is room again
        await monitor.details.load(limit=DETAILS_PER_CYCLE)
        assert len(monitor.details.wanted) < left
    finally:
        await monitor.rest.aclose()
