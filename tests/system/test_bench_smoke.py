"""Every benchmark runs: `make test` runs `make bench`'s parts once at a tiny size
(`OHTOP_BENCH_SMOKE=1`), so a benchmark the code left behind is found at once, not at the next
measuring session. Its figures mean nothing and nothing of them is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = (
    "1. Event parsing",
    "3. The list",
    "5. Idle",
    "6. Reconnect storm",
    "7. Live events",
    "8. The exporter",
    "9. The history store",
    "10. How cost grows",
    "11. Sharded exporters",
    "12. The scale demo",
    "13. Keeping a V1 fleet fresh",
    "14. The fleet at a moment",
    "15. Time to the first useful screen",
    "16. Status latency with push",
)


@pytest.mark.slow
def test_every_benchmark_runs_at_a_tiny_size() -> None:
    env = {**os.environ, "OHTOP_BENCH_SMOKE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-3000:]
    assert "Traceback" not in said, said[-3000:]
    missing = [part for part in PARTS if part not in done.stdout]
    assert not missing, (missing, done.stdout[-2000:])
