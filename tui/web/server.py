"""`ohtop web`: the dashboard in a browser tab, served by textual-serve, safe by default.

- Loopback unless `--allow-remote` (then a warning). A random token is in the URL printed
  first on stdout; the page and its websocket refuse requests without it (403).
- Each tab runs one dashboard process, at most `--max-sessions` at once (the next tab gets a
  page saying so). A closed tab's process is ended (asked to quit, then killed); stopping the
  server ends them all.
- Each tab's dashboard runs the settings `ohtop web` resolved, handed over in its environment
  (keys too: never on a command line `ps` shows), and ends when `ohtop web` ends, however
  it ends (it watches its parent).
- The page loads nothing from outside the machine (textual-serve's own template links a web
  font from the internet; ours serves it locally).
- With `--demo`, one demo server runs here and every tab watches it.

This module does not import Textual: it runs dashboards as child processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import secrets
import shlex
import signal
import socket
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
import textual_serve
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tui.client.config import ServerConfig
from tui.session.parent import PARENT_ENV
from tui.settings import Settings
from tui.settings import wire as settings_wire
from tui.settings.listen import Listen

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(textual_serve.__file__).resolve().parent / "static"
STOP_TIMEOUT = 5.0  # seconds a dashboard gets to quit before it is killed
DEFAULT_SESSIONS = 4
# A tab's dashboard: `python -m tui` with no arguments, its settings in its environment.
TAB_COMMAND = shlex.join([sys.executable, "-m", "tui"])


class DashboardSessions(Server):
    """textual-serve's server with a token, a session cap and no orphans."""

    def __init__(
        self,
        settings: Settings,
        listen: Listen,
        *,
        token: str,
        max_sessions: int = DEFAULT_SESSIONS,
        public_url: str | None = None,
    ) -> None:
        super().__init__(
            TAB_COMMAND,
            host=listen.host,
            port=listen.port,
            title="ohtop",
            public_url=(public_url or f"http://{listen.url_host}:{listen.port}").rstrip("/"),
            statics_path=STATIC,
            templates_path=TEMPLATES,
        )
        self.settings = settings
        self.listen = listen
        self.token = token
        self.max_sessions = max_sessions
        # Pages point at what the browser used (after the token check), unless a public URL
        # was given: a bind address such as 0.0.0.0 is no address to browse to.
        self.fixed_url = public_url is not None
        self.sessions: dict[str, AppService] = {}
        self._demo_server: Any = None

    @property
    def url(self) -> str:
        """The URL a person opens (token included)."""
        base = self.public_url
        if not self.fixed_url and self.listen.host in ("0.0.0.0", "::"):
            base = f"http://127.0.0.1:{self.port_bound}"
        return f"{base}/?token={self.token}"

    @property
    def port_bound(self) -> int:
        """The port listened on."""
        return self.listen.port

    def serve(self, debug: bool = False) -> None:
        """textual-serve's `serve`, on a socket bound here first: with port 0 the page's URL
        then names the port the system gave, not 0."""
        self.debug = debug
        family = socket.AF_INET6 if ":" in self.listen.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.listen.host, self.listen.port))
        sock.listen(128)
        bound = int(sock.getsockname()[1])
        if bound != self.listen.port:
            self.listen = replace(self.listen, port=bound)
            self.port = bound
            if not self.fixed_url:
                self.public_url = f"http://{self.listen.url_host}:{bound}"
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.add_signal_handler(signal.SIGINT, self.request_exit)
        loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        web.run_app(
            self._make_app(), sock=sock, handle_signals=False, loop=loop, print=lambda *_: None
        )

    def initialize_logging(self) -> None:
        """ohtop logs to its own file; nothing here writes to the console but the URL."""

    def _token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(self.templates_path)))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_session, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        settings = self.settings
        if settings.demo:  # one demo server for every tab
            from tui.demo.server import DEMO_FLAKY_EVERY, DEMO_RATE, DemoServer

            self._demo_server = DemoServer(flaky_every=DEMO_FLAKY_EVERY)
            url = await self._demo_server.start()
            demo = ServerConfig(url, name="demo", rate=DEMO_RATE)
            # A new demo world each run: an earlier run's history of it would be wrong.
            settings = replace(settings, demo=False, servers=(demo,), history=None)
        # Each tab's dashboard runs exactly these settings (keys included), handed over in
        # its environment, and watches this process so it ends when this one does.
        os.environ[settings_wire.ENV] = settings_wire.dump(settings)
        os.environ[PARENT_ENV] = str(os.getpid())
        print(self.url, flush=True)  # the first line on stdout: the page to open
        if not self.listen.loopback:
            sys.stderr.write(
                f"ohtop web: listening on {self.listen.host}: other machines can reach it; "
                "anyone with the URL (and its token) can use the dashboard\n"
            )

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(self._end(s) for s in list(self.sessions.values())))
        if self._demo_server is not None:
            await self._demo_server.stop()

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if not self._token_ok(request.query.get("token")):
            return web.Response(status=403, text="This ohtop needs the URL it printed (token).\n")
        if len(self.sessions) >= self.max_sessions:
            return aiohttp_jinja2.render_template(
                "busy.html",
                request,
                {"title": self.title, "max_sessions": self.max_sessions},
                status=503,
            )
        static = request.app.router["static"].url_for(filename="/")
        websocket = request.app.router["websocket"].url_for(token=self.token)
        base = self.public_url if self.fixed_url else f"{request.scheme}://{request.host}"
        scheme = "wss" if base.startswith("https") else "ws"
        host = base.split("://", 1)[1]
        context = {
            "title": self.title,
            "static_url": f"{base}{static}".rstrip("/") + "/",
            "websocket_url": f"{scheme}://{host}{websocket}",
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
        }
        return aiohttp_jinja2.render_template("dashboard.html", request, context)

    async def handle_session(self, request: web.Request) -> web.StreamResponse:
        """One tab's websocket: one dashboard process, ended when the tab goes."""
        if not self._token_ok(request.match_info.get("token")):
            return web.Response(status=403, text="wrong token\n")
        if len(self.sessions) >= self.max_sessions:
            return web.Response(status=503, text="no free dashboard session\n")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)

        async def close() -> None:
            await websocket.close()

        service = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
        )
        self.sessions[service.app_service_id] = service
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("dashboard session failed")
        finally:
            await self._end(service)
        return websocket

    async def _end(self, service: AppService) -> None:
        """Ask the dashboard to quit; kill it if it does not (no orphan processes)."""
        self.sessions.pop(service.app_service_id, None)
        process = service._process  # textual-serve keeps it private; we must not lose it
        with contextlib.suppress(Exception):
            await asyncio.wait_for(service.stop(), STOP_TIMEOUT)
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)


def web_command(
    settings: Settings, listen: Listen, max_sessions: int, public_url: str | None = None
) -> int:
    """Serve dashboards until interrupted (blocking: textual-serve runs its own loop)."""
    server = DashboardSessions(
        settings,
        listen,
        token=secrets.token_urlsafe(24),
        max_sessions=max_sessions,
        public_url=public_url,
    )
    server.serve()
    return 0
