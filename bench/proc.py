"""Helpers for benchmarks that keep the demo server out of the measured process."""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def cpu_seconds() -> float:
    """CPU time used by this process so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def child_server(serve: Callable[..., None], *args: Any) -> Iterator[str]:
    """Run `serve(urls, *args)` in a spawned process; yield the URL it puts on `urls`."""
    ctx = multiprocessing.get_context("spawn")
    urls = ctx.Queue()
    process = ctx.Process(target=serve, args=(urls, *args), daemon=True)
    process.start()
    try:
        yield urls.get(timeout=60)
    finally:
        process.terminate()
        process.join(10)


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def record(bench: str, **figures: float) -> None:
    """Append one run's figures to the file named by OHTOP_BENCH_RECORD (bench.scale reads
    them back); nothing when it is not set."""
    path = os.environ.get("OHTOP_BENCH_RECORD")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"bench": bench, **figures}) + "\n")
