"""Counts tell the truth after deletions: a conversation its server no longer has leaves the
header's counts, the exporter and (after a short grace) memory and the history store."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import FAST, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.shapes import app_conversation
from tui.demo.world import DemoWorld
from tui.fleet.fleet import Fleet, FleetOptions
from tui.fleet.metrics import registry_for
from tui.history.store import HistoryStore
from tui.protocol.conversations import AppConversation
from tui.protocol.status import SEED_STATUSES
from tui.store.mapping import from_v1
from tui.store.status_store import GONE_GRACE, StatusStore
from tui.store.stores import Stores
from tui.store.view import Key


class Wall:
    """Real time plus an offset the test moves forward (the grace is minutes long)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def _truth(world: DemoWorld) -> Counter[str]:
    """What the demo server holds, by coarse status, read the way ohtop reads it."""
    out: Counter[str] = Counter()
    for c in world.visible():
        item = AppConversation.model_validate(app_conversation(world, c, "http://x"))
        out[from_v1("demo", item).status] += 1
    return out


def _exported(fleet: Fleet) -> Counter[str]:
    text = generate_latest(registry_for(fleet)).decode()
    out: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "ohtop_conversations":
                out[sample.labels["status"]] += int(sample.value)
    return +out


async def test_deleted_conversations_leave_every_count_then_memory(tmp_path: Path) -> None:
    world = DemoWorld(n=30, seed=11, spawn_every=1e9, max_visible=None)
    for c in world.conversations.values():
        c.script.steps.clear()  # a still world: only the deletions below change it
    server = DemoServer(world)
    await server.start()
    wall = Wall()
    stores = Stores(status=StatusStore(wall=wall))
    history = tmp_path / "history.sqlite"
    fleet = Fleet(
        [ServerConfig(server.url, name="demo")],
        FleetOptions(FAST, max_streams=-1, history=history),
        stores=stores,
    )
    await fleet.start()
    try:
        await wait_for(lambda: len(stores.status) == len(world.visible()), timeout=15)
        doomed: list[Key] = [("demo", c.id.hex) for c in world.visible()[:7]]
        for c in world.visible()[:7]:
            c.deleted = True
        fleet.refresh()

        def deleted() -> bool:
            return all((v := stores.status.get(k)) is not None and v.deleted for k in doomed)

        await wait_for(deleted, timeout=15)
        truth = _truth(world)
        assert stores.status.counts() == +truth
        assert sum(stores.status.counts().values()) == len(world.visible())
        assert _exported(fleet) == +truth
        for status in SEED_STATUSES:
            assert stores.status.counts_by_server()[("demo", status)] == truth[status]

        wall.offset += GONE_GRACE + 1  # the grace is over: forgotten within a tick
        await wait_for(lambda: all(k not in stores.status for k in doomed), timeout=5)
        assert len(stores.status) == len(world.visible())
        assert all(not fleet.stores.events.count(k) for k in doomed)
        assert stores.status.counts() == +truth
    finally:
        await fleet.stop()
        await server.stop()
    store = HistoryStore(history, readonly=True)
    kept = {v.key for v in store.views()}
    assert kept and not kept & set(doomed)  # a restart does not bring them back
