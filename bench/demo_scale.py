"""The scale demo at scale: from the start of `ohtop demo-server --conversations 10000
--servers 10` to every one of its 100,000 conversations listed over HTTP (pages of 100, the
ten servers read at once), measured from outside the process; and one page's time at the
start and the end of the list (the same at any length)."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

import httpx

from bench import size
from bench.proc import record

SERVERS = 10
PER_SERVER = size(10_000, 200)
RUNS = size(3, 1)


async def _list(url: str, http: httpx.AsyncClient, pages: list[float]) -> int:
    """Every conversation of one server, page by page; how many."""
    got, page = 0, None
    while True:
        params: dict[str, str | int] = {"limit": 100}
        if page:
            params["page_id"] = page
        start = time.perf_counter()
        body = (await http.get(f"{url}/api/v1/app-conversations/search", params=params)).json()
        pages.append(time.perf_counter() - start)
        got += len(body["items"])
        page = body["next_page_id"]
        if not page:
            return got


def _once() -> tuple[float, int, list[float]]:
    start = time.perf_counter()
    argv = [sys.executable, "-m", "tui", "demo-server", "--port", "0"]
    argv += ["--conversations", str(PER_SERVER), "--servers", str(SERVERS)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        urls = [
            proc.stdout.readline().split(" at ", 1)[1].split(": ", 1)[0] for _ in range(SERVERS)
        ]
        pages: list[float] = []

        async def everything() -> int:
            async with httpx.AsyncClient(timeout=60) as http:
                counts = await asyncio.gather(*(_list(u, http, pages) for u in urls))
            return sum(counts)

        listed = asyncio.run(everything())
        return time.perf_counter() - start, listed, pages
    finally:
        proc.terminate()
        proc.wait(10)


def run() -> None:
    total = SERVERS * PER_SERVER
    print(f"\n12. The scale demo: {SERVERS} servers x {PER_SERVER:,} = {total:,} conversations")
    runs = [_once() for _ in range(RUNS)]
    seconds = statistics.median(r[0] for r in runs)
    pages = sorted(p for r in runs for p in r[2])
    print(
        f"   process start to all {runs[0][1]:,} listed: {seconds:.1f} s (median of {RUNS}; "
        f"target < 30 s); a page p50 {statistics.median(pages) * 1000:.1f} ms, "
        f"p95 {pages[int(len(pages) * 0.95)] * 1000:.1f} ms (ten read at once)"
    )
    record("demo_scale", seconds=seconds, listed=float(runs[0][1]))


if __name__ == "__main__":
    run()
