"""A real-time soak: the dashboard against a demo server whose scripts churn on their own
(conversations created, running, failing, finishing, deleted, links dropped by a flaky
ingress) for minutes, as an operator would leave it open. Every so often the world holds still
and what a person sees is compared with it: the header's counts, the rows, no health line
while the server answers, no link left behind by a stream that ended, memory that does not
grow with what was deleted. Run it alone with `pytest -m soak`."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import replace

import pytest

from tests.helpers import FAST, screen_text, wait_for
from tests.oracle import coarse
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.settings import Settings
from tui.store.websocket_store import LinkState, is_server_link
from tui.ui.app import OhtopApp
from tui.ui.widgets.health_bar import HealthBar

SOAK_SECONDS = 90.0
GRACE = 20.0  # deleted rows leave the list after this (the default is five minutes)
CHECK_EVERY = 12.0
SHORT = {
    "ERR": "ERROR",
    "START": "STARTING",
    "RUN": "RUNNING",
    "STOP": "STOPPED",
    "ARCH": "ARCHIVED",
}


class Pausable:
    """A monotonic clock the test can hold still (the world waits while it is compared)."""

    def __init__(self) -> None:
        self.held_at: float | None = None
        self.lost = 0.0

    def __call__(self) -> float:
        now = self.held_at if self.held_at is not None else time.monotonic()
        return now - self.lost

    def hold(self) -> None:
        self.held_at = time.monotonic()

    def go(self) -> None:
        if self.held_at is not None:
            self.lost += time.monotonic() - self.held_at
            self.held_at = None


def _agrees(app: OhtopApp, world: DemoWorld) -> bool:
    status = app.stores.status
    live = {c.hex: c for c in world.visible()}
    for hexid, c in live.items():
        v = status.get(("demo", hexid))
        if v is None or v.deleted or v.status != coarse(c):
            return False
    return all(v.id in live or v.deleted for v in status)


@pytest.mark.soak
async def test_minutes_of_churn_leave_every_face_true() -> None:
    held = Pausable()
    world = DemoWorld(n=30, seed=99, clock=held, spawn_every=4.0, max_visible=30)
    server = DemoServer(world, flaky_every=6.0)
    await server.start()
    settings = Settings(servers=(ServerConfig(server.url, name="demo"),), intervals=FAST)
    app = OhtopApp(settings)
    app.fleet.options = replace(app.fleet.options, gone_grace=GRACE)  # minutes, not five
    checks = 0
    deleted_seen: set[str] = set()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            end = time.monotonic() + SOAK_SECONDS
            while time.monotonic() < end:
                await asyncio.sleep(CHECK_EVERY)  # the world churns, in real time
                held.hold()
                try:
                    await wait_for(lambda: _agrees(app, world), timeout=20)
                    await wait_for(lambda: not app.repaint_pending)
                    await pilot.pause()
                    size = (80, 24) if checks % 2 else (160, 45)
                    await pilot.resize_terminal(*size)
                    await pilot.pause()
                    _check(app, world, size)
                    deleted_seen |= {v.id for v in app.stores.status if v.deleted}
                    checks += 1
                finally:
                    held.go()
            assert deleted_seen, "the soak deleted nothing: it did not churn"
            assert server.drops > 0, "no stream was dropped: the soak did not flap"
    finally:
        await server.stop()
    assert checks >= SOAK_SECONDS // CHECK_EVERY - 1


def _check(app: OhtopApp, world: DemoWorld, size: tuple[int, int]) -> None:
    truth = Counter(coarse(c) for c in world.visible())
    top = " ".join(screen_text(app)[:2])
    counts = {SHORT.get(w, w): int(n) for w, n in re.findall(r"([A-Z]+) (\d+)", top)}
    for status in ("ERROR", "STARTING", "RUNNING", "STOPPED", "ARCHIVED"):
        assert counts.get(status) == truth[status], (size, status, top)
    # The server answers: no health line, whatever streams came and went.
    bar = app.screen.query_one(HealthBar)
    assert not bar.has_class("-visible"), str(bar.render())
    links = app.stores.links.links()
    assert all(is_server_link(x.name) or x.group == "demo" for x in links), links
    streams = [x for x in links if not is_server_link(x.name)]
    assert len(streams) <= settings_cap(app) + 1, len(streams)  # the cap, and the selected one
    assert app.stores.links.get("server demo").state is LinkState.CONNECTED
    # What was deleted leaves memory: only recent deletions stay, and nothing kept per
    # conversation (events, stream choices) outlives the conversation.
    live = {c.hex for c in world.visible()}
    extra = [v for v in app.stores.status if v.id not in live]
    assert all(v.deleted for v in extra)
    gone_for = app.stores.status._gone_at
    now = app.stores.status.wall()
    assert all(now - at <= GRACE + 3 for at in gone_for.values()), "a deleted row stayed"
    kept = set(app.stores.status.all_keys())
    assert set(app.stores.events._events) <= kept
    manager = app.fleet.streams
    assert manager is not None and set(manager._relevant) <= kept


def settings_cap(app: OhtopApp) -> int:
    return app.settings.max_streams
