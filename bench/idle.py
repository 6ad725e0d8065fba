"""Idle: 1,000 conversations on a loopback demo server where nothing changes, for 60 s.

The server runs in its own process (its CPU is not ohtop's); the dashboard runs headless in
this one. Measured after the first load settles: CPU time of this process, frames handed to
the driver, and requests sent.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import time
from collections import Counter
from typing import Any

import httpx

from bench.load import SEED
from tui.app import OhtopApp
from tui.client.config import ServerConfig
from tui.state.polling import PollIntervals
from tui.state.websocket_store import LinkState
from tui.widgets.conversation_table import ConversationTable

N = 1_000
SECONDS = float(os.environ.get("OHTOP_BENCH_IDLE_SECONDS", "60"))
SETTLE = 5.0  # after the first load: streams connecting


def _serve(urls: Any) -> None:
    """Child process: a demo world an hour on, then frozen (its clock never moves again):
    scripts have played out, as in a fleet at rest; conversations left RUNNING stay so."""
    from tui.demo.server import DemoServer
    from tui.demo.world import DemoWorld

    async def main() -> None:
        # Born about three hours ago, as in a fleet at rest: clocks on screen step by minutes.
        start = iter([0.0])
        world = DemoWorld(
            n=N,
            wall=lambda: time.time() - 3 * 3600,
            clock=lambda: next(start, 3600.0),
            spawn_every=1e12,
            max_visible=None,
        )
        server = DemoServer(world)
        urls.put(await server.start())
        await asyncio.Event().wait()

    asyncio.run(main())


def per_minute_one_by_one(statuses: list[str], intervals: PollIntervals = SEED) -> float:
    """Requests a minute if each conversation were polled by id (the web UI's way)."""
    total = 0.0
    for status in statuses:
        every = intervals.base(status)
        total += 60 / every if every else 0.0
    return total


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Counts:
    """Frames and requests while the dashboard runs."""

    def __init__(self, app: OhtopApp) -> None:
        self.frames = 0
        self.requests = 0
        display = app._display
        send = httpx.AsyncClient.send

        def counted_display(*args: Any) -> None:
            self.frames += 1
            display(*args)

        async def counted_send(client: httpx.AsyncClient, *args: Any, **kw: Any) -> Any:
            self.requests += 1
            if os.environ.get("OHTOP_BENCH_TRACE"):
                request = args[0]
                print(request.url.path, dict(request.url.params))
            return await send(client, *args, **kw)

        app._display = counted_display  # type: ignore[method-assign,assignment]
        httpx.AsyncClient.send = counted_send  # type: ignore[method-assign,assignment]


async def run() -> None:
    ctx = multiprocessing.get_context("spawn")
    urls = ctx.Queue()
    server = ctx.Process(target=_serve, args=(urls,), daemon=True)
    server.start()
    try:
        url = urls.get(timeout=60)
        app = OhtopApp([ServerConfig(url, name="idle", rate="100/s")])
        async with app.run_test(size=(160, 45)):
            counts = Counts(app)
            table = app.screen.query_one(ConversationTable)
            while not table.rows or any(m._details_wanted for m in app.monitors):
                await asyncio.sleep(0.2)  # the first load: listing, then one history each
            await asyncio.sleep(SETTLE)
            rows = len(table.rows)
            frames, requests, cpu, start = counts.frames, counts.requests, _cpu(), time.monotonic()
            await asyncio.sleep(SECONDS)
            wall = time.monotonic() - start
            used = _cpu() - cpu
            links = app.stores.links.totals()
            statuses = [v.status for v in app.stores.status]
            one_by_one = per_minute_one_by_one(statuses)
        print(f"\n5. Idle: {rows:,} conversations, nothing changing, {wall:.0f} s (headless)")
        mix = Counter(statuses)
        print("   " + ", ".join(f"{n} {status}" for status, n in mix.most_common()))
        print(f"   CPU {used / wall:6.2%} of one core   (target < 1%)")
        print(f"   frames {(counts.frames - frames) / wall:5.2f}/s   requests", end="")
        sent = (counts.requests - requests) * 60 / wall
        print(f" {sent:5.1f}/min   streams up {links[LinkState.CONNECTED]}")
        print(f"   polling each by id at the same intervals: {one_by_one:5.0f}/min", end="")
        print(f" ({one_by_one / max(sent, 1e-9):.0f}x more)")
    finally:
        server.terminate()
        server.join(10)


if __name__ == "__main__":
    asyncio.run(run())
