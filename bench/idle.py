"""Idle: 1,000 conversations on a loopback demo server where nothing changes, for 60 s.

The server runs in its own process (its CPU is not ohtop's); the dashboard runs headless in
this one. Measured after the first load settles: CPU time of this process, frames handed to
the driver, and requests sent.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from typing import Any

import httpx

from bench import size
from bench.load import polls_per_minute
from bench.proc import child_server, cpu_seconds
from bench.ui import Repaints
from tui.client.config import ServerConfig
from tui.settings import Settings
from tui.store.websocket_store import LinkState
from tui.sync.polling import PollIntervals
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable

N = size(1_000, 50)
SECONDS = float(os.environ.get("OHTOP_BENCH_IDLE_SECONDS", size("60", "2")))
SETTLE = size(5.0, 1.0)  # after the first load: streams connecting


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


class Requests:
    """Counts the HTTP requests the dashboard sends."""

    def __init__(self) -> None:
        self.sent = 0
        send = httpx.AsyncClient.send

        async def counted(client: httpx.AsyncClient, *args: Any, **kw: Any) -> Any:
            self.sent += 1
            return await send(client, *args, **kw)

        httpx.AsyncClient.send = counted  # type: ignore[method-assign,assignment]


async def once(url: str, intervals: PollIntervals, requests: Requests) -> dict[str, Any]:
    """One idle dashboard: its CPU, frames and requests over SECONDS after settling."""
    settings = Settings(
        servers=(ServerConfig(url, name="idle", rate="100/s"),), intervals=intervals
    )
    app = OhtopApp(settings)
    async with app.run_test(size=(160, 45)):
        frames = Repaints(app)
        table = app.screen.query_one(ConversationTable)
        while not table.rows or any(m.details.wanted for m in app.fleet.monitors.values()):
            await asyncio.sleep(0.2)  # the first load: listing, then one history each
        await asyncio.sleep(SETTLE)
        drawn, asked, cpu, start = frames.frames, requests.sent, cpu_seconds(), time.monotonic()
        await asyncio.sleep(SECONDS)
        wall = time.monotonic() - start
        return {
            "rows": len(table.rows),
            "wall": wall,
            "cpu": (cpu_seconds() - cpu) / wall,
            "frames": (frames.frames - drawn) / wall,
            "requests": (requests.sent - asked) * 60 / wall,
            "streams": app.stores.links.totals()[LinkState.CONNECTED],
            "mix": Counter(v.status for v in app.stores.status),
        }


async def run() -> None:
    """Asking what changed (A) against polling each by id (B), alternating in one run."""
    requests = Requests()
    modes = {"what changed": PollIntervals(), "per id": PollIntervals(delta=0)}
    with child_server(_serve) as url:
        runs = [
            (name, await once(url, intervals, requests))
            for _ in range(size(2, 1))
            for name, intervals in modes.items()
        ]
    first = runs[0][1]
    print(f"\n5. Idle: {first['rows']:,} conversations, nothing changing, {SECONDS:.0f} s a run")
    print("   " + ", ".join(f"{n} {status}" for status, n in first["mix"].most_common()))
    for name, got in runs:
        print(
            f"   {name:<13} CPU {got['cpu']:6.2%} of one core, frames {got['frames']:5.2f}/s, "
            f"requests {got['requests']:5.1f}/min, streams up {got['streams']}"
        )
    print("   (targets: < 0.3% of a core asking what changed)")
    one_by_one = polls_per_minute(first["mix"])
    print(f"   polling each by id, one request each at the same intervals: {one_by_one:5.0f}/min")


if __name__ == "__main__":
    asyncio.run(run())
