"""/metrics and /healthz of a Fleet over HTTP, in its event loop (the exporter's, and the
dashboard's with `--metrics`). Without a token only a loopback Host is answered; with one, the
token decides. A scrape copies the stores on the loop and renders in a thread."""

from __future__ import annotations

import asyncio
import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from tui.fleet.fleet import Fleet
from tui.fleet.listen import Listen, loopback_host
from tui.fleet.metrics import render, snapshot
from tui.store.websocket_store import LinkState, server_link


class MetricsServer:
    """/metrics and /healthz over HTTP, in the running event loop."""

    def __init__(
        self,
        fleet: Fleet,
        listen: Listen,
        conversation_info: int = 0,
        shard: tuple[int, int] = (0, 1),
    ) -> None:
        self.fleet = fleet
        self.listen = listen
        self.conversation_info = conversation_info
        self.shard = shard  # (ordinal, total) of a sharded exporter
        self.port = listen.port
        self._runner: web.AppRunner | None = None
        self.scrapes = 0

    @property
    def url(self) -> str:
        """The metrics URL."""
        return f"http://{self.listen.url_host}:{self.port}/metrics"

    def _refused(self, request: web.Request) -> web.Response | None:
        """Why a request is not answered (None: it is). With a token, the token decides;
        without one only a loopback Host is answered: a page on another site that rebinds
        its name to 127.0.0.1 (DNS rebinding) sends its own name as Host, and reads nothing."""
        token = self.listen.token
        if token is None:
            if loopback_host(request.headers.get("Host", "")):
                return None
            return web.Response(status=403, text="only a loopback Host is answered\n")
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if hmac.compare_digest(given.encode(), token.encode()):
            return None
        return web.Response(status=401, text="a bearer token is required\n")

    async def metrics(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refused(request)) is not None:
            return refused
        self.scrapes += 1
        # The stores are copied here, between two of their updates (a millisecond at 10,000
        # conversations); the exposition is computed in a thread, off the loop that serves
        # keys and streams.
        snap = snapshot(self.fleet)
        body = await asyncio.to_thread(render, snap, self.conversation_info, self.shard)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refused(request)) is not None:
            return refused
        names = [c.label for c in self.fleet.servers]
        up = [
            n
            for n in names
            if self.fleet.stores.links.get(server_link(n)).state is LinkState.CONNECTED
        ]
        return web.json_response({"status": "ok", "servers": len(names), "servers_up": len(up)})

    async def start(self) -> str:
        """Bind and serve; returns the metrics URL."""
        app = web.Application()
        app.router.add_get("/metrics", self.metrics)
        app.router.add_get("/healthz", self.healthz)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen.host, self.listen.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
