"""Headless following: `ohtop watch --jsonl` and `ohtop wait ID` (no Textual)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TextIO

from tui.client.config import ServerConfig
from tui.client.detect import agent_version
from tui.headless import snapshot
from tui.protocol import status as st
from tui.protocol.ids import normalize_id
from tui.sanitize import clean
from tui.state.monitor import ServerMonitor
from tui.state.polling import PollIntervals
from tui.state.status_store import Transition
from tui.state.stores import Stores
from tui.state.stream_manager import DirectServer, StreamManager
from tui.state.view import ConversationView, Key

EXIT_DONE, EXIT_FAILED, EXIT_UNREACHABLE, EXIT_TIMEOUT = 0, 1, 2, 3


def transition_record(t: Transition, view: ConversationView | None) -> dict[str, object]:
    """One transition as plain data (a JSON line)."""
    return {
        "conversation": t.key[1],
        "server": t.key[0],
        "title": view.title if view else None,
        "from": t.old_status,
        "to": t.new_status,
        "from_execution": t.old_execution,
        "to_execution": t.new_execution,
        "at": datetime.fromtimestamp(t.at, UTC).isoformat(),
        "reason": t.reason,
    }


@asynccontextmanager
async def following(
    configs: Sequence[ServerConfig],
    stores: Stores,
    intervals: PollIntervals | None = None,
    max_streams: int = 50,
) -> AsyncIterator[tuple[list[ServerMonitor], StreamManager]]:
    """Monitors for every server and live streams, running until the block ends."""
    monitors = [ServerMonitor(c, stores, intervals) for c in configs]
    tasks = [asyncio.create_task(m.run()) for m in monitors]

    def poll_soon(key: Key) -> None:
        for m in monitors:
            m.poll_soon(key)

    manager = StreamManager(
        stores,
        cap=max(0, max_streams),
        direct={c.label: DirectServer(c.url, c.session_api_key) for c in configs},
        request_poll=poll_soon,
        probe_version=agent_version,
    )
    if max_streams >= 0:
        manager.start()
    try:
        yield monitors, manager
    finally:
        await manager.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def watch_command(configs: Sequence[ServerConfig], out: TextIO | None = None) -> int:
    """Print every status transition as a JSON line until interrupted."""
    out = out or sys.stdout
    stores = Stores()

    def emit(t: Transition) -> None:
        out.write(json.dumps(transition_record(t, stores.status.get(t.key))) + "\n")
        out.flush()

    stores.status.transitions.subscribe(emit)
    async with following(configs, stores):
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
    return EXIT_DONE


def verdict(view: ConversationView) -> int | None:
    """The exit code once a conversation is settled, None while it is not."""
    if view.gone or view.status == st.ARCHIVED:
        return EXIT_UNREACHABLE
    if view.status == st.ERROR or view.execution_status in st.EXECUTION_ERRORS:
        return EXIT_FAILED
    if view.execution_status == "finished" or view.status == st.STOPPED:
        return EXIT_DONE
    return None


def find(stores: Stores, wanted: str) -> list[Key]:
    """Keys whose id is `wanted` (hex or dashed) or starts with it (8 characters or more)."""
    needle = normalize_id(wanted)
    exact = [k for k in stores.status.all_keys() if k[1] == needle]
    if exact or len(needle) < 8:
        return exact
    return [k for k in stores.status.all_keys() if k[1].startswith(needle)]


async def wait_command(
    configs: Sequence[ServerConfig],
    conversation: str,
    timeout: float | None,
    out: TextIO | None = None,
    intervals: PollIntervals | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Follow one conversation until it settles; print each transition (one line each)."""
    out = out or sys.stdout
    err = sys.stderr
    deadline = clock() + timeout if timeout is not None else None
    stores = Stores()
    failures = await snapshot(configs, stores, intervals)
    keys = find(stores, conversation)
    if len(keys) != 1:
        for line in failures:
            err.write(f"ohtop: {line}\n")
        what = "not found" if not keys else f"ambiguous: {len(keys)} conversations match"
        err.write(f"ohtop: conversation {conversation}: {what}\n")
        return EXIT_UNREACHABLE
    key = keys[0]
    settled: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def show(view: ConversationView) -> None:
        stamp = time.strftime("%H:%M:%S")
        state = f"{clean(view.status, 24)} {clean(view.execution_status or '-', 40)}"
        out.write(f"{stamp} {state}  {clean(view.title, 200)}\n")
        out.flush()
        code = verdict(view)
        if code is not None and not settled.done():
            settled.set_result(code)

    def on_transition(t: Transition) -> None:
        if t.key == key and (view := stores.status.get(key)) is not None:
            show(view)

    first = stores.status.get(key)
    assert first is not None
    show(first)
    if settled.done():
        return settled.result()
    stores.status.transitions.subscribe(on_transition)
    config = next(c for c in configs if c.label == key[0])
    async with following([config], stores, intervals, max_streams=0) as (_monitors, manager):
        manager.select(key)
        remaining = None if deadline is None else max(0.0, deadline - clock())
        try:
            return await asyncio.wait_for(asyncio.shield(settled), remaining)
        except TimeoutError:
            now = stores.status.get(key) or first
            err.write(f"ohtop: timed out after {timeout:g}s; still {now.status}\n")
            return EXIT_TIMEOUT
