"""A slow alert hook stops nothing: at its deadline its whole process tree ends, nothing waits
on pipes its children inherited, the next alerts' hooks run, a full backlog is counted, and no
hook outlives ohtop."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.helpers import wait_for
from tui.alerts.hooks import AlertHooks
from tui.alerts.watcher import Alert
from tui.store.error_store import ErrorStore


def _alert(n: int) -> Alert:
    return Alert(("s", f"{n:032x}"), f"t{n}", "error", time.time(), "boom", "E")


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_hook_past_its_deadline_ends_with_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # The hook starts a child that keeps stderr open, then sleeps itself: both must go.
    script = f"echo $$ >> {pids}; (sleep 60 >&2 &) ; sleep 60"
    hooks = AlertHooks(["sh", "-c", script], ErrorStore(), timeout=1.0, concurrency=2)
    started = time.monotonic()
    for n in range(4):  # two slots: the last two wait for the first two to be ended
        hooks(_alert(n))
    await wait_for(lambda: hooks.failed == 4, timeout=15)
    took = time.monotonic() - started
    assert took < 8, f"slots were held: {took:.1f}s for 4 hooks of 1 s deadline"
    groups = [int(x) for x in pids.read_text().split()]
    assert len(groups) == 4
    await wait_for(lambda: not any(_alive(g) for g in groups), timeout=5)
    assert all("killed" in e.message for e in hooks.errors.recent(10))


async def test_no_hook_outlives_its_stop(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    hooks = AlertHooks(["sh", "-c", f"echo $$ >> {pids}; sleep 60"], ErrorStore(), timeout=30.0)
    hooks(_alert(1))
    await wait_for(lambda: pids.exists() and pids.read_text().strip() != "")
    group = int(pids.read_text().split()[0])
    await hooks.stop()
    await wait_for(lambda: not _alive(group), timeout=5)


async def test_a_full_backlog_is_counted_and_said() -> None:
    hooks = AlertHooks(["sh", "-c", "sleep 60"], ErrorStore(), timeout=30.0, concurrency=1)
    try:
        for n in range(105):
            hooks(_alert(n))
        assert hooks.dropped == 5
        assert any("dropped" in e.message for e in hooks.errors.recent(10))
    finally:
        await hooks.stop()
