"""Idle stays idle: the once-a-second tick repaints only rows whose clocks read differently."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.helpers import wait_for
from tui.protocol.status import ServerKind
from tui.settings import Settings
from tui.store.stores import Stores
from tui.store.view import ConversationView
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable

WALL = 1_800_000_000.0


class Clocks:
    def __init__(self) -> None:
        self.now = WALL

    def wall(self) -> float:
        return self.now


def _views(ages: list[float], now: float) -> list[ConversationView]:
    created = datetime.fromtimestamp(WALL - 7200, UTC)
    return [
        ConversationView(
            server="s",
            id=f"{i:032x}",
            kind=ServerKind.V1,
            status="STOPPED",
            title=f"conversation {i}",
            created_at=created,
            updated_at=created,
            status_since=now - age,
            since_exact=True,
        )
        for i, age in enumerate(ages)
    ]


async def test_tick_repaints_only_rows_whose_durations_read_differently(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocks = Clocks()
    monkeypatch.setattr("tui.text.clock.wall", clocks.wall)
    stores = Stores()
    app = OhtopApp(Settings(max_streams=-1), stores=stores)
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(ConversationTable)
        table.clock = clocks.wall
        # Three hours in state ("3h00m", steps by the minute) and 30 s ("30s", every second).
        with stores.status.batch():
            for view in _views([3 * 3600 + 5, 3 * 3600 + 30, 30], clocks.now):
                stores.status.restore(view)
        await wait_for(lambda: not app.repaint_pending)
        await pilot.pause()
        painted: list[int] = []
        monkeypatch.setattr(table, "refresh_line", painted.append)
        clocks.now += 1.0
        table.tick()
        assert len(painted) == 1  # only the 30 s row: "30s" -> "31s"; "3h00m" reads the same
        painted.clear()
        clocks.now += 30.0  # the second row crosses a minute ("3h01m"), the short one "1m01s"
        table.tick()
        assert len(painted) == 2
