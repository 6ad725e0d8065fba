"""The receiver of agent servers' webhooks (`--webhooks [HOST:]PORT`): `POST /events/{hex}`
and `POST /conversations` at the root of that address, so an agent server started with
`OH_WEBHOOKS_0_BASE_URL=http://HOST:PORT` and `OH_WEBHOOKS_0_HEADERS={"X-Ohtop-Secret": ...}`
pushes to it. A request without the shared secret is a 401 and changes nothing; a body over
`MAX_BODY` is a 413; what is not JSON is a 400."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from tui.fleet.fleet import Fleet
from tui.fleet.listen import Listen
from tui.fleet.push import PushIntake

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Ohtop-Secret"
MAX_BODY = 8 * 1024 * 1024  # an agent server's batch is at most 5 MB by default


class PushServer:
    """Receives pushed events for a Fleet, in its event loop."""

    def __init__(self, fleet: Fleet, listen: Listen) -> None:
        assert listen.token, "the receiver needs its shared secret"
        self.fleet = fleet
        self.listen = listen
        self.port = listen.port
        self.refused = 0  # requests without the secret
        self._runner: web.AppRunner | None = None
        if fleet.push is None:
            fleet.push = PushIntake(fleet)
        self.intake: PushIntake = fleet.push

    @property
    def url(self) -> str:
        """The base URL to give agent servers."""
        return f"http://{self.listen.url_host}:{self.port}"

    def _allowed(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode()
        assert self.listen.token is not None
        if hmac.compare_digest(given, self.listen.token.encode()):
            return True
        self.refused += 1
        return False

    async def _body(self, request: web.Request) -> object:
        try:
            return json.loads(await request.read())
        except ValueError as exc:
            raise web.HTTPBadRequest(text="not JSON\n") from exc

    async def events(self, request: web.Request) -> web.StreamResponse:
        if not self._allowed(request):
            return web.Response(status=401, text="the shared secret is required\n")
        body = await self._body(request)
        if not isinstance(body, list):
            return web.Response(status=400, text="a JSON array of events is expected\n")
        taken = self.intake.events(request.match_info["conversation"], body)
        return web.json_response({"success": True, "taken": taken})

    async def conversations(self, request: web.Request) -> web.StreamResponse:
        if not self._allowed(request):
            return web.Response(status=401, text="the shared secret is required\n")
        self.intake.conversation(await self._body(request))
        return web.json_response({"success": True})

    async def start(self) -> str:
        """Bind and receive; returns the base URL for agent servers."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post("/events/{conversation}", self.events)
        app.router.add_post("/conversations", self.conversations)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen.host, self.listen.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self.intake.receiver_restarted()
        return self.url

    async def stop(self) -> None:
        """Stop receiving (agent servers retry, then drop; the repair takes what was lost)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
