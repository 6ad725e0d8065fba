"""Test helpers: waiting on conditions, recording HTTP traffic."""

from __future__ import annotations

import asyncio
import io
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from aiohttp import web
from rich.console import Console
from textual.app import App

from tui.protocol.status import ServerKind
from tui.store.view import ConversationView


async def wait_for(
    condition: Callable[[], bool], timeout: float = 10.0, step: float = 0.02
) -> None:
    """Wait until `condition()` holds; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)


class RecordingTransport(httpx.AsyncBaseTransport):
    """A real HTTP transport that remembers every request it sent."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def paths(self, contains: str) -> list[httpx.Request]:
        """Requests whose path contains `contains`."""
        return [r for r in self.requests if contains in r.url.path]


@asynccontextmanager
async def serve(app: web.Application, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """Serve an aiohttp app on a free 127.0.0.1 port for the block (over TLS when given a
    server context); yields its base URL."""
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # aiohttp private
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def view(
    cid: str,
    status: str = "RUNNING",
    execution: str | None = "running",
    *,
    server: str = "demo",
    kind: ServerKind = ServerKind.V1,
    **fields: Any,
) -> ConversationView:
    """A conversation view for tests that build stores by hand."""
    return ConversationView(
        server=server, id=cid, kind=kind, status=status, execution_status=execution, **fields
    )


def screen_text(app: App[Any]) -> list[str]:
    """What a person sees: every line of the app's screen as plain text (the whole stack
    composed, as `export_screenshot` draws it)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(  # Textual's own way to a screenshot
        full=True, screen_stack=app._background_screens
    )
    console.print(update)
    return console.export_text(styles=False).splitlines()
