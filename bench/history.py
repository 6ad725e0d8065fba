"""The history store: writes a second, sustained, and start-up from the store at 10,000
conversations (the time to a full list, marked stale, before any server answers)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import size
from tui.client.config import ServerConfig
from tui.history.store import HistoryStore
from tui.protocol.status import ServerKind
from tui.settings import Settings
from tui.store.status_store import Transition
from tui.store.view import ConversationView
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable

N = size(10_000, 200)


def writes_per_second(path: Path, n: int = size(200_000, 2_000)) -> float:
    """Transitions queued as fast as they come, until all are committed."""
    store = HistoryStore(path)
    store.start()
    start = time.perf_counter()
    for i in range(n):
        store.transition(Transition(("s", f"{i % N:032x}"), "RUNNING", "ERROR", "running",
                                    "error", 1_700_000_000.0 + i, "poll"))  # fmt: skip
    store.close()
    return n / (time.perf_counter() - start)


def fill(path: Path) -> None:
    """A store as a run over 10,000 conversations leaves it."""
    store = HistoryStore(path)
    store.start()
    now = time.time()
    for i in range(N):
        view = ConversationView(
            server="prod",
            id=f"{i:032x}",
            kind=ServerKind.V1,
            status="RUNNING" if i % 3 else "ERROR",
            execution_status="running" if i % 3 else "error",
            title=f"Conversation {i}",
            updated_at=datetime.fromtimestamp(now - i, UTC),
            status_since=now - i,
        )
        store.seen(view)
        store.transition(Transition(view.key, None, view.status, None, view.execution_status,
                                    now - i, "discover", False))  # fmt: skip
    store.close()


async def start_up(path: Path) -> float:
    """Seconds from the app's start to the full list from the store (the server is down)."""
    settings = Settings(
        servers=(ServerConfig("http://127.0.0.1:9", name="prod"),), max_streams=-1, history=path
    )
    start = time.perf_counter()
    app = OhtopApp(settings)
    async with app.run_test(size=(160, 45)):
        table = app.screen.query_one(ConversationTable)
        while len(table.rows) < N:
            await asyncio.sleep(0.005)
        return time.perf_counter() - start


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rate = writes_per_second(Path(tmp) / "w.sqlite3")
        path = Path(tmp) / "h.sqlite3"
        fill(path)
        starts = [asyncio.run(start_up(path)) for _ in range(size(5, 1))]
    print("\n9. The history store")
    print(f"   writes sustained (200,000 transitions)   {rate:9,.0f} a second")
    print(
        f"   start-up to a full list from the store, {N:,} conversations: median "
        f"{statistics.median(starts) * 1000:5.0f} ms, spread {min(starts) * 1000:.0f}-"
        f"{max(starts) * 1000:.0f} ms over 5 runs   (target < 1 s)"
    )


if __name__ == "__main__":
    run()
