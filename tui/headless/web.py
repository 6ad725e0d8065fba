"""`ohtop web`: the dashboard in a browser tab, served by textual-serve, safe by default.

- Loopback unless `--allow-remote` (then a warning). A random token is in the URL printed
  first on stdout; the page and its websocket refuse requests without it (403).
- Each tab runs one dashboard process, at most `--max-sessions` at once (the next tab gets a
  page saying so). A closed tab's process is ended (asked to quit, then killed); stopping the
  server ends them all.
- Keys reach the dashboards through their environment, never on a command line `ps` shows.
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
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
import textual_serve
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tui.headless.listen import Listen

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "web_templates"
STATIC = Path(textual_serve.__file__).resolve().parent / "static"
STOP_TIMEOUT = 5.0  # seconds a dashboard gets to quit before it is killed
DEFAULT_SESSIONS = 4


class DashboardSessions(Server):
    """textual-serve's server with a token, a session cap and no orphans."""

    def __init__(
        self,
        argv: Sequence[str],
        listen: Listen,
        *,
        token: str,
        max_sessions: int = DEFAULT_SESSIONS,
        demo: bool = False,
    ) -> None:
        super().__init__(
            "",
            host=listen.host,
            port=listen.port,
            title="ohtop",
            public_url=f"http://{listen.url_host}:{listen.port}",
            statics_path=STATIC,
            templates_path=TEMPLATES,
        )
        self.argv = list(argv)
        self.listen = listen
        self.token = token
        self.max_sessions = max_sessions
        self.demo = demo
        self.sessions: dict[str, AppService] = {}
        self._demo_server: Any = None

    @property
    def url(self) -> str:
        """The URL a person opens (token included)."""
        return f"{self.public_url}/?token={self.token}"

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
        if self.demo:  # one demo server for every tab
            from tui.demo.server import DEMO_FLAKY_EVERY, DemoServer

            self._demo_server = DemoServer(flaky_every=DEMO_FLAKY_EVERY)
            url = await self._demo_server.start()
            # A new demo world each run: an earlier run's history of it would be wrong.
            self.argv += ["--server", f"demo={url}", "--rate", "100/s", "--no-history"]
        self.command = shlex.join(self.argv)
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
        scheme = "wss" if self.public_url.startswith("https") else "ws"
        host = self.public_url.split("://", 1)[1]
        context = {
            "title": self.title,
            "static_url": f"{self.public_url}{static}".rstrip("/") + "/",
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


def dashboard_argv(args: Any) -> list[str]:
    """The command line of each tab's dashboard: the options of `ohtop web` that apply to a
    dashboard, without keys (they go through the environment: see `key_environment`)."""
    argv = [sys.executable, "-m", "tui"]
    for url in getattr(args, "server", None) or []:
        argv += ["--server", url]
    for flag in ("insecure", "bell", "allow_actions"):
        if getattr(args, flag, None):
            argv.append("--" + flag.replace("_", "-"))
    for option in ("rate", "config", "log_level", "max_streams"):
        value = getattr(args, option, None)
        if value is not None:
            argv += ["--" + option.replace("_", "-"), str(value)]
    return argv


def key_environment(args: Any) -> dict[str, str]:
    """The credentials given on ohtop web's command line, as environment for the dashboards."""
    env: dict[str, str] = {}
    for option, var in (
        ("api_key", "OHTOP_API_KEY"),
        ("session_api_key", "OHTOP_SESSION_API_KEY"),
        ("cookie", "OHTOP_COOKIE"),
    ):
        if value := getattr(args, option, None):
            env[var] = value
    return env


def web_command(args: Any, listen: Listen, max_sessions: int) -> int:
    """Serve dashboards until interrupted (blocking: textual-serve runs its own loop)."""
    os.environ.update(key_environment(args))  # inherited by each tab's dashboard
    server = DashboardSessions(
        dashboard_argv(args),
        listen,
        token=secrets.token_urlsafe(24),
        max_sessions=max_sessions,
        demo=bool(getattr(args, "demo", False)),
    )
    server.serve()
    return 0
