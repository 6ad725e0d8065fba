"""The fleet at a moment (`ohtop --at`, `status --at`): how long a seek takes in a store that
kept a busy day of 1,000 conversations (150 running, their views rewritten every 30 s as
cost and tokens move; the rest rewritten hourly), median of 10 seeks at random moments."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import size
from tui.history.store import HistoryStore
from tui.protocol.status import ServerKind
from tui.store.view import ConversationView

N = size(1_000, 50)
RUNNING = N * 15 // 100
DAY = size(86_400.0, 3_600.0)
START = 1_800_000_000.0


class _Clock:
    at = START

    def __call__(self) -> float:
        return self.at


def _view(i: int, at: float, running: bool) -> ConversationView:
    return ConversationView(
        server="prod",
        id=f"{i:032x}",
        kind=ServerKind.V1,
        status="RUNNING" if running else "STOPPED",
        execution_status="running" if running else "finished",
        title=f"Conversation {i}",
        updated_at=datetime.fromtimestamp(at, UTC),
        cost=round((at - START) / 1000.0 * (i % 7 + 1), 4),
        tokens=int(at - START) * 10,
    )


def fill(path: Path) -> int:
    """A day as the recorder writes it; returns the rows written."""
    clock = _Clock()
    store = HistoryStore(path, wall=clock, max_bytes=2_000 * 1024 * 1024)
    store.start()
    rows = 0
    for second in range(0, int(DAY), 30):
        clock.at = START + second
        for i in range(RUNNING):
            store.seen(_view(i, clock.at, True))
            rows += 1
        if second % 3600 == 0:
            for i in range(RUNNING, N):
                store.seen(_view(i, clock.at, False))
                rows += 1
    store.flush(timeout=600)
    store.close()
    return rows


def run() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.sqlite3"
        rows = fill(path)
        megabytes = path.stat().st_size / 1e6
        store = HistoryStore(path, readonly=True)
        seeks, shown = [], 0
        for _ in range(10):
            at = START + rng.uniform(0, DAY)
            begun = time.perf_counter()
            shown = len(store.fleet_at(at))
            seeks.append(time.perf_counter() - begun)
        store.close()
    print("\n14. The fleet at a moment (`--at`)")
    print(
        f"   {N:,} conversations over {DAY / 3600:.0f} h: {rows:,} views kept ({megabytes:.0f} MB);"
        f" a seek: median {statistics.median(seeks) * 1000:.0f} ms, spread "
        f"{min(seeks) * 1000:.0f}-{max(seeks) * 1000:.0f} ms over 10 ({shown:,} shown)"
        "   (target < 200 ms)"
    )


if __name__ == "__main__":
    run()
