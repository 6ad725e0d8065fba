"""Keys go only where they belong: the user's keys to the configured server's origin, a
conversation's own key to the host that conversation names, nothing when neither fits (and the
link says why). A V0 server naming another host for a running conversation gets no stream there
with the user's key."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from tests.helpers import FAST, wait_for
from tui.client.config import ServerConfig
from tui.fleet.fleet import Fleet, FleetOptions
from tui.store.websocket_store import LinkState
from tui.sync.stream_manager import link_name, why_no_events

KEY = "user-session-key-0123456789abcdef"
CID = "cd" * 16


@asynccontextmanager
async def on(app: web.Application, host: str) -> AsyncIterator[str]:
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # aiohttp private
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def _v0_server(runtime: str) -> web.Application:
    """A V0 app server whose one RUNNING conversation lives on another host, with no key of
    its own."""
    info = {
        "conversation_id": CID,
        "title": "elsewhere",
        "status": "RUNNING",
        "runtime_status": "STATUS$READY",
        "url": f"{runtime}/api/conversations/{CID}",
        "session_api_key": None,
        "last_updated_at": "2026-12-01T00:00:00+00:00",
        "created_at": "2026-12-01T00:00:00+00:00",
    }

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/api/conversations":
            return web.json_response({"results": [info], "next_page_id": None})
        if path == f"/api/conversations/{CID}":
            return web.json_response(info)
        if path.endswith("/events"):
            return web.json_response({"events": [], "has_more": False})
        return web.json_response({"detail": "not found"}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def test_a_v0_runtime_on_another_host_gets_no_stream_with_the_users_key() -> None:
    seen: list[str] = []

    async def record(request: web.Request) -> web.StreamResponse:
        seen.append(str(request.rel_url))
        return web.Response(status=404)

    elsewhere = web.Application()
    elsewhere.router.add_route("*", "/{tail:.*}", record)
    async with on(elsewhere, "127.0.0.2") as runtime, on(_v0_server(runtime), "127.0.0.1") as url:
        config = ServerConfig(url, name="v0", session_api_key=KEY)
        fleet = Fleet([config], FleetOptions(FAST, max_streams=10))
        await fleet.start()
        try:
            key = ("v0", CID)
            await wait_for(lambda: fleet.stores.status.get(key) is not None)
            fleet.select(key)  # the selected one always streams, if it can
            await wait_for(lambda: fleet.stores.links.has(link_name(key)), timeout=5)
            await wait_for(lambda: fleet.stores.links.get(link_name(key)).last_error is not None)
            link = fleet.stores.links.get(link_name(key))
            assert link.state is LinkState.DISCONNECTED
            assert "127.0.0.2" in (link.last_error or "") and "key" in (link.last_error or "")
            view = fleet.stores.status.get(key)
            assert view is not None
            assert "not the configured server" in why_no_events(view, fleet.stores, True)
            await asyncio.sleep(3)  # it had 18 requests in 25 s before: none now
        finally:
            await fleet.stop()
    assert seen == [], seen
