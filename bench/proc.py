"""Helpers for benchmarks that keep the demo server out of the measured process."""

from __future__ import annotations

import multiprocessing
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
