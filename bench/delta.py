"""Requests a minute to keep a V1 fleet's statuses fresh: per-id polling at the web UI's
intervals (today's way, `delta=0`) against asking the server what changed (`delta`, the
default), A/B in one run.

The figures for 1,000 / 10,000 / 50,000 / 100,000 are the load model (one request per batch
of 99 due ids, one per page of a listing, one per question, one count per look), for the
big-fleet mix; the model is checked by a measured run of each way on the demo at 10,000
(status requests counted by the demo server over a window, the sweep's pages added pro rata
when the window is shorter than the sweep).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace

from bench import size
from bench.load import MIX
from bench.proc import record
from tui.client.config import ServerConfig
from tui.client.sources import BATCH_LIMIT
from tui.demo.scale import scale_world
from tui.demo.server import DemoServer
from tui.store.stores import Stores
from tui.sync.monitor import ServerMonitor
from tui.sync.polling import PollIntervals

PER_ID = PollIntervals(delta=0)
DELTA = PollIntervals()
CHANGES_PER_MIN = 0.01  # share of the fleet whose updated_at moves each minute
WINDOW = float(os.environ.get("OHTOP_BENCH_DELTA_WINDOW", size("150", "4")))
MEASURED_N = size(10_000, 300)
STATUS_ROUTES = (
    "/api/v1/app-conversations/search",
    "/api/v1/app-conversations/count",
    "/api/v1/app-conversations",
)


def model(n: int, intervals: PollIntervals) -> float:
    """Status requests a minute for `n` conversations of the mix, steady state."""
    asking = intervals.delta > 0
    every = intervals.in_delta() if asking else intervals
    polls = sum(
        n * share * 60 / base
        for status, share in MIX.items()
        if (base := every.base(status)) is not None
    )
    per_minute = polls / BATCH_LIMIT + (n / 100) * 60 / every.discover
    per_minute += 60 / intervals.look if intervals.look else 0.0
    if asking:
        per_minute += 60 / intervals.delta + n * CHANGES_PER_MIN / 100
    return per_minute


def largest(intervals: PollIntervals, budget: float = 100.0) -> int:
    """The largest fleet the model keeps fresh within `budget` requests a minute."""
    low, high = 0, 10_000_000
    while high - low > 100:
        mid = (low + high) // 2
        low, high = (mid, high) if model(mid, intervals) <= budget else (low, mid)
    return low


async def _measure(n: int, intervals: PollIntervals) -> float:
    """Status requests a minute over the window, the first listing and its polls excluded."""
    world = scale_world(n, seed=4)
    demo = DemoServer(world)
    await demo.start()
    monitor = ServerMonitor(ServerConfig(demo.url, name="demo"), Stores(), intervals, details=False)
    task = asyncio.ensure_future(monitor.run())
    try:
        while not monitor.listed:
            await asyncio.sleep(0.2)
        await asyncio.sleep(min(WINDOW / 3, 40))  # the first round of polls goes out
        before = sum(demo.routes.hits[r] for r in STATUS_ROUTES)
        live = [c for c in world.visible() if c.execution == "running"]
        changes, flips = n * CHANGES_PER_MIN * WINDOW / 60, 0
        for step in range(int(WINDOW)):
            while flips < changes * (step + 1) / WINDOW and live:
                c = live[flips % len(live)]
                world.push_state(c, "paused" if c.execution == "running" else "running")
                flips += 1
            await asyncio.sleep(1.0)
        during = sum(demo.routes.hits[r] for r in STATUS_ROUTES) - before
        sweep = intervals.in_delta().discover if intervals.delta else intervals.discover
        missing_sweeps = max(0.0, 1 - WINDOW / sweep)  # a window shorter than the sweep
        return during * 60 / WINDOW + missing_sweeps * (n / 100) * 60 / sweep
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await demo.stop()


def run() -> None:
    print("\n13. Keeping a V1 fleet fresh: status requests a minute (big-fleet mix)")
    for n in (1_000, 10_000, 50_000, 100_000):
        a, b = model(n, PER_ID), model(n, DELTA)
        print(f"   {n:7,}: per id {a:7.0f}/min   asking what changed {b:6.0f}/min   {a / b:5.1f}x")
    print(
        f"   largest fleet within 100/min: per id {largest(PER_ID):,}, "
        f"asking what changed {largest(DELTA):,}"
    )
    measured = {
        name: asyncio.run(_measure(MEASURED_N, replace(ways, jitter=0.1)))
        for name, ways in (("per id", PER_ID), ("asking what changed", DELTA))
    }
    print(f"   measured on the demo at {MEASURED_N:,} ({WINDOW:.0f} s window, sweeps pro rata):")
    for name, ways in (("per id", PER_ID), ("asking what changed", DELTA)):
        print(f"     {name:<20} {measured[name]:6.0f}/min (model {model(MEASURED_N, ways):.0f})")
    record("delta", per_id=measured["per id"], delta=measured["asking what changed"])


if __name__ == "__main__":
    run()
