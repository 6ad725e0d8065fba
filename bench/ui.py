"""The list at 10,000 conversations: first paint, keypress-to-repaint under churn, memory.

The app runs headless under a pilot. A repaint is the moment Textual hands a compositor update
to the driver (`App._display`), so the figures include everything between a key and the
screen: the coalesced store flush that may be running when the key arrives, re-sorting, and
rendering the visible rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from textual import events

from bench import size
from bench.parse import frames
from bench.proc import cpu_seconds, peak_rss_mb, record
from tui.client.stream import Endpoint, Incoming, decode_frame
from tui.protocol.status import ServerKind
from tui.settings import Settings
from tui.store.stores import Stores
from tui.store.view import ConversationView, since_first_sight
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable

N = int(os.environ.get("OHTOP_BENCH_UI_N", size("10000", "200")))
SERVERS = 10 if N >= 100_000 else 1  # 100,000 across ten servers
EVENTS_EACH = 10 if N <= 10_000 else 1  # real events kept per conversation
CHURN = 100  # conversations changing status every second
PRESSES = size(120, 5)
STATUSES = ["RUNNING", "ERROR", "STARTING", "STOPPED", "ARCHIVED"]


def _views(n: int) -> list[ConversationView]:
    """Snapshots as `state.mapping` makes them from a listing."""
    now = time.time()
    views = []
    for i in range(n):
        updated = datetime.fromtimestamp(now - i, UTC)
        view = ConversationView(
            server=f"bench{i % SERVERS}",
            id=f"{i:032x}",
            kind=ServerKind.V1,
            status=STATUSES[i % 5],
            execution_status="running",
            title=f"Conversation number {i} about something",
            repository="acme/api",
            created_at=updated,
            updated_at=updated,
            status_since=since_first_sight(updated),
        )
        views.append(view)
    return views


class Repaints:
    """Counts the frames the app hands to its driver, and when the last one went;
    `on_frame` is called after each."""

    def __init__(self, app: OhtopApp, on_frame: Callable[[], None] = lambda: None) -> None:
        self.last = 0.0
        self.frames = 0
        display = app._display

        def timed(*args: Any) -> None:
            display(*args)
            self.last = time.perf_counter()
            self.frames += 1
            on_frame()

        app._display = timed  # type: ignore[method-assign,assignment]


async def _churn(stores: Stores, views: list[ConversationView], stop: asyncio.Event) -> None:
    """Every second, 100 conversations change status (and so their place in the list)."""
    rng = random.Random(7)
    while not stop.is_set():
        with stores.status.batch():
            for v in rng.sample(views, CHURN):
                old = stores.status.get(v.key)
                running = old is not None and old.status == "RUNNING"
                status, execution = ("STOPPED", "finished") if running else ("RUNNING", "running")
                if old is not None:
                    snapshot = replace(old, status=status, execution_status=execution)
                    stores.status.upsert(snapshot)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


class Moves:
    """Records when the table handles a cursor move (a key's effect, whatever the churn does
    to the cursor's index afterwards: it follows its conversation when rows re-sort)."""

    def __init__(self, table: ConversationTable) -> None:
        self.at: list[float] = []
        move_to = table.move_to

        def timed(index: int) -> None:
            move_to(index)
            self.at.append(time.perf_counter())

        table.move_to = timed  # type: ignore[method-assign]


async def _key_latency(
    app: OhtopApp, table: ConversationTable, moves: Moves, repaints: Repaints
) -> float:
    """Send one key as the terminal would; wait for the first frame after it was handled."""
    key = "j" if table.cursor < 40 else "k"
    handled = len(moves.at)
    sent = time.perf_counter()
    assert app._driver is not None
    app._driver.send_message(events.Key(key, key))
    while len(moves.at) == handled or repaints.last < moves.at[handled]:
        await asyncio.sleep(0.0005)
    return repaints.last - sent


def _retain_real_events(stores: Stores, views: list[ConversationView]) -> None:
    """Ten captured frames per conversation, each decoded on its own as a stream would."""
    lines = [line for line in frames() if len(line) < 10_000]  # snapshots are not retained
    for n, v in enumerate(views):
        for j in range(EVENTS_EACH):
            line = lines[(n * EVENTS_EACH + j) % len(lines)]
            item = decode_frame(line.replace('"id":"', f'"id":"{n}-', 1), Endpoint.EVENTS)
            assert isinstance(item, Incoming)
            stores.events.add(v.key, item.event)


async def run() -> None:
    stores = Stores()
    views = _views(N)
    app = OhtopApp(Settings(max_streams=-1), stores=stores)
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(ConversationTable)
        shown: list[float] = []  # when the first frame with every row in the list went out

        def frame() -> None:
            if not shown and len(table.rows) == N:
                shown.append(time.perf_counter())

        repaints, moves = Repaints(app, on_frame=frame), Moves(table)
        start = time.perf_counter()
        with stores.status.batch():
            for v in views:
                stores.status.upsert(v)
        while not shown:
            await asyncio.sleep(0.001)
        first_paint = shown[0] - start
        await pilot.pause()
        stop = asyncio.Event()
        cpu, began = cpu_seconds(), time.perf_counter()
        churn = asyncio.create_task(_churn(stores, views, stop))
        rng = random.Random(3)
        latencies = []
        for _ in range(PRESSES):  # keys at human-ish intervals, whatever the churn is doing
            await asyncio.sleep(rng.uniform(0.03, 0.15))
            latencies.append(await _key_latency(app, table, moves, repaints))
        finds = []
        await pilot.press("slash")
        for char in "conversation number 77":  # find as you type, while the churn goes on
            key = "space" if char == " " else char
            handled, sent = repaints.frames, time.perf_counter()
            assert app._driver is not None
            app._driver.send_message(events.Key(key, char))
            while repaints.frames == handled:
                await asyncio.sleep(0.0005)
            finds.append(repaints.last - sent)
        stop.set()
        await churn
        busy = (cpu_seconds() - cpu) / (time.perf_counter() - began)
        _retain_real_events(stores, views)
        rss_mb = peak_rss_mb()
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    worst = max(latencies)
    where = f"across {SERVERS} servers" if SERVERS > 1 else "on one server"
    print(f"\n3. The list at {N:,} conversations {where} (headless, 160x45)")
    print(f"   first paint after the data arrived   {first_paint * 1000:6.0f} ms   (target < 1 s)")
    print(f"   keypress to repaint, {CHURN} changing status a second, {PRESSES} keys:")
    print(
        f"     p50 {p50 * 1000:5.1f} ms   p95 {p95 * 1000:5.1f} ms   max {worst * 1000:6.1f} ms",
        end="",
    )
    print("   (target p95 < 16 ms)")
    print(
        f"   find as you type, per keystroke: p50 {statistics.median(finds) * 1000:5.1f} ms"
        f"   max {max(finds) * 1000:5.1f} ms   (target < 50 ms)"
    )
    print(f"   CPU while keys and churn go on {busy:6.1%} of one core")
    kept = stores.events.total()
    print(f"4. Peak RSS, {N:,} conversations + {kept:,} real events  {rss_mb:5.0f} MB", end="")
    print("   (target < 500 MB at 100,000)")
    record(
        "ui",
        n=N,
        first_paint_ms=first_paint * 1000,
        key_p50_ms=p50 * 1000,
        key_p95_ms=p95 * 1000,
        find_p50_ms=statistics.median(finds) * 1000,
        find_max_ms=max(finds) * 1000,
        cpu=busy,
        rss_mb=rss_mb,
    )


if __name__ == "__main__":
    asyncio.run(run())
