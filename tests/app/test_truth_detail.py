"""Names and links tell servers and conversations apart: two servers on one host read
differently in every cell, and an agent server's conversation shows the API URL ohtop reads."""

from __future__ import annotations

from tests.helpers import FAST, screen_text, view, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.settings import Settings, unique_labels
from tui.ui.app import OhtopApp
from tui.ui.screens.detail import DetailScreen
from tui.ui.widgets.columns import SERVER_COLUMN
from tui.ui.widgets.conversation_table import ConversationTable


def test_two_servers_behind_one_host_read_apart_in_the_server_column() -> None:
    configs = unique_labels(
        [ServerConfig("http://127.0.0.1:27340/a"), ServerConfig("http://127.0.0.1:27340/b")]
    )
    cells = [SERVER_COLUMN.cell(view("c", server=c.label), 0.0) for c in configs]
    assert len(set(cells)) == 2, cells
    assert all(len(cell) <= SERVER_COLUMN.width for cell in cells)
    assert cells[0].endswith("/a") and cells[1].endswith("/b")


async def test_an_agent_server_conversation_shows_its_absolute_api_url(
    demo_agent: DemoServer,
) -> None:
    app = OhtopApp(Settings(servers=(ServerConfig(demo_agent.url, name="agent"),), intervals=FAST))
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(ConversationTable)
        await wait_for(lambda: table.cursor_key is not None)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, DetailScreen))
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        expected = f"{demo_agent.url}/api/conversations/{screen.key[1]}"
        await pilot.pause()
        assert any(expected in line for line in screen_text(app)), expected
        await pilot.press("c")  # copies it
        await pilot.pause()
        assert app.clipboard == expected
