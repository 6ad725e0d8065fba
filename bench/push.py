"""Status latency with push: an agent server's webhook batch (one state event) posted to
`--webhooks`, to the change in ohtop's output (`watch --jsonl`, the reason `push`), p50 and
p95 of 200 changes over 12 conversations on the demo agent server. An agent server adds its
own buffering before it posts (`OH_WEBHOOKS_<i>_FLUSH_DELAY`, 30 s by default): the latency
a person sees is that plus this."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import statistics
import time
from dataclasses import replace

import httpx

from bench import size
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld, state_event
from tui.fleet.listen import Listen
from tui.headless.watch import watch_command
from tui.settings import Settings
from tui.sync.polling import PollIntervals

SECRET = "a-secret-for-the-push-bench"
CHANGES = size(200, 20)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def measure() -> list[float]:
    world = DemoWorld(n=12, seed=31, spawn_every=1e9)
    for c in world.conversations.values():
        c.deleted = c.born > 0
        c.script.steps.clear()
    demo = DemoServer(world, agent_at_root=True)
    await demo.start()
    port = _port()
    slow = replace(PollIntervals(), running=600.0, stopped=600.0, error=600.0, discover=600.0)
    settings = Settings(
        servers=(ServerConfig(demo.url, name="agent"),),
        intervals=slow,
        max_streams=-1,
        webhooks=Listen("127.0.0.1", port, SECRET),
    )
    out = io.StringIO()
    watch = asyncio.ensure_future(watch_command(settings, out))
    hexes = [c.hex for c in world.visible()]
    took: list[float] = []
    try:
        async with httpx.AsyncClient(headers={"X-Ohtop-Secret": SECRET}) as http:
            base = f"http://127.0.0.1:{port}"
            while hexes[0] not in out.getvalue():  # listed, and the receiver is up
                await asyncio.sleep(0.05)
            values = ("paused", "running")
            for i in range(CHANGES):
                hex_id = hexes[i % len(hexes)]
                value = values[(i // len(hexes)) % 2]
                before = len(out.getvalue())
                begun = time.perf_counter()
                answer = await http.post(f"{base}/events/{hex_id}", json=[state_event(value)])
                answer.raise_for_status()
                while not _arrived(out.getvalue()[before:], hex_id, value):
                    await asyncio.sleep(0.0005)
                took.append(time.perf_counter() - begun)
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
        await demo.stop()
    return took


def _arrived(text: str, hex_id: str, value: str) -> bool:
    for line in text.splitlines():
        record = json.loads(line)
        if record.get("conversation") == hex_id and record.get("to_execution") == value:
            return bool(record.get("reason") == "push")
    return False


def run() -> None:
    took = asyncio.run(measure())
    p50, p95 = statistics.median(took), statistics.quantiles(took, n=20)[-1]
    print("\n16. Status latency with push")
    print(
        f"   webhook post -> `watch` line (reason push), {len(took)} changes: "
        f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (plus the agent server's flush delay)"
    )


if __name__ == "__main__":
    run()
