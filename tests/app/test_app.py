"""The dashboard driven by keys, the way a user would, against the demo server over loopback."""

from __future__ import annotations

from tests.helpers import demo_app, frozen, loaded, row_text, table_of, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation
from tui.settings import Settings
from tui.settings.config import THEMES
from tui.sync.polling import PollIntervals
from tui.sync.stream_manager import link_name
from tui.ui.app import OhtopApp
from tui.ui.screens.dashboard import DashboardScreen
from tui.ui.screens.detail import DetailScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.widgets.connection_panel import ConnectionPanel
from tui.ui.widgets.conversation_table import ConversationTable
from tui.ui.widgets.detail_pane import DetailPane
from tui.ui.widgets.status_indicator import StatusIndicator

NO_LOOK = PollIntervals(look=0)


async def test_rows_and_counts_appear(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)):
        await loaded(app, demo)

        def agrees() -> bool:  # the indicator repaints at most every 100 ms: wait for it
            indicator = app.screen.query_one(StatusIndicator).render().plain
            running = sum(1 for v in app.stores.status if v.status == "RUNNING")
            total = f"{len(app.stores.status)} conversations"
            return f"RUNNING {running}" in indicator and total in indicator

        await wait_for(agrees)
        assert len(app.stores.status) == len(demo.world.visible())


async def test_keys_move_the_cursor_and_the_detail_pane_follows(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        assert table.cursor == 0
        await pilot.press("j", "j", "down")
        assert table.cursor == 3
        await pilot.press("k")
        assert table.cursor == 2
        await pilot.press("G")
        assert table.cursor == len(table.rows) - 1
        await pilot.press("g")
        assert table.cursor == 0
        await pilot.press("j")
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        assert pane.view is not None and pane.view.key == table.rows[1]


async def test_enter_opens_detail_escape_returns_help_lists_keys(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.key == _table_of_dashboard(app).rows[1]
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


def _table_of_dashboard(app: OhtopApp) -> ConversationTable:
    return next(s for s in app.screen_stack if isinstance(s, DashboardScreen)).query_one(
        ConversationTable
    )


async def test_server_side_change_appears_on_screen(demo: DemoServer) -> None:
    conv = frozen(demo, "running")
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)):
        await loaded(app, demo)
        table = table_of(app)
        key = ("demo", conv.hex)
        assert "RUNNING" in row_text(table, key)
        conv.execution = "error"
        await wait_for(lambda: "ERROR" in row_text(table, key))
        assert "error" in row_text(table, key)


async def test_r_refreshes_now(demo: DemoServer) -> None:
    # Default, slow intervals (the re-list is minutes away), no look for new conversations.
    settings = Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=NO_LOOK)
    app = OhtopApp(settings)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        listings = demo.routes.hits[
            "/api/v1/app-conversations/search"
        ]  # the default re-list is minutes away
        await pilot.press("r")
        await wait_for(lambda: demo.routes.hits["/api/v1/app-conversations/search"] > listings)


async def test_cursor_stays_on_its_conversation_when_rows_move(demo: DemoServer) -> None:
    watched = frozen(demo, "finished")
    mover = frozen(demo, "running")
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)):
        await loaded(app, demo)
        table = table_of(app)
        table.select_key(("demo", watched.hex))
        index = table.cursor
        mover.execution = "error"  # ERROR rows sort first: every row below moves down
        await wait_for(lambda: app.stores.status.get(("demo", mover.hex)).status == "ERROR")  # type: ignore[union-attr]
        await wait_for(lambda: table.rows.index(("demo", watched.hex)) == index + 1)
        assert table.cursor_key == ("demo", watched.hex)
        assert table.cursor == index + 1


async def test_error_rows_stand_out(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        await pilot.press("G")  # cursor away from the rows compared
        table = table_of(app)
        views = {v.status: v for v in app.stores.status}
        error_row = table.rows.index(views["ERROR"].key)
        running_row = table.rows.index(views["RUNNING"].key)
        table.scroll_to(y=0, animate=False)
        await pilot.pause()

        def background(row: int) -> object:
            strip = table.render_line(row - int(table.scroll_y))
            return list(strip)[-1].style.bgcolor  # type: ignore[union-attr]

        assert error_row < running_row  # errors sort first
        assert background(error_row) != background(running_row)


async def test_rows_repainted_after_a_theme_change_take_its_colours(demo: DemoServer) -> None:
    """Rows are kept painted between frames; a new theme (or any style change) must not leave
    them in the old colours."""
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)

        def colours() -> set[object]:
            return {seg.style.bgcolor for seg in table.render_line(0) if seg.style}

        before = colours()
        assert before == colours()  # painted again from what was kept: the same
        app.theme = next(name for name in THEMES if name != app.theme)
        await pilot.pause()
        after = colours()
        table._rows_painted.clear()
        table._styles.clear()
        assert after == colours()  # what a fresh paint gives
        assert after != before


async def test_q_quits(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app, demo)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0  # set only by exit()


async def test_selected_conversation_updates_live_over_its_stream(demo: DemoServer) -> None:
    conv = frozen(demo, "running")
    app = OhtopApp(
        Settings(servers=(ServerConfig(demo.url, name="demo"),), max_streams=0)
    )  # only the selection
    async with app.run_test(size=(160, 45)):
        await loaded(app, demo)
        table = table_of(app)
        key = ("demo", conv.hex)
        table.select_key(key)
        link = link_name(("demo", conv.hex))
        await wait_for(lambda: app.stores.links.get(link).state.value == "CONNECTED")
        batches = demo.routes.hits["/api/v1/app-conversations"]
        demo.world.push_state(conv, "finished")
        await wait_for(lambda: "finished" in row_text(table, key), timeout=3)
        assert demo.routes.hits["/api/v1/app-conversations"] == batches  # not from a REST poll
        last = app.stores.status.timeline(key)[-1]
        assert last.new_execution == "finished" and last.reason.startswith("event")
        panel = app.screen.query_one(ConnectionPanel)

        def lines() -> list[str]:
            return str(panel.render()).splitlines()

        await wait_for(lambda: any(conv.hex[:8] in ln and "CONNECTED" in ln for ln in lines()))


async def test_a_failed_row_reads_the_error_code_its_server_sent(demo: DemoServer) -> None:
    """STATE of an ERROR row is the code of the server's last ConversationErrorEvent."""

    def server_code(conv: DemoConversation) -> str | None:
        codes = [e["code"] for e in conv.events if e.get("kind") == "ConversationErrorEvent"]
        return codes[-1] if codes else None

    app = demo_app(demo)
    async with app.run_test(size=(160, 45)):
        await loaded(app, demo)
        table = table_of(app)

        def failed_with_code() -> list[DemoConversation]:
            return [
                c
                for c in demo.world.visible()
                if c.execution == "error"
                and server_code(c)
                and (v := app.stores.status.get(("demo", c.hex))) is not None
                and v.last_error is not None
            ]

        await wait_for(lambda: bool(failed_with_code()), timeout=20)
        conv = failed_with_code()[0]
        code = server_code(conv)
        assert code is not None
        state = row_text(table, ("demo", conv.hex)).split()[2]  # "✖", "ERROR", then STATE
        assert state == (code if len(code) <= 16 else code[:15] + "…")
