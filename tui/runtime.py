"""Process-wide tuning for a long-running process that holds many small, long-lived objects.

CPython's cyclic garbage collector runs its youngest generation every 700 allocations and a
full pass each time the heap grows by a quarter. ohtop allocates a view and a transition per
conversation change and keeps them: at 100,000 conversations the default thresholds spent
about a third of the first load walking objects that can never be garbage (README, "Benchmarks").
Cycles are still collected, only less eagerly.
"""

from __future__ import annotations

import gc

# Allocations before a young collection, and young (then middle) collections before the next
# older one. The defaults are (700, 10, 10).
GC_THRESHOLDS = (10_000, 20, 20)


def tune_gc() -> None:
    """Collect cycles less eagerly (every face of ohtop calls this once at start)."""
    gc.set_threshold(*GC_THRESHOLDS)
