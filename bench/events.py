"""Live events: a loopback demo server streams M events a second over N websockets into the
dashboard (headless). The server runs in its own process; measured here: events applied per
second, delay from the server's timestamp to the stores, and this process's CPU."""

from __future__ import annotations

import asyncio
import cProfile
import multiprocessing
import os
import statistics
import time
from datetime import datetime
from typing import Any

from bench import size
from bench.proc import child_server, cpu_seconds, peak_rss_mb, record
from bench.ui import Repaints
from tui.client.config import ServerConfig
from tui.settings import Settings
from tui.store.view import Key
from tui.store.websocket_store import LinkState
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable

STREAMS = int(os.environ.get("OHTOP_BENCH_STREAMS", size("200", "5")))
RATE = int(os.environ.get("OHTOP_BENCH_EVENTS_PER_S", size("2000", "50")))
SECONDS = float(os.environ.get("OHTOP_BENCH_EVENTS_SECONDS", size("20", "2")))
PROFILE = os.environ.get("OHTOP_BENCH_PROFILE")  # a file for the cProfile stats of the window


def _serve(urls: Any, go: Any) -> None:
    """Child process: STREAMS running conversations; after `go`, RATE events a second."""
    from tui.demo.server import DemoServer
    from tui.demo.world import DemoWorld

    async def main() -> None:
        world = DemoWorld(n=STREAMS, seed=5, spawn_every=1e12, max_visible=None)
        convs = world.hold_running()
        server = DemoServer(world)
        urls.put(await server.start())
        while not go.is_set():
            await asyncio.sleep(0.05)
        sent, start = 0, time.monotonic()
        while True:  # paced to RATE, round robin; each event flips running <-> paused
            due = int((time.monotonic() - start) * RATE)
            for _ in range(due - sent):
                c = convs[sent % len(convs)]
                world.push_state(c, "paused" if c.execution == "running" else "running")
                sent += 1
            await asyncio.sleep(0.01)

    asyncio.run(main())


async def run() -> None:
    go = multiprocessing.get_context("spawn").Event()
    with child_server(_serve, go) as url:
        app = OhtopApp(
            Settings(servers=(ServerConfig(url, name="load", rate="100/s"),), max_streams=STREAMS)
        )
        async with app.run_test(size=(160, 45)):
            stores = app.stores
            deadline = time.monotonic() + 120
            while stores.links.totals()[LinkState.CONNECTED] < STREAMS:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(2.0)
            table = app.screen.query_one(ConversationTable)
            delays: list[float] = []  # server timestamp -> stores
            # server timestamp -> the first frame after the table took the change, for
            # conversations whose row is on screen (the others change only counters)
            shown: list[float] = []
            waiting: dict[Key, list[float]] = {}  # in the stores, not yet in the table
            ready: list[float] = []  # in the table, not yet on screen
            counted = [0]

            def frame() -> None:
                if ready:
                    now = time.time()
                    shown.extend(now - at for at in ready)
                    ready.clear()

            Repaints(app, on_frame=frame)
            apply_changes = table.apply_changes

            def applied(keys: frozenset[Key] | None = None) -> None:
                apply_changes(keys)
                taken = list(waiting) if keys is None else keys & waiting.keys()
                for key in table.on_screen(taken):  # one look at the span per change set
                    ready.extend(waiting[key])
                for key in taken:
                    del waiting[key]

            table.apply_changes = applied  # type: ignore[method-assign]

            def added(key: Key) -> None:
                counted[0] += 1
                event = stores.events.latest(key)
                if event is not None and event.kind == "ConversationStateUpdateEvent":
                    at = datetime.fromisoformat(event.timestamp).timestamp()  # server-local
                    delays.append(time.time() - at)
                    waiting.setdefault(key, []).append(at)  # on screen? seen when applied

            unsubscribe = stores.events.added.subscribe(added)
            go.set()
            profiler = cProfile.Profile() if PROFILE else None
            if profiler is not None:
                profiler.enable()
            cpu, start = cpu_seconds(), time.monotonic()
            await asyncio.sleep(SECONDS)
            wall, used = time.monotonic() - start, cpu_seconds() - cpu
            if profiler is not None and PROFILE:
                profiler.disable()
                profiler.dump_stats(PROFILE)
            unsubscribe()
            up = stores.links.totals()[LinkState.CONNECTED]
    print(f"\n7. Live events: {RATE}/s sent over {up} streams to the dashboard, {wall:.0f} s")
    print(f"   applied {counted[0] / wall:7.0f} events/s   CPU {used / wall:6.1%} of one core")
    figures = {"rate": float(RATE), "applied": counted[0] / wall, "cpu": used / wall}
    for name, got in (("stores", delays), ("screen (rows on screen)", shown)):
        if len(got) > 20:
            p50, p95 = statistics.median(got), statistics.quantiles(got, n=20)[-1]
            ms = f"p50 {p50 * 1000:5.1f} ms, p95 {p95 * 1000:5.1f} ms"
            print(f"   server timestamp -> {name}: {ms}")
            figures[f"{name.split()[0]}_p95_ms"] = p95 * 1000
    print("   (target: all applied at 2,000/s, <= 50% of a core, -> screen p95 < 100 ms)")
    figures["rss_mb"] = peak_rss_mb()
    record("events", **figures)


if __name__ == "__main__":
    asyncio.run(run())
