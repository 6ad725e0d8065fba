"""Benchmarks (`make bench`), with the collector and frame pacing tuned as `ohtop` tunes them.

`OHTOP_BENCH_SMOKE=1` runs every benchmark once at a tiny size (`make test` does, so a broken
benchmark is found at once, not at the next `make bench`); its figures mean nothing."""

import os
from typing import TypeVar

from tui.session.runtime import pace_frames, tune_gc

tune_gc()
pace_frames()

T = TypeVar("T")
SMOKE = os.environ.get("OHTOP_BENCH_SMOKE") == "1"


def size(full: T, smoke: T) -> T:
    """`full` for a benchmark run, `smoke` for the smoke run of `make test`."""
    return smoke if SMOKE else full
