"""How cost grows: the list at 1k / 10k / 100k conversations and live events at 100 / 500 /
2,000 a second, several runs each, quiet and with one core kept busy by another process.

Each run is a child process of its own (`bench.ui`, `bench.events`) that appends its figures
to a record file; this prints their medians and spreads. `OHTOP_BENCH_RUNS` (default 5) sets
the UI runs, `OHTOP_BENCH_EVENT_RUNS` (default 3) the live-event runs of 10 s each.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import size

SIZES = size((1_000, 10_000, 100_000), (100,))
RATES = size((100, 500, 2_000), (20,))
RUNS = int(os.environ.get("OHTOP_BENCH_RUNS", size("5", "1")))
EVENT_RUNS = int(os.environ.get("OHTOP_BENCH_EVENT_RUNS", size("3", "1")))


def _spin() -> None:
    while True:
        pass


@contextlib.contextmanager
def busy_core(on: bool) -> Iterator[None]:
    """Keep one core busy (a process spinning) while the runs inside go on."""
    if not on:
        yield
        return
    spinner = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
    spinner.start()
    try:
        yield
    finally:
        spinner.terminate()
        spinner.join(10)


def _run(module: str, record: Path, **env: str) -> None:
    subprocess.run(
        [sys.executable, "-m", module],
        env={**os.environ, "OHTOP_BENCH_RECORD": str(record), **env},
        stdout=subprocess.DEVNULL,
        check=False,
    )


def _spread(values: list[float], unit: str, scale: float = 1.0) -> str:
    if not values:
        return "-"
    med = statistics.median(values) * scale
    low, high = min(values) * scale, max(values) * scale
    return f"{med:.0f}{unit} ({low:.0f}-{high:.0f})"


# (record field, unit, scale) of each column, per benchmark
UI_COLUMNS = (
    ("first_paint_ms", " ms", 1.0),
    ("key_p95_ms", " ms", 1.0),
    ("find_p50_ms", " ms", 1.0),
    ("cpu", "%", 100.0),
    ("rss_mb", " MB", 1.0),
)
EVENT_COLUMNS = (
    ("applied", "", 1.0),
    ("cpu", "%", 100.0),
    ("screen_p95_ms", " ms", 1.0),
    ("rss_mb", " MB", 1.0),
)


def _row(runs: list[dict[str, Any]], columns: tuple[tuple[str, str, float], ...]) -> str:
    cells = [_spread([r[f] for r in runs if f in r], unit, k) for f, unit, k in columns]
    return "  ".join(f"{cell:<14}" for cell in cells)


def _table(records: list[dict[str, Any]], busy: bool) -> None:
    where = "one core kept busy" if busy else "quiet"
    print(f"\n   The list, {RUNS} runs each, {where}: median (min-max)")
    print("   conversations  first paint      key p95        find p50       CPU (churn)   RSS")
    for n in SIZES:
        runs = [r for r in records if r["bench"] == "ui" and r["n"] == n]
        print(f"   {n:>13,}  " + _row(runs, UI_COLUMNS))
    print(f"\n   Live events over 200 streams, {EVENT_RUNS} runs of 10 s each, {where}")
    print("   events/s   applied/s      CPU            ->screen p95   RSS")
    for rate in RATES:
        runs = [r for r in records if r["bench"] == "events" and r["rate"] == rate]
        print(f"   {rate:>8,}   " + _row(runs, EVENT_COLUMNS))


def run() -> None:
    print("\n10. How cost grows (targets: RSS < 500 MB and first paint < 1 s at 100,000; key p95")
    print("   < 16 ms; find < 50 ms; 2,000 events/s at <= 50% of a core, -> screen p95 < 100 ms)")
    for busy in (False, True):
        with tempfile.TemporaryDirectory() as tmp, busy_core(busy):
            record = Path(tmp) / "runs.jsonl"
            for _ in range(RUNS):
                for n in SIZES:
                    _run("bench.ui", record, OHTOP_BENCH_UI_N=str(n))
            for _ in range(EVENT_RUNS):
                for rate in RATES:
                    _run(
                        "bench.events",
                        record,
                        OHTOP_BENCH_EVENTS_PER_S=str(rate),
                        OHTOP_BENCH_EVENTS_SECONDS=size("10", "2"),
                    )
            text = record.read_text(encoding="utf-8") if record.exists() else ""
            _table([json.loads(line) for line in text.splitlines()], busy)
        sys.stdout.flush()


if __name__ == "__main__":
    run()
