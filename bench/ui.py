"""The list at 10,000 conversations: first paint, keypress-to-repaint under churn, memory."""

from __future__ import annotations

import resource
import statistics
import time
from datetime import UTC, datetime

from tui.app import OhtopApp
from tui.protocol.events import Event
from tui.state.stores import Stores
from tui.state.view import ConversationView
from tui.widgets.conversation_table import ConversationTable

N = 10_000
STATUSES = ["RUNNING", "ERROR", "STARTING", "STOPPED", "ARCHIVED"]


def _views(n: int) -> list[ConversationView]:
    now = time.time()
    return [
        ConversationView(
            server="bench",
            id=f"{i:032x}",
            kind="v1",
            status=STATUSES[i % 5],
            execution_status="running",
            title=f"Conversation number {i} about something",
            repository="acme/api",
            created_at=datetime.fromtimestamp(now - i, UTC),
            updated_at=datetime.fromtimestamp(now - i, UTC),
        )
        for i in range(n)
    ]


async def run() -> None:
    stores = Stores()
    views = _views(N)
    app = OhtopApp([], stores=stores, max_streams=-1)
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(ConversationTable)
        start = time.perf_counter()
        with stores.status.batch():
            for v in views:
                stores.status.upsert(v)
        while len(table.rows) < N:
            await pilot.pause(0.01)
        await pilot.pause()
        first_paint = time.perf_counter() - start
        latencies = []
        for i in range(100):
            with stores.status.batch():  # 100 conversations change status every round
                for v in views[i * 100 : i * 100 + 100]:
                    stores.status.update(v.key, execution_status="finished" if i % 2 else "running")
            t = time.perf_counter()
            await pilot.press("j")
            latencies.append(time.perf_counter() - t)
        p95 = statistics.quantiles(latencies, n=20)[-1]
        for v in views:  # 10 events each: 100,000 retained
            for j in range(10):
                stores.events.add(
                    v.key, Event(kind="X", id=f"{v.id}-{j}", timestamp="2026-01-01T00:00:00")
                )
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n3. The list at {N:,} conversations (headless, 160x45)")
    print(
        f"   first paint after the data arrived   {first_paint * 1000:8.0f} ms   (target < 500 ms)"
    )
    print(
        f"   keypress to repaint, p95 (100 changing/round) {p95 * 1000:5.1f} ms   (target < 50 ms)"
    )
    events = stores.events.total()
    print(f"4. Peak RSS, {N:,} conversations + {events:,} events  {rss_mb:6.0f} MB", end="")
    print("   (target < 150 MB)")
