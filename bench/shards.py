"""The scale run: demo servers totalling 100,000 conversations over 100 servers, watched by
N = 4 exporter shards given one list and scraped by a real Prometheus, then by one exporter
alone, for the ratio. Reports that every server is in exactly one shard, each exporter's
scrape duration (p95), series per server, RSS and CPU.

    python -m bench.shards            (OHTOP_BENCH_SMOKE=1: 4 servers of 50, 2 shards)

Needs Debian's prometheus (`make system`); says so and stops when it is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench import size
from bench.proc import record

SERVERS = size(100, 4)
PER_SERVER = size(1_000, 50)
SHARDS = size(4, 2)
DEMO_PROCESSES = size(4, 1)  # the demo servers, spread over processes (CPU)
WINDOW = float(os.environ.get("OHTOP_BENCH_SHARD_WINDOW", size("60", "6")))
CONVERGE = 600.0  # seconds allowed to list every conversation
SCRAPE_EVERY = 5 if SERVERS > 10 else 1


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _running(argv: list[str], **kw: Any) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, **kw)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _demo_urls(stack: ExitStack) -> list[str]:
    """Start the demo servers; their URLs."""
    urls: list[str] = []
    each = SERVERS // DEMO_PROCESSES
    for _ in range(DEMO_PROCESSES):
        argv = [sys.executable, "-m", "tui", "demo-server", "--port", "0"]
        argv += ["--conversations", str(PER_SERVER), "--servers", str(each)]
        proc = stack.enter_context(_running(argv))
        assert proc.stdout is not None
        for _ in range(each):
            line = proc.stdout.readline()  # demo server i/n at URL: ...
            urls.append(line.split(" at ", 1)[1].split(": ", 1)[0])
    return urls


def _query(base: str, promql: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=30) as answer:
        body = json.load(answer)
    return list(body["data"]["result"])


def _value(base: str, promql: str) -> float | None:
    rows = _query(base, promql)
    return float(rows[0]["value"][1]) if rows else None


def _cpu_rss(pid: int) -> tuple[float, float]:
    """CPU seconds so far and RSS in MB of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return cpu, rss


def _watch(urls: list[str], shards: int, prometheus: str, tmp: Path) -> dict[str, Any]:
    """Run `shards` exporters over every URL and a Prometheus over them; the figures."""
    servers = [arg for i, u in enumerate(urls) for arg in ("--server", f"site-{i:03d}={u}")]
    ports = [_port() for _ in range(shards)]
    prom_port = _port()
    with ExitStack() as stack:
        pids = []
        for i, port in enumerate(ports):
            argv = [sys.executable, "-m", "tui", "exporter", *servers, "--no-history"]
            argv += ["--listen", f"127.0.0.1:{port}", "--rate", "100/s"]
            argv += ["--shard", str(i), "--total-shards", str(shards)]
            proc = stack.enter_context(_running(argv, stderr=subprocess.DEVNULL))
            assert proc.stdout is not None
            proc.stdout.readline()
            pids.append(proc.pid)
        config = tmp / f"prometheus-{shards}.yml"
        config.write_text(
            json.dumps(
                {
                    "global": {"scrape_interval": f"{SCRAPE_EVERY}s"},
                    "scrape_configs": [
                        {
                            "job_name": "ohtop",
                            "static_configs": [{"targets": [f"127.0.0.1:{p}" for p in ports]}],
                        }
                    ],
                }
            )
        )
        argv = [
            prometheus,
            f"--config.file={config}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ]
        argv += [f"--storage.tsdb.path={tmp / f'data-{shards}'}"]
        stack.enter_context(_running(argv, stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{prom_port}"
        total = SERVERS * PER_SERVER
        start = time.monotonic()
        while time.monotonic() - start < CONVERGE:
            try:
                seen = _value(base, 'sum(ohtop_conversations{job="ohtop"})')
            except OSError:
                seen = None
            if seen == total:
                break
            time.sleep(2)
        converged = time.monotonic() - start
        cpu0 = [_cpu_rss(p)[0] for p in pids]
        time.sleep(WINDOW)
        cpu1 = [_cpu_rss(p) for p in pids]
        window = f"{int(WINDOW)}s"
        p95 = _query(
            base, f'quantile_over_time(0.95, scrape_duration_seconds{{job="ohtop"}}[{window}])'
        )
        samples = _query(base, 'scrape_samples_scraped{job="ohtop"}')
        per_shard = _query(base, 'count by (instance) (ohtop_server_up{job="ohtop"})')
        once = _value(base, 'count(count by (server) (ohtop_server_up{job="ohtop"}) == 1)')
        twice = _value(base, 'count(count by (server) (ohtop_server_up{job="ohtop"}) > 1)')
        return {
            "converged_s": converged,
            "listed": _value(base, 'sum(ohtop_conversations{job="ohtop"})'),
            "servers_once": once or 0,
            "servers_more": twice or 0,
            "servers_by_shard": sorted(int(r["value"][1]) for r in per_shard),
            "scrape_p95_ms": sorted(float(r["value"][1]) * 1000 for r in p95),
            "series_per_server": sum(float(r["value"][1]) for r in samples) / SERVERS,
            "rss_mb": [rss for _, rss in cpu1],
            "cpu": [(c - c0) / WINDOW for (c, _), c0 in zip(cpu1, cpu0, strict=True)],
        }


def run() -> None:
    print(f"\n11. Sharded exporters: {SERVERS} servers x {PER_SERVER:,} = {SERVERS * PER_SERVER:,}")
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        print("   skipped: Debian's prometheus is not installed (make system)")
        return
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        urls = _demo_urls(stack)
        runs = {n: _watch(urls, n, prometheus, Path(tmp)) for n in (SHARDS, 1)}
    for n, r in runs.items():
        label = f"{n} shards" if n > 1 else "1 exporter"
        print(
            f"   {label}: listed {r['listed']:,.0f} in {r['converged_s']:.0f} s; servers in one "
            f"shard {r['servers_once']:.0f}, in more {r['servers_more']:.0f}; by shard "
            f"{r['servers_by_shard']}"
        )
        print(
            f"     scrape p95 {', '.join(f'{v:.1f}' for v in r['scrape_p95_ms'])} ms; "
            f"{r['series_per_server']:.1f} series a server; RSS "
            f"{', '.join(f'{v:.0f}' for v in r['rss_mb'])} MB; CPU "
            f"{', '.join(f'{v:.1%}' for v in r['cpu'])} of a core"
        )
    sharded, single = runs[SHARDS], runs[1]
    ratio = max(single["scrape_p95_ms"]) / max(max(sharded["scrape_p95_ms"]), 1e-9)
    print(f"   slowest scrape, 1 exporter / slowest shard: {ratio:.1f}x")
    record("shards", scrape_ratio=ratio, servers_once=sharded["servers_once"])


if __name__ == "__main__":
    run()
