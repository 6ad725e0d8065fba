"""`ohtop wait ID`: follow one conversation until it settles; the exit code says how."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import TextIO

from tui.fleet.lookup import lookup
from tui.protocol import status as st
from tui.session import open_fleet
from tui.session.codes import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, EXIT_UNREACHABLE
from tui.settings import Settings
from tui.store.status_store import Transition
from tui.store.view import ConversationView
from tui.text.sanitize import clean


def verdict(view: ConversationView) -> int | None:
    """The exit code once a conversation is settled, None while it is not."""
    if view.gone or view.status == st.ARCHIVED:
        return EXIT_UNREACHABLE
    if view.status == st.ERROR or view.execution_status in st.EXECUTION_ERRORS:
        return EXIT_FAILED
    if view.execution_status == "finished" or view.status == st.STOPPED:
        return EXIT_OK
    return None


async def wait_command(
    settings: Settings,
    conversation: str,
    timeout: float | None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Follow one conversation until it settles; print each transition (one line each)."""
    out = out or sys.stdout
    err = err or sys.stderr
    deadline = clock() + timeout if timeout is not None else None
    async with open_fleet(settings, start=False, flaky_demo=False) as fleet:
        failures = await fleet.snapshot("none")
        key, why = lookup(fleet.stores, conversation)
        if key is None:
            for line in failures:
                err.write(f"ohtop: {clean(line, 300)}\n")
            err.write(f"ohtop: {why}\n")
            return EXIT_UNREACHABLE
        settled: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def show(view: ConversationView) -> None:
            if settled.done():
                return  # the verdict line was the last: nothing after it while shutting down
            stamp = time.strftime("%H:%M:%S")
            state = f"{clean(view.status, 24)} {clean(view.execution_status or '-', 40)}"
            out.write(f"{stamp} {state}  {clean(view.title, 200)}\n")
            out.flush()
            code = verdict(view)
            if code is not None and not settled.done():
                settled.set_result(code)

        def on_transition(t: Transition) -> None:
            if t.key == key and (view := fleet.stores.status.get(key)) is not None:
                show(view)

        first = fleet.stores.status.get(key)
        assert first is not None
        show(first)
        if settled.done():
            return settled.result()
        fleet.stores.status.transitions.subscribe(on_transition)
        await fleet.start(only={key[0]})  # its own server only, and its stream
        fleet.select(key)
        remaining = None if deadline is None else max(0.0, deadline - clock())
        try:
            return await asyncio.wait_for(asyncio.shield(settled), remaining)
        except TimeoutError:
            now = fleet.stores.status.get(key) or first
            err.write(f"ohtop: timed out after {timeout:g}s; still {now.status}\n")
            return EXIT_TIMEOUT
