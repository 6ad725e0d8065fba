"""Screens over the fleet are live while open: the needs-attention queue, the alerts list and
the error groups take in new failures, changed reasons and ages, keeping the highlight on its
conversation; and they show only the servers watched in this run."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from tests.helpers import FAST, screen_text, wait_for
from tui.alerts.attention import queue
from tui.alerts.watcher import AlertWatcher
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation, DemoWorld
from tui.fleet.recorder import Recorder
from tui.history.store import HistoryStore, StoredAlert
from tui.settings import Settings
from tui.store.stores import Stores
from tui.ui.app import OhtopApp
from tui.ui.screens.alerts import AlertsScreen
from tui.ui.screens.queue import QueueScreen


def _running(world: DemoWorld, n: int) -> list[DemoConversation]:
    """`n` conversations held RUNNING/running (the test moves them)."""
    live = [c for c in world.visible() if c.sandbox == "RUNNING"][:n]
    for c in live:
        c.script.steps.clear()
        world.push_state(c, "running")
    return live


def _screen(app: OhtopApp) -> str:
    return "\n".join(screen_text(app))


async def test_the_queue_and_the_alerts_list_update_while_open() -> None:
    world = DemoWorld(n=20, seed=21, spawn_every=1e9)
    server = DemoServer(world)
    await server.start()
    first, second = _running(world, 2)
    first.title, second.title = "First to fail", "Second to fail"
    app = OhtopApp(Settings(servers=(ServerConfig(server.url, name="demo"),), intervals=FAST))
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_for(lambda: len(app.stores.status) == len(world.visible()))
            world.push_state(first, "waiting_for_confirmation")
            await wait_for(lambda: "First to fail" in _queue_text(app))
            await pilot.press("A")
            await wait_for(lambda: isinstance(app.screen, QueueScreen))
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            assert "First to fail" in _screen(app)
            # Highlight it, then let a new need arrive while the queue is open.
            options = screen.query_one("#queue")
            ids = [o.id for o in options.options]  # type: ignore[attr-defined]
            target = f"demo\x1f{first.id.hex}"
            options.highlighted = ids.index(target)  # type: ignore[attr-defined]
            world.push_state(second, "stuck")
            await wait_for(lambda: "Second to fail" in _screen(app), timeout=10)
            highlighted = options.highlighted  # type: ignore[attr-defined]
            assert options.get_option_at_index(highlighted).id == target  # type: ignore[attr-defined]
            # Its reason changes while open: the line says so.
            world.push_state(first, "stuck")
            await wait_for(lambda: "stuck" in _line_of(app, "First to fail"), timeout=10)
            await pilot.press("escape")
            await pilot.press("exclamation_mark")
            await wait_for(lambda: isinstance(app.screen, AlertsScreen))
            before = _screen(app).count("STUCK")
            third = _running(world, 3)[2]
            world.push_state(third, "stuck")
            await wait_for(lambda: _screen(app).count("STUCK") > before, timeout=10)
    finally:
        await server.stop()


def _line_of(app: OhtopApp, title: str) -> str:
    return next((line for line in screen_text(app) if title in line), "")


def _queue_text(app: OhtopApp) -> str:
    needs = queue(app.stores.status, time.time(), app.alerts.thresholds, lambda _k: None)
    return " ".join(n.title for n in needs)


def test_alerts_of_servers_not_watched_in_this_run_are_not_listed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    store = HistoryStore(path)
    store.start()
    now = time.time()
    store.alert(StoredAlert(("prod", "a" * 32), now - 60, "error", "Prod one", "E: x", "E"))
    store.alert(StoredAlert(("other", "b" * 32), now - 30, "error", "Other one", "E: y", "E"))
    store.close()
    stores = Stores()
    watcher = AlertWatcher(stores.status)
    recorder = Recorder(stores, watcher, Counter)
    recorder.history = HistoryStore(path)
    recorder.restore(["prod"])
    assert [a.title for a in watcher.alerts] == ["Prod one"]
