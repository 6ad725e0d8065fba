"""The exporter: a scrape at 10,000 conversations (the collector reads the stores), and the
exporter process idle at 1,000 conversations (the demo server in its own process)."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import generate_latest

from bench import size
from bench.proc import child_server
from tui.client.config import ServerConfig
from tui.fleet import metrics_server
from tui.fleet.fleet import Fleet
from tui.fleet.listen import Listen
from tui.fleet.metrics import registry_for, render, snapshot
from tui.fleet.metrics_server import MetricsServer
from tui.protocol.status import ServerKind
from tui.store.view import ConversationView
from tui.sync.polling import PollIntervals

STATUSES = ["RUNNING", "ERROR", "STARTING", "STOPPED", "ARCHIVED"]
IDLE_SECONDS = float(os.environ.get("OHTOP_BENCH_IDLE_SECONDS", size("60", "2")))


def _fleet(n: int) -> Fleet:
    """A Fleet of ten servers holding `n` conversations of every status."""
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
    return fleet


def scrape_time(n: int = size(10_000, 200), runs: int = size(20, 2)) -> float:
    """Median seconds of one scrape (the whole text exposition) over `n` conversations."""
    registry = registry_for(_fleet(n))
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


def exporter_idle(per_id: bool = False) -> float:
    """Share of one core the exporter process uses at 1,000 conversations, nothing changing;
    `per_id`: polling every conversation at the web UI's intervals instead of asking the V1
    server what changed (the A of the A/B)."""
    with child_server(_serve) as url, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(f"[polling]\ndelta = {0 if per_id else PollIntervals().delta}\n")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "exporter", "--server", f"demo={url}",
             "--listen", "127.0.0.1:0", "--rate", "100/s", "--no-history",
             "--config", str(config)],
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


class _OnTheLoop(MetricsServer):
    """The A of the A/B: the exposition computed on the event loop, every scrape."""

    async def exposition(self) -> bytes:
        return render(snapshot(self.fleet), self.conversation_info, self.shard)


SCRAPER = (
    "import sys, time, urllib.request\n"
    "end = time.monotonic() + float(sys.argv[2])\n"
    "while time.monotonic() < end:\n"
    "    urllib.request.urlopen(sys.argv[1], timeout=30).read()\n"
    "    time.sleep(0.2)\n"
)


async def _lag(server: MetricsServer, seconds: float) -> list[float]:
    """How late a 5 ms timer on the loop fires while another process scrapes every 0.2 s."""
    url = await server.start()
    scraper = await asyncio.create_subprocess_exec(sys.executable, "-c", SCRAPER, url, str(seconds))
    late = []
    try:
        while scraper.returncode is None:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            late.append(time.perf_counter() - start - 0.005)
    finally:
        await scraper.wait()
        await server.stop()
    return late


def scrape_lag(
    n: int = size(10_000, 200), seconds: float = size(5.0, 0.5), runs: int = size(3, 1)
) -> dict[str, tuple[float, float]]:
    """The loop's lag (p99, max; medians of `runs`) with the exposition on the loop and off it."""
    metrics_server.REUSE_FOR = 0.0  # every scrape computes (the reuse would hide the cost)
    fleet = _fleet(n)
    listen = Listen("127.0.0.1", 0)
    out = {}
    for name, kind in (("on the loop", _OnTheLoop), ("off the loop", MetricsServer)):
        p99s, maxes = [], []
        for _ in range(runs):
            late = sorted(asyncio.run(_lag(kind(fleet, listen), seconds)))
            p99s.append(late[int(len(late) * 0.99)])
            maxes.append(late[-1])
        out[name] = (statistics.median(p99s), statistics.median(maxes))
    return out


def run() -> None:
    scrape = scrape_time()
    print("\n8. The exporter")
    print(f"   one scrape at 10,000 conversations   {scrape * 1000:6.1f} ms   (target < 50 ms)")
    lag = scrape_lag()
    print("   the loop's lag while scraped every 0.2 s at 10,000 (p99 / max, medians of 3 runs):")
    for name, (p99, worst) in lag.items():
        print(f"     {name:<14} {p99 * 1000:6.1f} ms / {worst * 1000:6.1f} ms")
    on, off = lag["on the loop"][0], lag["off the loop"][0]
    print(f"     p99 ratio on/off: {on / max(off, 1e-6):.1f}x")
    for name, per_id in (("polling per id", True), ("asking what changed", False)):
        idle = exporter_idle(per_id)
        print(
            f"   idle at 1,000 conversations, {IDLE_SECONDS:.0f} s, {name:<20} "
            f"{idle:6.2%} of one core   (target < 0.1%)"
        )


if __name__ == "__main__":
    run()
