"""/metrics and /healthz of a Fleet over HTTP, in its event loop (the exporter's, and the
dashboard's with `--metrics`). Without a token only a loopback Host is answered; with one, the
token decides.

A scrape must not hold up keys or stream intake on the loop it shares: the stores are copied
on the loop (a plain copy, a few milliseconds at 10,000 conversations), the exposition is
computed in a thread, and scrapes that come together (two Prometheus replicas, a federation)
share one computation and reuse it for `REUSE_FOR` seconds. `ohtop_snapshot_timestamp_seconds`
says when the values were read (bench/exporter.py measures the loop's lag during scrapes)."""

from __future__ import annotations

import asyncio
import hmac
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from tui.fleet.fleet import Fleet
from tui.fleet.listen import Listen, loopback_host
from tui.fleet.metrics import render, snapshot
from tui.store.websocket_store import LinkState, server_link

REUSE_FOR = 1.0  # seconds one exposition answers every scrape that asks for it


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
        self.renders = 0
        self._latest: tuple[float, bytes] | None = None  # (monotonic time read, exposition)
        self._pending: asyncio.Future[bytes] | None = None

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
        body = await self.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def exposition(self) -> bytes:
        """The newest exposition: reused when under `REUSE_FOR` seconds old, shared with the
        scrape already computing one, else computed now (in a thread)."""
        if self._latest is not None and time.monotonic() - self._latest[0] < REUSE_FOR:
            return self._latest[1]
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._compute())
            self._pending.add_done_callback(self._computed)
        return await asyncio.shield(self._pending)

    async def _compute(self) -> bytes:
        taken = time.monotonic()
        snap = snapshot(self.fleet)  # on the loop, between two store updates
        body = await asyncio.to_thread(render, snap, self.conversation_info, self.shard)
        self.renders += 1
        self._latest = (taken, body)
        return body

    def _computed(self, _: asyncio.Future[bytes]) -> None:
        self._pending = None

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
