"""DemoServer: runs the demo world behind a real HTTP/websocket server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random

from aiohttp import web

from tui.demo.routes import DemoRoutes, add_routes
from tui.demo.sockets import DemoSockets
from tui.demo.v0 import DemoV0
from tui.demo.world import DemoWorld

HOST = "127.0.0.1"
DEMO_FLAKY_EVERY = 20.0  # seconds between dropped links in the interactive demo
DEMO_RATE = "100/s"  # the request budget ohtop uses against its own demo server


class DemoServer:
    """Start with `await start()`; the URL is known once it is bound (port 0 picks a free one)."""

    def __init__(
        self,
        world: DemoWorld | None = None,
        *,
        port: int = 0,
        api_key: str | None = None,
        agent_at_root: bool = False,
        flaky_every: float | None = None,
        v0: bool = False,
    ) -> None:
        self.world = world or DemoWorld()
        self.port = port
        self.routes = DemoRoutes(self.world, api_key)
        self.sockets = DemoSockets(self.world)
        self.app = web.Application()
        self.v0: DemoV0 | None = None
        if v0:  # a V0 app server: its own REST and socket.io, nothing of V1
            self.v0 = DemoV0(self.world, self.app, api_key)
        else:
            add_routes(self.app, self.routes, self.sockets, agent_at_root)
        self._runner: web.AppRunner | None = None
        self.flaky_every = flaky_every
        self._flaky: asyncio.Task[None] | None = None
        self.drops = 0

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:43211."""
        return f"http://{HOST}:{self.port}"

    async def start(self) -> str:
        """Bind and serve; returns the base URL."""
        # A short grace: open websockets are closed by stop() itself.
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1]
        self.routes.base_url = self.url
        if self.flaky_every:
            self._flaky = asyncio.create_task(self._flap(self.flaky_every))
        return self.url

    async def _flap(self, every: float) -> None:
        """Now and then drop the live links of one running conversation (a flaky ingress)."""
        rng = random.Random(self.world.rng.random())
        while True:
            await asyncio.sleep(every * rng.uniform(0.5, 1.5))
            running = [c for c in self.world.visible() if c.execution == "running"]
            if running:
                code = 1013 if rng.random() < 0.5 else 1001  # busy, or an ingress restart
                self.sockets.drop(rng.choice(running).hex, code)
                self.drops += 1

    async def stop(self) -> None:
        """Stop serving and close open connections (websockets included)."""
        if self._flaky is not None:
            self._flaky.cancel()
            self._flaky = None
        await self.sockets.drop_all()
        if self.v0 is not None:
            await self.v0.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def serve_forever(port: int, api_key: str | None, agent_at_root: bool, v0: bool) -> None:
    """Run the demo server until interrupted (`ohtop demo-server`)."""
    server = DemoServer(
        port=port, api_key=api_key, agent_at_root=agent_at_root, flaky_every=DEMO_FLAKY_EVERY, v0=v0
    )
    url = await server.start()
    kind = "V0 app server" if v0 else "agent server" if agent_at_root else "V1 app server"
    print(f"ohtop demo server ({kind}, {len(server.world.visible())} conversations) at {url}")
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
