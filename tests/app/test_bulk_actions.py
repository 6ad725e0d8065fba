"""Marks and bulk actions: read-only by default; one confirmation naming the count."""

from __future__ import annotations

from tests.helpers import FAST, loaded, table_of, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation
from tui.settings import Settings
from tui.ui.app import OhtopApp
from tui.ui.screens.confirm import ConfirmScreen, ResultsScreen


def _running(demo: DemoServer, n: int) -> list[DemoConversation]:
    convs = [
        c for c in demo.world.visible() if c.sandbox == "RUNNING" and c.execution == "running"
    ][:n]
    for c in convs:
        c.script.steps.clear()
    assert len(convs) == n
    return convs


async def test_read_only_by_default(demo: DemoServer) -> None:
    app = OhtopApp(Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST))
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        posts = demo.routes.hits["/api/v1/sandboxes/{sandbox}/{action}"]
        await pilot.press("P")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("--allow-actions" in n.message for n in app._notifications)
        assert demo.routes.hits["/api/v1/sandboxes/{sandbox}/{action}"] == posts
        assert "read-only" in str(app.screen.query_one("#indicator").render())


async def test_pause_two_marked_after_one_confirmation(demo: DemoServer) -> None:
    a, b = _running(demo, 2)
    app = OhtopApp(
        Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST, allow_actions=True)
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        for conv in (a, b):
            table.select_key(("demo", conv.hex))
            await pilot.press("space")
        assert table.marked == {("demo", a.hex), ("demo", b.hex)}
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.question) == "Pause 2 conversations?"
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, ResultsScreen))
        assert (
            isinstance(app.screen, ResultsScreen)
            and app.screen.heading == "Pause: 2 done, 0 failed"
        )
        assert a.sandbox == "PAUSED" and b.sandbox == "PAUSED"
        await pilot.press("escape")
        key = ("demo", a.hex)
        await wait_for(lambda: app.stores.status.get(key).status == "STOPPED")  # type: ignore[union-attr]


async def test_no_leaves_everything_alone_and_hidden_marks_are_named(demo: DemoServer) -> None:
    (a,) = _running(demo, 1)
    app = OhtopApp(
        Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST, allow_actions=True)
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        table.select_key(("demo", a.hex))
        await pilot.press("space")
        await pilot.press("e")  # errors only: the marked RUNNING one is now hidden
        await pilot.press("W")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "1 of them is marked but hidden by the filter" in str(app.screen.detail)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen) and a.sandbox == "RUNNING"
        await pilot.press("e", "asterisk")  # all statuses again, then mark all shown
        assert table.marked >= set(table.rows)
        await pilot.press("x")
        assert table.marked == set()


async def test_agent_server_pause_and_a_409_is_reported(demo_agent: DemoServer) -> None:
    (conv,) = _running(demo_agent, 1)
    app = OhtopApp(
        Settings(
            servers=(ServerConfig(demo_agent.url, name="agent"),),
            intervals=FAST,
            allow_actions=True,
        )
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo_agent)
        table = table_of(app)
        table.select_key(("agent", conv.hex))
        await pilot.press("W")  # resume a running conversation: the server says 409
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, ResultsScreen))
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.heading == "Resume: 0 done, 1 failed"
        assert "409" in str(app.screen.lines)
        await pilot.press("escape")
        await pilot.press("P", "y")
        await wait_for(lambda: conv.execution == "paused")
