"""An acknowledgement is kept: quiet until that conversation changes again, across restarts
of ohtop, and written the moment it is shown as done."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import FAST, wait_for
from tui.alerts.watcher import Alert, Thresholds
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.fleet.fleet import Fleet, FleetOptions

# Silent after a second: the alert a restart would raise again for the same, unchanged spell.
QUICK = Thresholds(silent_minutes=1 / 60, kinds=frozenset({"error", "stuck", "silent"}))


def _fleet(url: str, history: Path) -> Fleet:
    options = FleetOptions(FAST, max_streams=-1, thresholds=QUICK, history=history)
    return Fleet([ServerConfig(url, name="demo")], options)


async def _loaded(fleet: Fleet, world: DemoWorld) -> None:
    await wait_for(lambda: len(fleet.stores.status) == len(world.visible()))


async def _alerted(raised: list[Alert], keys: set[tuple[str, str]]) -> None:
    await wait_for(lambda: {a.key for a in raised} >= keys, timeout=15)


async def _ticks(fleet: Fleet, n: int) -> None:
    """Wait for `n` more alert ticks (a second each)."""
    start = fleet.alerts.ticks
    await wait_for(lambda: fleet.alerts.ticks >= start + n)


async def test_an_acknowledged_alert_stays_quiet_after_a_restart(tmp_path: Path) -> None:
    world = DemoWorld(n=8, seed=5, spawn_every=1e9)
    for c in world.conversations.values():
        c.script.steps.clear()
    quiet = next(c for c in world.visible() if c.sandbox == "RUNNING")
    world.push_state(quiet, "running")  # and nothing more: silent
    failing = next(c for c in world.visible() if c.sandbox == "RUNNING" and c is not quiet)
    world.push_state(failing, "finished")  # fails later, while watched
    server = DemoServer(world)
    await server.start()
    history = tmp_path / "history.sqlite"
    keys = {("demo", quiet.id.hex), ("demo", failing.id.hex)}
    try:
        for run in range(3):  # ack in the first run; the next two must stay quiet
            fleet = _fleet(server.url, history)
            raised: list[Alert] = []
            fleet.alerts.raised.subscribe(raised.append)
            await fleet.start()
            try:
                await _loaded(fleet, world)
                if run == 0:
                    world.push_state(failing, "stuck")
                    await _alerted(raised, keys)
                    for key in keys:
                        fleet.alerts.acknowledge(key)
                    # quit at once: the acknowledgement is already written
                else:
                    await _ticks(fleet, 4)  # a silent spell would be alerted by now
                    again = [a for a in raised if a.key in keys]
                    assert again == [], f"run {run}: {again}"
                    listed = [a for a in fleet.alerts.alerts if a.key in keys]
                    assert listed and all(a.acked for a in listed), listed
            finally:
                await fleet.stop()
        # The conversation changes: news again.
        world.push_state(quiet, "paused")
        world.push_state(quiet, "running")
        fleet = _fleet(server.url, history)
        raised = []
        fleet.alerts.raised.subscribe(raised.append)
        await fleet.start()
        try:
            quiet_key = ("demo", quiet.id.hex)
            await wait_for(lambda: any(a.key == quiet_key for a in raised), timeout=15)
        finally:
            await fleet.stop()
    finally:
        await server.stop()
