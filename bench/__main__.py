"""`make bench`: numbers and ratios (not asserted). Run on a quiet machine for stable figures."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import SMOKE, load, parse


def _cpu() -> str:
    """The processor's model name (Linux), else what platform knows."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown processor"


def main() -> None:
    python = sys.version.split()[0]
    print(f"ohtop benchmarks on {platform.machine()} {platform.system()}, Python {python}")
    print(f"{_cpu()}, {os.cpu_count()} CPUs")
    parse.run()
    load.run()
    parts = (
        "ui",
        "idle",
        "storm",
        "events",
        "exporter",
        "history",
        "scale",
        "shards",
        "demo_scale",
        "delta",
        "moments",
        "first_screen",
        "push",
    )  # each in its own process (RSS, CPU)
    if not SMOKE:  # one at a time: figures are measured alone
        for part in parts:
            sys.stdout.flush()
            subprocess.run([sys.executable, "-m", f"bench.{part}"], check=False)
        return
    # The smoke run only proves each still runs: two at a time, said in order.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for out in pool.map(_captured, parts):
            sys.stdout.write(out)


def _captured(part: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{part}"], check=False, capture_output=True, text=True
    )
    return done.stdout + done.stderr


if __name__ == "__main__":
    main()
