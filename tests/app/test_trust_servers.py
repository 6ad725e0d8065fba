"""Servers that look alike or half-fail must not corrupt what the screen says: two servers
behind one host:port, a V0 conversation that answers 404, a search that works while the batch
endpoint fails, a server that speaks V1 and V0, and a big first listing."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from tests.helpers import FAST, running, serve, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.headless.status import status_command
from tui.protocol.status import ServerKind
from tui.settings import Settings
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff
from tui.sync.monitor import ServerMonitor
from tui.ui.app import OhtopApp
from tui.ui.widgets.connection_panel import ConnectionPanel
from tui.ui.widgets.conversation_table import ConversationTable
from tui.ui.widgets.table_header import TableHeader


@asynccontextmanager
async def two_agent_servers() -> AsyncIterator[tuple[str, DemoServer, DemoServer]]:
    """Two demo agent servers behind one host:port, under /a and /b (path mode)."""
    a = DemoServer(DemoWorld(n=8, seed=21, spawn_every=1e9), agent_at_root=True)
    b = DemoServer(DemoWorld(n=8, seed=22, spawn_every=1e9), agent_at_root=True)
    front = web.Application()
    front.add_subapp("/a/", a.app)
    front.add_subapp("/b/", b.app)
    async with serve(front) as url:
        yield url, a, b


def _listed_again(*servers: DemoServer) -> Callable[[], bool]:
    """True once every server has been listed again."""
    before = _listings(*servers)
    return lambda: _listings(*servers) >= before + len(servers)


def _listings(*servers: DemoServer) -> int:
    return sum(n for s in servers for path, n in s.routes.hits.items() if path.endswith("/search"))


async def test_two_servers_behind_one_host_stay_apart_in_the_tui_and_in_status() -> None:
    async with two_agent_servers() as (url, a, b):
        world_a, world_b = a.world, b.world
        servers = (ServerConfig(f"{url}/a"), ServerConfig(f"{url}/b"))
        host = url.removeprefix("http://")
        app = OhtopApp(Settings(servers=servers, intervals=FAST, max_streams=-1))
        expected = {(f"{host}/a", c.hex) for c in world_a.visible()}
        expected |= {(f"{host}/b", c.hex) for c in world_b.visible()}
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_for(lambda: set(app.stores.status.all_keys()) == expected)
            for _ in range(2):  # re-discovery must not mark the other server's ones gone
                await pilot.press("r")
                await wait_for(_listed_again(a, b))
            assert set(app.stores.status.all_keys()) == expected
            assert not [v for v in app.stores.status if v.gone]
            await wait_for(lambda: app.screen.query_one(ConversationTable).show_server)
            assert app.screen.query_one(TableHeader).show_server
            panel = app.screen.query_one(ConnectionPanel)
            panel.redraw()
            text = panel.render().plain  # type: ignore[union-attr]
            assert f"{host}/a" in text and f"{host}/b" in text
        out = io.StringIO()
        assert await status_command(Settings(servers=servers), True, out) == 0
        rows = json.loads(out.getvalue())
        assert {(r["server"], r["id"]) for r in rows} == expected


class V0WithOneMissing:
    """A V0 app server listing three conversations; one of them answers 404 by id."""

    def __init__(self) -> None:
        self.ids = [f"{i:032x}" for i in (1, 2, 3)]
        self.status = {i: "RUNNING" for i in self.ids}

    def info(self, cid: str) -> dict[str, Any]:
        return {"conversation_id": cid, "title": f"t{cid[-1]}", "status": self.status[cid]}

    def app(self) -> web.Application:
        async def listing(request: web.Request) -> web.StreamResponse:
            return web.json_response(
                {"results": [self.info(i) for i in self.ids], "next_page_id": None}
            )

        async def one(request: web.Request) -> web.StreamResponse:
            cid = request.match_info["cid"]
            if cid == self.ids[1]:
                return web.json_response({"detail": "Not Found"}, status=404)
            # V0 answers 200 with null for an id it does not know (the agent probe's "search").
            return web.json_response(self.info(cid) if cid in self.status else None)

        async def events(request: web.Request) -> web.StreamResponse:
            return web.json_response({"events": [], "has_more": False})

        app = web.Application()
        app.router.add_get("/api/conversations", listing)
        app.router.add_get("/api/conversations/{cid}", one)
        app.router.add_get("/api/conversations/{cid}/events", events)
        return app


async def test_one_v0_conversation_answering_404_is_gone_and_the_server_stays_up() -> None:
    fake = V0WithOneMissing()
    async with serve(fake.app()) as url:
        stores = Stores()
        monitor = ServerMonitor(ServerConfig(url, name="v0"), stores, FAST)
        states: list[LinkState] = []
        stores.links.changed.subscribe(
            lambda _n: states.append(stores.links.get(monitor.link).state)
        )
        async with running(monitor):
            gone = ("v0", fake.ids[1])
            await wait_for(lambda: (v := stores.status.get(gone)) is not None and v.gone)
            fake.status[fake.ids[2]] = "STOPPED"  # the others still update promptly
            await wait_for(lambda: stores.status.get(("v0", fake.ids[2])).status == "STOPPED")  # type: ignore[union-attr]
            connected_at = states.index(LinkState.CONNECTED)
            assert LinkState.RECONNECTING not in states[connected_at:]  # no flapping
            assert gone not in monitor.schedule  # no longer polled


class SearchOkBatchFailing:
    """A V1 app server whose listing works while its `?ids=` batch endpoint answers 503."""

    def __init__(self) -> None:
        self.item = {"id": "ab" * 16, "sandbox_status": "RUNNING", "execution_status": "running"}
        self.batches = 0

    def app(self) -> web.Application:
        async def count(request: web.Request) -> web.StreamResponse:
            return web.json_response(1)

        async def search(request: web.Request) -> web.StreamResponse:
            return web.json_response({"items": [self.item], "next_page_id": None})

        async def batch(request: web.Request) -> web.StreamResponse:
            self.batches += 1
            return web.json_response({"detail": "batch down"}, status=503)

        app = web.Application()
        app.router.add_get("/api/v1/app-conversations/count", count)
        app.router.add_get("/api/v1/app-conversations/search", search)
        app.router.add_get("/api/v1/app-conversations", batch)
        return app


async def test_a_working_listing_does_not_hide_a_failing_poll_endpoint() -> None:
    fake = SearchOkBatchFailing()
    async with serve(fake.app()) as url:
        stores = Stores()
        monitor = ServerMonitor(
            ServerConfig(url, name="s"),
            stores,
            FAST,  # discovery every 0.2 s: many listings succeed meanwhile
            details=False,
            backoff=Backoff(base=0.05, cap=0.1),
        )
        link = monitor.link
        async with running(monitor):
            await wait_for(lambda: fake.batches >= 1)
            states: list[LinkState] = []
            stores.links.changed.subscribe(lambda _n: states.append(stores.links.get(link).state))
            await wait_for(lambda: fake.batches >= 8)
            assert LinkState.CONNECTED not in states  # never claimed while polls fail
            info = stores.links.get(link)
            assert info.state is LinkState.RECONNECTING and "503" in (info.last_error or "")
            assert info.attempt >= 5  # the attempt count is not reset by listings


class DualServer:
    """An openhands-ai 1.0-1.6 app server: V1 and V0 side by side; the V0 listing repeats
    the V1 conversation in the V0 shape and adds one that exists only in V0."""

    def __init__(self) -> None:
        self.v1 = {"id": "11" * 16, "sandbox_status": "RUNNING", "execution_status": "idle"}
        self.v0_only = {"conversation_id": "22" * 16, "status": "STOPPED", "title": "old V0"}
        self.shim = {
            "conversation_id": "11" * 16,
            "status": "RUNNING",
            "conversation_version": "V1",
        }

    def app(self) -> web.Application:
        async def count(request: web.Request) -> web.StreamResponse:
            return web.json_response(1)

        async def search(request: web.Request) -> web.StreamResponse:
            return web.json_response({"items": [self.v1], "next_page_id": None})

        async def batch(request: web.Request) -> web.StreamResponse:
            return web.json_response([self.v1])

        async def v0_list(request: web.Request) -> web.StreamResponse:
            page = {"results": [self.shim, {**self.v0_only, "conversation_version": "V0"}]}
            return web.json_response({**page, "next_page_id": None})

        async def v0_get(request: web.Request) -> web.StreamResponse:
            return web.json_response(self.v0_only)

        app = web.Application()
        app.router.add_get("/api/v1/app-conversations/count", count)
        app.router.add_get("/api/v1/app-conversations/search", search)
        app.router.add_get("/api/v1/app-conversations", batch)
        app.router.add_get("/api/conversations", v0_list)
        app.router.add_get("/api/conversations/{cid}", v0_get)
        return app


async def test_a_server_with_both_apis_is_watched_through_both() -> None:
    fake = DualServer()
    async with serve(fake.app()) as url:
        stores = Stores()
        monitor = ServerMonitor(ServerConfig(url, name="dual"), stores, FAST, details=False)
        async with running(monitor):
            v0_key = ("dual", "22" * 16)
            await wait_for(lambda: v0_key in stores.status)
            await asyncio.sleep(0.3)  # polls of both kinds go on
            assert len(stores.status) == 2  # the V1 one once, not again in the V0 shape
            v1 = stores.status.get(("dual", "11" * 16))
            v0 = stores.status.get(v0_key)
            assert v1 is not None and v1.kind == ServerKind.V1
            assert v0 is not None and v0.kind == ServerKind.V0 and v0.title == "old V0"
            assert "V1 and V0" in stores.links.get(monitor.link).detail


class SlowBigListing:
    """A V1 app server with 2,500 conversations whose listing pages come slowly."""

    def __init__(self, n: int = 2500) -> None:
        self.items = [
            {"id": f"{i:032x}", "sandbox_status": "PAUSED", "title": f"c{i}"} for i in range(n)
        ]
        self.release = asyncio.Event()

    def app(self) -> web.Application:
        async def count(request: web.Request) -> web.StreamResponse:
            return web.json_response(len(self.items))

        async def search(request: web.Request) -> web.StreamResponse:
            start = int(request.query.get("page_id") or 0)
            if start >= 300:
                await self.release.wait()  # the rest of the listing waits for the test
            limit = int(request.query.get("limit", 100))
            end = start + limit
            nxt = str(end) if end < len(self.items) else None
            return web.json_response({"items": self.items[start:end], "next_page_id": nxt})

        async def batch(request: web.Request) -> web.StreamResponse:
            ids = set(request.query.getall("ids"))
            return web.json_response([i for i in self.items if i["id"] in ids])

        app = web.Application()
        app.router.add_get("/api/v1/app-conversations/count", count)
        app.router.add_get("/api/v1/app-conversations/search", search)
        app.router.add_get("/api/v1/app-conversations", batch)
        return app


async def test_a_big_first_listing_fills_the_list_and_says_how_far_it_got() -> None:
    fake = SlowBigListing()
    async with serve(fake.app()) as url:
        app = OhtopApp(
            Settings(servers=(ServerConfig(url, name="big"),), intervals=FAST, max_streams=-1)
        )
        async with app.run_test(size=(160, 45)):
            table = app.screen.query_one(ConversationTable)
            await wait_for(lambda: len(table.rows) == 300)  # shown while the listing goes on
            health = app.screen.query_one("#health")
            await wait_for(lambda: "listing: 300 so far" in str(health.render()))
            assert health.has_class("-visible")
            fake.release.set()
            await wait_for(lambda: len(table.rows) == 2500)
            await wait_for(lambda: not app.screen.query_one("#health").has_class("-visible"))
