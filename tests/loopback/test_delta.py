"""Asking a V1 app server what changed (`search?updated_at__gte=`): a change that moves
`updated_at` arrives by the question, not by per-id polls; a sandbox transition, which does
not move it, arrives by the backstop; a server that refuses the filter is polled per id as
before; more changes than one question reads ask for a full listing. Against the demo, whose
search filters as the real one does."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiohttp import web

from tests.helpers import FAST, FAST_DELTA, running, wait_for
from tui.client.config import ServerConfig
from tui.demo import routes
from tui.demo.scale import scale_world
from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation, DemoWorld
from tui.store.stores import Stores
from tui.sync import delta
from tui.sync.monitor import ServerMonitor
from tui.sync.polling import PollIntervals

BATCH = "/api/v1/app-conversations"  # GET ?ids=: the per-id polls


def _still_world() -> DemoWorld:
    world = DemoWorld(n=20, seed=21, spawn_every=1e9)
    for c in world.conversations.values():
        c.deleted = c.born > 0  # not created yet: its stamps lie ahead
    for c in world.conversations.values():
        c.script.steps.clear()
        c.next_step = 0
    return world


async def _settled(monitor: ServerMonitor) -> None:
    """Until the listing's own polls went out and every per-id poll waits for the backstop."""

    def waiting() -> bool:
        due = monitor.schedule.next_time()
        return monitor.delta.since is not None and (due is None or due - monitor._clock() > 30)

    await wait_for(waiting, timeout=20)


def _status(stores: Stores, c: DemoConversation) -> tuple[str | None, str | None]:
    view = stores.status.get(("demo", c.hex))
    return (view.execution_status, view.sandbox_status) if view else (None, None)


async def _monitor(demo: DemoServer, intervals: PollIntervals) -> tuple[ServerMonitor, Stores]:
    stores = Stores()
    monitor = ServerMonitor(ServerConfig(demo.url, name="demo"), stores, intervals, details=False)
    return monitor, stores


async def test_a_change_arrives_by_the_question_not_by_a_per_id_poll() -> None:
    demo = DemoServer(_still_world())
    await demo.start()
    intervals = replace(FAST_DELTA, backstop=600.0, backstop_starting=600.0, sweep=600.0)
    monitor, stores = await _monitor(demo, intervals)
    try:
        async with running(monitor):
            await _settled(monitor)
            batches = demo.routes.hits[BATCH]
            asked = monitor.delta.asked
            changed = next(c for c in demo.world.visible() if c.execution == "running")
            demo.world.push_state(changed, "error")  # moves updated_at
            await wait_for(lambda: _status(stores, changed)[0] == "error", timeout=20)
            assert demo.routes.hits[BATCH] == batches  # no per-id poll was needed
            assert monitor.delta.asked > asked
            said = stores.links.get(monitor.link).freshness  # what the panel shows
            assert said.startswith("statuses: what changed, every 0.1s;"), said
    finally:
        await demo.stop()


async def test_a_sandbox_move_the_question_cannot_show_arrives_by_the_backstop() -> None:
    demo = DemoServer(_still_world())
    await demo.start()
    intervals = replace(FAST_DELTA, backstop=2.0, backstop_starting=2.0, sweep=600.0)
    monitor, stores = await _monitor(demo, intervals)
    try:
        async with running(monitor):
            await wait_for(lambda: monitor.listed and monitor.delta.since is not None)
            since = monitor.delta.since
            assert since is not None
            paused = next(
                c
                for c in demo.world.visible()
                if c.sandbox == "RUNNING" and c.updated_at < since - delta.MARGIN
            )
            batches = demo.routes.hits[BATCH]
            paused.sandbox = "PAUSED"  # a sandbox transition: updated_at does not move
            async with httpx.AsyncClient() as http:
                url = f"{demo.url}/api/v1/app-conversations/search"
                params = {"updated_at__gte": (since - delta.MARGIN).isoformat()}
                body = (await http.get(url, params=params)).json()
            assert paused.hex not in [i["id"] for i in body["items"]]  # the question cannot
            await wait_for(lambda: _status(stores, paused)[1] == "PAUSED", timeout=20)
            assert demo.routes.hits[BATCH] > batches  # the backstop did
    finally:
        await demo.stop()


async def test_a_server_that_refuses_the_filter_is_polled_per_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(request: web.Request, name: str) -> datetime | None:
        if name in request.query:
            raise web.HTTPUnprocessableEntity(text='{"detail": "unknown filter"}')
        return None

    monkeypatch.setattr(routes, "_when", refuse)
    demo = DemoServer(_still_world())
    await demo.start()
    monitor, stores = await _monitor(demo, replace(FAST, delta=0.1))
    try:
        async with running(monitor):
            await wait_for(lambda: monitor.delta.refused, timeout=10)
            c = next(c for c in demo.world.visible() if c.execution == "running")
            demo.world.push_state(c, "finished")
            await wait_for(lambda: _status(stores, c)[0] == "finished", timeout=10)
            assert monitor.delta.per_id(monitor.source) == monitor.intervals  # as before
            said = stores.links.get(monitor.link).freshness
            assert said.startswith("statuses: polled every"), said
    finally:
        await demo.stop()


async def test_more_changes_than_one_question_reads_are_all_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delta, "PAGES", 1)
    world = DemoWorld(n=0, seed=3, spawn_every=1e9, max_visible=None)
    for i in range(350):  # stamped 2.5 s apart, long ago: no question overflows before
        world.add_still(born=-1000.0 + 2.5 * i).sandbox = "RUNNING"
    demo = DemoServer(world)
    await demo.start()
    slow = replace(FAST_DELTA, sweep=600.0, backstop=600.0, backstop_starting=600.0)
    monitor, stores = await _monitor(demo, slow)
    try:
        async with running(monitor):
            await _settled(monitor)
            changed = world.visible()[:250]  # more than one page of changes
            for c in changed:
                world.push_state(c, "running")
            # a question reads one page (100): the rest come by the listing it asks for
            await wait_for(lambda: all(_status(stores, c)[0] == "running" for c in changed))
    finally:
        await demo.stop()


async def test_the_demo_filters_updated_at_as_the_real_server() -> None:
    world = _still_world()
    demo = DemoServer(world)
    await demo.start()
    try:
        c = world.visible()[3]
        before = datetime.now(UTC)
        world.push_state(c, "paused")
        async with httpx.AsyncClient() as http:
            url = f"{demo.url}/api/v1/app-conversations/search"
            since = (before - timedelta(milliseconds=1)).isoformat()
            body = (await http.get(url, params={"updated_at__gte": since})).json()
            assert [i["id"] for i in body["items"]] == [c.hex]
            bad = await http.get(url, params={"updated_at__gte": "yesterday"})
            assert bad.status_code == 422
    finally:
        await demo.stop()


async def test_conversations_stamped_together_do_not_make_it_list_for_ever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delta, "PAGES", 2)
    world = scale_world(600, seed=1)  # 600 stamps within a second: more than 2 pages a question
    demo = DemoServer(world)
    await demo.start()
    slow = replace(FAST_DELTA, sweep=600.0, backstop=600.0, backstop_starting=600.0)
    monitor, _stores = await _monitor(demo, slow)
    listings = 0
    discover = monitor._discover

    async def counted() -> None:
        nonlocal listings
        listings += 1
        await discover()

    monitor._discover = counted  # type: ignore[method-assign]
    try:
        async with running(monitor):
            await wait_for(lambda: monitor.listed and monitor.delta.since is not None)
            asked = monitor.delta.asked
            await asyncio.sleep(6.0)
            assert monitor.delta.asked >= asked + 3  # questions go on...
            assert listings <= 2  # ...and one overflow lists once more, not for ever
    finally:
        await demo.stop()
