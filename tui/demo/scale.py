"""Reproducible scale for anyone: `ohtop demo-server --conversations N --events-per-second M
--servers K` runs K demo servers of N conversations each, with a share of them running, some
waiting for a person, failed or starting, and M live events a second spread over them, so the
scale figures of `make bench` can be seen."""

from __future__ import annotations

import asyncio
import random

from tui.demo.scripts import ERRORS, Step
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld

# A big deployment's mix: most conversations are stopped; a few need a person or failed.
# (sandbox, execution, share); the rest are PAUSED sandboxes.
MIX = (
    ("RUNNING", "running", 0.12),
    ("RUNNING", "waiting_for_confirmation", 0.01),
    ("RUNNING", "error", 0.02),
    ("STARTING", None, 0.02),
    ("ERROR", None, 0.005),
)


def scale_world(n: int, seed: int) -> DemoWorld:
    """N conversations, all visible, with no scripts (a page of any size costs the same, and
    a world of 100,000 is built in seconds); the mix above, errors with their codes and the
    waiting ones with what they ask."""
    world = DemoWorld(n=0, seed=seed, spawn_every=1e12, max_visible=None)
    world.scripted = False
    rng = random.Random(seed)
    for i in range(n):
        c = world.add_still(born=-1.0 - i * 1e-3)
        c.sandbox, c.execution = "PAUSED", None
        roll = rng.random()
        for sandbox, execution, share in MIX:
            if roll < share:
                c.sandbox = sandbox
                if execution == "running":
                    c.execution = execution
                elif execution is not None:
                    error = ERRORS[i % len(ERRORS)] if execution == "error" else None
                    world.apply_now(c, Step(0.0, execution=execution, error=error))
                break
            roll -= share
    return world


async def pump(world: DemoWorld, rate: float) -> None:
    """`rate` execution-status events a second, round robin over the running conversations
    (each flips running <-> paused), paced to the clock."""
    live = [c for c in world.conversations.values() if c.execution == "running"]
    if not live or rate <= 0:
        return
    loop = asyncio.get_running_loop()
    sent, start = 0, loop.time()
    while True:
        due = int((loop.time() - start) * rate)
        for _ in range(due - sent):
            c = live[sent % len(live)]
            world.push_state(c, "paused" if c.execution == "running" else "running")
            sent += 1
        await asyncio.sleep(0.01)


async def serve_scale(port: int, conversations: int, rate: float, servers: int) -> None:
    """Run `servers` demo servers on consecutive ports until interrupted."""
    started: list[DemoServer] = []
    pumps = []
    try:
        for i in range(servers):
            world = scale_world(conversations, seed=100 + i)
            server = DemoServer(world, port=port + i if port else 0)
            url = await server.start()
            started.append(server)
            pumps.append(asyncio.create_task(pump(world, rate / servers)))
            live = sum(1 for c in world.conversations.values() if c.sandbox == "RUNNING")
            print(
                f"demo server {i + 1}/{servers} at {url}: {conversations:,} conversations, "
                f"{live:,} running, {rate / servers:,.0f} events/s",
                flush=True,
            )
        await asyncio.Event().wait()
    finally:
        for task in pumps:
            task.cancel()
        for server in started:
            await server.stop()
