"""`make bench`: numbers and ratios (not asserted). Run on a quiet machine for stable figures."""

from __future__ import annotations

import platform
import subprocess
import sys

from bench import load, parse


def main() -> None:
    python = sys.version.split()[0]
    print(f"ohtop benchmarks on {platform.machine()} {platform.system()}, Python {python}")
    parse.run()
    load.run()
    for part in (
        "ui",
        "idle",
        "storm",
        "events",
        "exporter",
        "history",
    ):  # each in its own process (RSS, CPU)
        sys.stdout.flush()
        subprocess.run([sys.executable, "-m", f"bench.{part}"], check=False)


if __name__ == "__main__":
    main()
