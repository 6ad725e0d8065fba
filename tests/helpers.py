"""Every helper the tests share, in one module: waiting on conditions, clocks, captured
fixtures, loopback servers that misbehave on purpose, recording HTTP traffic, the dashboard on
a demo server and what a person sees of it, a stream worker on a scripted stream, and processes
below a process."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from textual.app import App

from tui.client.config import ServerConfig
from tui.client.stream import CloseKind, Endpoint, StreamError, StreamItem, StreamTarget
from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation
from tui.protocol.status import ServerKind
from tui.settings import Settings
from tui.store.stores import Stores
from tui.store.view import ConversationView
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff
from tui.sync.ingest import EventSink
from tui.sync.monitor import ServerMonitor
from tui.sync.polling import PollIntervals
from tui.sync.stream_parts import HandshakeGate, StreamPolicy
from tui.sync.stream_worker import StreamWorker
from tui.ui.app import OhtopApp
from tui.ui.frames import screen_lines
from tui.ui.widgets.conversation_table import ConversationTable


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
    """What a person sees: every line of the app's screen as plain text."""
    return screen_lines(app)


FAST = PollIntervals(
    starting=0.05,
    running=0.05,
    stopped=0.05,
    error=0.05,
    other=0.05,
    discover=0.2,
    jitter=0.0,
    delta=0,  # per-id polls every 50 ms; FAST_DELTA asks what changed instead
)
# Asking what changed every 100 ms, per-id polls only as a slow backstop (a second), the full
# listing as a sweep every 3 s: what a V1 app server gets by default, sped up.
FAST_DELTA = replace(FAST, delta=0.1, backstop_starting=1.0, backstop=1.0, sweep=3.0, discover=3.0)


@asynccontextmanager
async def running(monitor: ServerMonitor) -> AsyncIterator[ServerMonitor]:
    task = asyncio.create_task(monitor.run())
    try:
        yield monitor
    finally:
        task.cancel()
        # Bounded: a monitor that ignored its cancellation must fail the test, not hang it.
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


HERE = Path(__file__).resolve().parent


FIXTURES = HERE / "fixtures"


AGENT = FIXTURES / "agent-server-1.58.2"


APP = FIXTURES / "app-server-1.11.0"


def load(path: Path) -> Any:
    """A JSON fixture."""
    return json.loads(path.read_text())


def frames(path: Path) -> list[Any]:
    """A JSONL capture, one decoded frame per line."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def demo_app(demo: DemoServer) -> OhtopApp:
    return OhtopApp(Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST))


def table_of(app: OhtopApp) -> ConversationTable:
    return app.screen.query_one(ConversationTable)


def row_text(table: ConversationTable, key: tuple[str, str]) -> str:
    row = table.rows.index(key)
    table.scroll_to(y=row, animate=False)
    return table.render_line(row - int(table.scroll_y)).text


def frozen(demo: DemoServer, execution: str) -> DemoConversation:
    conv = next(
        c for c in demo.world.visible() if c.sandbox == "RUNNING" and c.execution == execution
    )
    conv.script.steps.clear()  # the test drives this one
    return conv


async def loaded(app: OhtopApp, demo: DemoServer) -> None:
    await wait_for(lambda: len(table_of(app).rows) == len(demo.world.visible()))


STREAM_KEY = ("s", "c" * 32)


class Script:
    """Each connect() takes the next step: an exception, or a list of items then a close."""

    def __init__(self, steps: list[Any]) -> None:
        self.steps = steps
        self.calls: list[dict[str, Any]] = []

    def factory(self, target: StreamTarget, endpoint: Endpoint, **kw: Any) -> FakeStream:
        self.calls.append({"target": target, "endpoint": endpoint, **kw})
        return FakeStream(self.steps.pop(0) if self.steps else None)


class FakeStream:
    def __init__(self, step: Any) -> None:
        self.step = step

    async def connect(self) -> None:
        if self.step is None:  # the script is over: hang here, as a silent server would
            await asyncio.Event().wait()
        if isinstance(self.step, StreamError):
            raise self.step

    async def items(self) -> AsyncIterator[StreamItem]:
        items, end, before_end = self.step
        for item in items:
            yield item
        if before_end is not None:
            await before_end()
        raise end

    async def close(self) -> None:
        return None


class Harness:
    """A worker with a manual clock; `sleep` records delays and advances the clock."""

    def __init__(self, steps: list[Any], target: StreamTarget | None = None) -> None:
        self.clock = ManualClock()
        self.stores = Stores()
        self.stores.status.upsert(
            ConversationView(
                server="s",
                id=STREAM_KEY[1],
                kind=ServerKind.AGENT,
                status="RUNNING",
                execution_status="running",
            )
        )
        self.script = Script(steps)
        self.target = target or StreamTarget("http://h", STREAM_KEY[1], "k")
        self.fatal: list[object] = []
        self.reconnected: list[object] = []
        self.slept: list[float] = []
        self.worker = StreamWorker(
            STREAM_KEY,
            "stream s/c",
            lambda: self.target,
            EventSink(self.stores),
            self.stores.links,
            HandshakeGate(2),
            policy=StreamPolicy(stagger=0.0),
            clock=self.clock,
            sleep=self.sleep,
            rng=random.Random(7),
            on_fatal=self.fatal.append,
            on_reconnected=self.reconnected.append,
            factory=self.script.factory,
        )

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)

    def state(self) -> LinkState:
        return self.stores.links.get("stream s/c").state


def drop(code: int = 1006) -> StreamError:
    return StreamError(CloseKind.DROPPED, f"closed {code}", code)


FAULT_ITEM = {
    "id": "ab" * 16,
    "title": "t",
    "sandbox_status": "RUNNING",
    "execution_status": "running",
}


class FaultServer:
    """A V1 app server whose answers are chosen by `mode`."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.hits = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        path = request.path
        mode = self.mode
        if mode == "ok" or path.endswith("/count"):
            if path.endswith("/count"):
                return web.json_response(1)
            if path.endswith("/search"):
                return web.json_response({"items": [FAULT_ITEM], "next_page_id": None})
            return web.json_response([FAULT_ITEM])
        if mode.isdigit():
            headers = {"Retry-After": "2"} if mode == "429" else {}
            return web.json_response({"detail": f"fault {mode}"}, status=int(mode), headers=headers)
        if mode == "ratelimit_reset":
            return web.json_response(
                {"error": "Rate limit exceeded: 100/minute"},
                status=429,
                headers={"X-RateLimit-Reset": str(int(time.time()) + 3)},
            )
        if mode == "html":
            return web.Response(
                text="<!doctype html><title>OpenHands</title>", content_type="text/html"
            )
        if mode == "truncated":
            return web.Response(text='{"items": [{"id": "ab', content_type="application/json")
        if mode == "wrong_shape":
            return web.json_response(
                {"conversations": "nope"} if path.endswith("/search") else {"not": "a list"}
            )
        if mode == "slow":
            await asyncio.sleep(3)
            return web.json_response([FAULT_ITEM])
        raise AssertionError(mode)


@asynccontextmanager
async def fault_server() -> AsyncIterator[tuple[FaultServer, str]]:
    fault = FaultServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fault.handle)
    async with serve(app) as url:
        yield fault, url


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


QUICK = StreamPolicy(backoff=Backoff(0.05, 0.2), busy_backoff=Backoff(0.05, 0.2), stagger=0.0)


@asynccontextmanager
async def streaming(worker: StreamWorker) -> AsyncIterator[StreamWorker]:
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def captured(root: Path, pattern: str, at_least: int) -> list[Path]:
    """The captured fixtures matching `pattern`, sorted; fails at collection when fewer than
    `at_least` are there (a loop over no files passes: a moved folder must not pass too)."""
    found = sorted(root.glob(pattern))
    if len(found) < at_least:
        raise RuntimeError(f"{root}/{pattern}: {len(found)} files, expected {at_least} or more")
    return found
