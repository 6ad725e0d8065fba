"""The exporter: a scrape at 10,000 conversations (the collector reads the stores), and the
exporter process idle at 1,000 conversations (the demo server in its own process)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import generate_latest

from bench import size
from bench.proc import child_server
from tui.client.config import ServerConfig
from tui.fleet.fleet import Fleet
from tui.fleet.metrics import registry_for
from tui.protocol.status import ServerKind
from tui.store.view import ConversationView

STATUSES = ["RUNNING", "ERROR", "STARTING", "STOPPED", "ARCHIVED"]
IDLE_SECONDS = float(os.environ.get("OHTOP_BENCH_IDLE_SECONDS", size("60", "2")))


def scrape_time(n: int = size(10_000, 200), runs: int = size(20, 2)) -> float:
    """Median seconds of one scrape (the whole text exposition) over `n` conversations."""
    fleet = Fleet([ServerConfig(f"http://127.0.0.1:{i}", name=f"s{i}") for i in range(10)])
    now = time.time()
    with fleet.stores.status.batch():
        for i in range(n):
            fleet.stores.status.upsert(
                ConversationView(
                    server=f"s{i % 10}",
                    id=f"{i:032x}",
                    kind=ServerKind.V1,
                    status=STATUSES[i % 5],
                    execution_status="running",
                    sandbox_status="RUNNING",
                    sandbox_id=f"sb{i}",
                    cost=0.01,
                    tokens=100,
                    updated_at=datetime.fromtimestamp(now - i, UTC),
                )
            )
    registry = registry_for(fleet)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        generate_latest(registry)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _serve(urls: object) -> None:
    import asyncio

    from tui.demo.scale import scale_world
    from tui.demo.server import DemoServer

    async def main() -> None:
        server = DemoServer(scale_world(size(1000, 50), seed=9))
        urls.put(await server.start())  # type: ignore[attr-defined]
        await asyncio.Event().wait()

    asyncio.run(main())


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _requests(line: str) -> float:
    """Total HTTP requests the exporter has made so far, read from its own /metrics."""
    url = line.split()[-1].strip()
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    return sum(
        float(row.rsplit(" ", 1)[1])
        for row in text.splitlines()
        if row.startswith("ohtop_http_requests_total{")
    )


def _settle(line: str, step: float = size(10.0, 1.0), limit: float = 240.0) -> float:
    """Wait until the request rate stops falling (the start-up work is done); seconds waited."""
    start = time.monotonic()
    previous, last_delta = _requests(line), float("inf")
    while time.monotonic() - start < limit:
        time.sleep(step)
        now = _requests(line)
        delta, previous = now - previous, now
        if delta >= last_delta * 0.9 and delta < 10 * step:
            break
        last_delta = delta
    return time.monotonic() - start


def exporter_idle() -> float:
    """Share of one core the exporter process uses at 1,000 conversations, nothing changing."""
    with child_server(_serve) as url:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "exporter", "--server", f"demo={url}",
             "--listen", "127.0.0.1:0", "--rate", "100/s", "--no-history"],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            settled = _settle(proc.stdout.readline().decode())
            print(f"   (settled after {settled:.0f} s: the first listing and 1,000 histories)")
            cpu, start = _cpu(proc.pid), time.monotonic()
            time.sleep(IDLE_SECONDS)
            return (_cpu(proc.pid) - cpu) / (time.monotonic() - start)
        finally:
            proc.terminate()
            proc.wait(10)


def run() -> None:
    scrape = scrape_time()
    print("\n8. The exporter")
    print(f"   one scrape at 10,000 conversations   {scrape * 1000:6.1f} ms   (target < 50 ms)")
    idle = exporter_idle()
    print(
        f"   idle at 1,000 conversations, {IDLE_SECONDS:.0f} s     {idle:6.2%} of one core", end=""
    )
    print("   (target < 1%)")


if __name__ == "__main__":
    run()
