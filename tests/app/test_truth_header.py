"""The header tells what the list shows: every filter in force is on screen at every width,
before cost or "read-only"; the sort is marked on its column, which is never the one dropped."""

from __future__ import annotations

import pytest

from tests.helpers import FAST, screen_text, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.settings import Settings
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable


def _app(demo: DemoServer) -> OhtopApp:
    return OhtopApp(Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST))


async def _settled(app: OhtopApp, demo: DemoServer) -> None:
    table = app.screen.query_one(ConversationTable)
    await wait_for(lambda: len(table.rows) == len(demo.world.visible()))
    await wait_for(lambda: not app.repaint_pending)


def _rows(app: OhtopApp, n: int) -> list[str]:
    """The list's first `n` rows as seen (under its column titles)."""
    lines = screen_text(app)
    start = next(i for i, line in enumerate(lines) if line.startswith(" STATUS"))
    return lines[start + 1 : start + 1 + n]


def _top(app: OhtopApp, lines: int = 3) -> str:
    return "\n".join(screen_text(app)[:lines])


@pytest.mark.parametrize("size", [(80, 24), (105, 30), (160, 45)])
async def test_every_filter_in_force_is_on_screen(demo: DemoServer, size: tuple[int, int]) -> None:
    app = _app(demo)
    async with app.run_test(size=size) as pilot:
        await _settled(app, demo)
        await pilot.press("2")  # errors only
        await pilot.pause()
        errors = sum(1 for v in app.stores.status if v.status == "ERROR" and not v.deleted)
        table = app.screen.query_one(ConversationTable)
        await wait_for(lambda: "errors only" in _top(app))
        assert f"{len(table.rows)} of {len(app.stores.status)} shown" in _top(app)
        assert len(table.rows) == errors
        await pilot.press("b", "slash", "l", "l", "m", "enter")  # grouped, and a find
        await pilot.pause()
        top = _top(app)
        for words in ("errors only", "find “llm”", "by server", "shown"):
            assert words in top, (words, top)
        assert "read-only" not in top or top.index("read-only") > top.index("errors only")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_the_sorted_column_carries_the_arrow_and_stays(
    demo: DemoServer, size: tuple[int, int]
) -> None:
    app = _app(demo)
    async with app.run_test(size=size) as pilot:
        await _settled(app, demo)
        await pilot.press("dollar_sign")  # sort by cost
        await pilot.pause()
        assert any("COST↓" in line for line in screen_text(app)[:4]), _top(app, 4)
        await pilot.press("dollar_sign")
        await pilot.pause()
        assert any("COST↑" in line for line in screen_text(app)[:4])
        await pilot.press("C")  # created: no column of its own, named in words
        await pilot.pause()
        assert "sort created ↓" in _top(app)


async def test_rows_of_a_server_that_stopped_answering_read_as_unconfirmed() -> None:
    world = DemoWorld(n=12, seed=4, spawn_every=1e9)
    server = DemoServer(world)
    await server.start()
    settings = Settings(
        servers=(ServerConfig(server.url, name="demo"),), intervals=FAST, max_streams=-1
    )
    app = OhtopApp(settings)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await _settled(app, server)
            table = app.screen.query_one(ConversationTable)
            rows = len(table.rows)
            assert "unconfirmed" not in _top(app)
            await server.stop()
            await wait_for(lambda: f"~ {rows} unconfirmed" in _top(app), timeout=10)
            await pilot.pause()
            lines = _rows(app, rows)
            assert all(line.startswith(" ~ ") for line in lines), lines  # every row says so
            assert all(v.stale for k in table.rows if (v := table.view_of(k)))
            # The pane redraws the same conversation at most once per SAME_VIEW_GAP.
            await wait_for(lambda: "last confirmed" in "\n".join(screen_text(app)), timeout=5)
            await server.start()  # the same port: it answers again
            await wait_for(lambda: "unconfirmed" not in _top(app), timeout=20)
            await pilot.pause()
            assert not any(line.startswith(" ~ ") for line in _rows(app, rows))
    finally:
        await server.stop()
