"""Process-wide tuning, done once at start before Textual is imported.

CPython's cyclic garbage collector runs its youngest generation every 700 allocations and a
full pass each time the heap grows by a quarter. ohtop allocates a view and a transition per
conversation change and keeps them: at 100,000 conversations the default thresholds spent
about a third of the first load walking objects that can never be garbage (README, "Benchmarks").
Cycles are still collected, only less eagerly. Screen updates: see `pace_frames`.
"""

from __future__ import annotations

import gc
import os

# Allocations before a young collection, and young (then middle) collections before the next
# older one. The defaults are (700, 10, 10).
GC_THRESHOLDS = (10_000, 20, 20)


def tune_gc() -> None:
    """Collect cycles less eagerly (every face of ohtop calls this once at start)."""
    gc.set_threshold(*GC_THRESHOLDS)


# Textual paces screen updates at TEXTUAL_FPS (60 by default): a key that arrives just after a
# frame waits for the next slot, up to 16.7 ms, before its own frame is even started. Frames are
# still made only when something changed, and a busy fleet's store flushes come at most 20 a
# second, so a higher cap shortens the wait after a key without adding frames.
FRAMES_PER_SECOND = "120"


def pace_frames() -> None:
    """Let Textual update the screen up to 120 times a second unless TEXTUAL_FPS says otherwise."""
    os.environ.setdefault("TEXTUAL_FPS", FRAMES_PER_SECOND)
