"""`make bench`: numbers and ratios (not asserted). Run on a quiet machine for stable figures."""

from __future__ import annotations

import asyncio
import platform
import sys

from bench import load, parse, ui


def main() -> None:
    python = sys.version.split()[0]
    print(f"ohtop benchmarks on {platform.machine()} {platform.system()}, Python {python}")
    parse.run()
    load.run()
    asyncio.run(ui.run())


main()
