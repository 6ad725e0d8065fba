"""`ohtop exporter`: the Fleet's metrics for Prometheus at /metrics, and /healthz.

Safe by default: it binds loopback; another address needs `--allow-remote`, and then every
scrape must carry `Authorization: Bearer $OHTOP_METRICS_TOKEN`. The dashboard serves the same
with `--metrics HOST:PORT`. aiohttp serves it in the Fleet's own event loop, so a scrape reads
the stores between two updates, never during one.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import sys
from typing import TextIO

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from tui.headless.codes import EXIT_OK
from tui.headless.listen import Listen, check_bind, loopback_host, parse_listen
from tui.headless.metrics import render, snapshot
from tui.session import open_fleet
from tui.settings import Settings, UsageError
from tui.state.fleet import Fleet
from tui.state.monitor import link_name
from tui.state.websocket_store import LinkState

DEFAULT_LISTEN = "127.0.0.1:9464"
TOKEN_ENV = "OHTOP_METRICS_TOKEN"


def metrics_listen(spec: str, allow_remote: bool, env: dict[str, str] | None = None) -> Listen:
    """Where to serve metrics, with the token a non-loopback address requires."""
    host, port = parse_listen(spec, "--listen")
    check_bind(host, port, allow_remote, "metrics on", "--allow-remote")
    token = (env if env is not None else dict(os.environ)).get(TOKEN_ENV) or None
    listen = Listen(host, port, token)
    if not listen.loopback and token is None:
        raise UsageError(
            f"metrics on {host}:{port}: set {TOKEN_ENV}; "
            "every scrape must send it as a bearer token"
        )
    return listen


class MetricsServer:
    """/metrics and /healthz over HTTP, in the running event loop."""

    def __init__(self, fleet: Fleet, listen: Listen, conversation_info: int = 0) -> None:
        self.fleet = fleet
        self.listen = listen
        self.conversation_info = conversation_info
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
        body = await asyncio.to_thread(render, snap, self.conversation_info)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refused(request)) is not None:
            return refused
        names = [c.label for c in self.fleet.servers]
        up = [
            n
            for n in names
            if self.fleet.stores.links.get(link_name(n)).state is LinkState.CONNECTED
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


async def exporter_command(
    settings: Settings,
    listen: Listen,
    conversation_info: int = 0,
    out: TextIO | None = None,
    ready: asyncio.Event | None = None,
) -> int:
    """Watch the servers and serve their metrics until interrupted."""
    out = out or sys.stdout
    async with open_fleet(settings) as fleet:
        server = MetricsServer(fleet, listen, conversation_info)
        try:
            url = await server.start()
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {listen.host}:{listen.port}: {exc.strerror}"
            ) from exc
        out.write(f"{url}\n")
        out.flush()
        if not listen.loopback:
            sys.stderr.write(
                f"ohtop: metrics are reachable from other machines at {url}; "
                f"scrapes must send the bearer token from {TOKEN_ENV}\n"
            )
        if ready is not None:
            ready.set()
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()
    return EXIT_OK
