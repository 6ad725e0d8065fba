"""Marks and bulk actions: read-only by default (the acting keys are absent: not bound, not in
the help or the palette, and nothing is sent); one confirmation naming the count and showing
the exact requests."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import FAST, loaded, screen_text, table_of, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation
from tui.history.store import HistoryStore
from tui.settings import Settings
from tui.ui.app import OhtopApp
from tui.ui.screens.confirm import ConfirmScreen, ResultsScreen
from tui.ui.screens.dashboard import DashboardScreen


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
        table = table_of(app)
        await pilot.press("asterisk")  # every row marked: an action would reach them all
        for key in ("y", "n", "m", "i", "P", "W", "F"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen), key
        assert table.marked
        await pilot.press("enter")  # the detail offers none either
        await pilot.press("y", "n", "m", "i", "P", "W", "F", "escape")
        await pilot.press("A")  # nor the needs-attention queue
        await pilot.press("y", "n", "m", "i", "P", "W", "F", "escape")
        await pilot.pause()
        assert demo.routes.methods["POST"] == 0 and set(demo.routes.methods) == {"GET"}
        assert "read-only" in str(app.screen.query_one("#indicator").render())
        await pilot.press("question_mark")
        help_text = "\n".join(screen_text(app))
        assert "Approve" not in help_text and "Pause convs" not in help_text
        await pilot.press("escape")
        assert not any(a.dangerous for a in app.dashboard_actions + app.detail_actions)
        assert "Pause convs" not in "\n".join(screen_text(app)[-2:])  # the footer


def _acting(server: DemoServer, name: str, history: Path) -> OhtopApp:
    config = ServerConfig(server.url, name=name)
    return OhtopApp(
        Settings(servers=(config,), intervals=FAST, allow_actions=True, history=history)
    )


async def test_pause_two_marked_after_one_confirmation(demo: DemoServer, tmp_path: Path) -> None:
    a, b = _running(demo, 2)
    app = _acting(demo, "demo", tmp_path / "history.sqlite3")
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        for conv in (a, b):
            table.select_key(("demo", conv.hex))
            await pilot.press("space")
        assert table.marked == {("demo", a.hex), ("demo", b.hex)}
        await pilot.press("P")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.question) == "Pause 2 conversations?"
        detail = str(app.screen.detail)
        for conv in (a, b):  # the exact requests, with whose key (never the key itself)
            url = f"{demo.url}/api/v1/sandboxes/{conv.sandbox_id}/pause"
            assert f"POST {url}  (with your key for this server)" in detail
        assert "seen now: RUNNING/running" in detail
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


async def test_no_leaves_everything_alone_and_hidden_marks_are_named(
    demo: DemoServer, tmp_path: Path
) -> None:
    (a,) = _running(demo, 1)
    app = _acting(demo, "demo", tmp_path / "history.sqlite3")
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        table.select_key(("demo", a.hex))
        await pilot.press("space")
        await pilot.press("e")  # errors only: the marked RUNNING one is now hidden
        await pilot.press("P")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert isinstance(app.screen, ConfirmScreen)
        assert "1 of them is marked but hidden by the filter" in str(app.screen.detail)
        posts = demo.routes.methods["POST"]
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen) and a.sandbox == "RUNNING"
        assert demo.routes.methods["POST"] == posts
        await pilot.press("e", "asterisk")  # all statuses again, then mark all shown
        assert table.marked >= set(table.rows)
        await pilot.press("x")
        assert table.marked == set()


async def test_agent_server_pause_and_a_running_one_is_not_resumed(
    demo_agent: DemoServer, tmp_path: Path
) -> None:
    (conv,) = _running(demo_agent, 1)
    history = tmp_path / "history.sqlite3"
    app = _acting(demo_agent, "agent", history)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo_agent)
        table = table_of(app)
        table.select_key(("agent", conv.hex))
        await pilot.press("W")  # resume a running conversation: nothing to send
        await wait_for(lambda: isinstance(app.screen, ResultsScreen))
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.heading == "Resume: nothing to send"
        assert "not sent: it is running already" in str(app.screen.lines)
        assert demo_agent.routes.methods["POST"] == 0
        await pilot.press("escape")
        await pilot.press("P")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: conv.execution == "paused")
        await wait_for(lambda: isinstance(app.screen, ResultsScreen))
        assert app.screen.heading == "Pause: 1 done, 0 failed"
    store = HistoryStore(history, readonly=True)
    try:
        (sent, outcome) = store.actions()
    finally:
        store.close()
    assert sent["action"] == "pause" and sent["result"] == "sent"
    assert sent["request"]["path"] == f"api/conversations/{conv.id}/pause"
    assert sent["state_seen"]["execution"] == "running"
    assert outcome["result"].startswith("done")
