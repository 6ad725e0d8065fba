"""Regenerate screenshots/ from the app itself (Textual's SVG export) against the demo server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.settings import Settings
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def shoot(size: tuple[int, int], name: str, keys: tuple[str, ...] = ()) -> Path:
    """Run the dashboard on a seeded demo, press `keys`, save an SVG."""
    server = DemoServer(DemoWorld(n=50, seed=7))
    await server.start()
    app = OhtopApp(Settings(servers=(ServerConfig(server.url, name="demo"),)))
    try:
        async with app.run_test(size=size) as pilot:
            table = app.screen.query_one(ConversationTable)
            for _ in range(200):
                await pilot.pause(0.05)
                loaded = len(table.rows) == len(server.world.visible())
                if loaded and any(v.tasks_total for v in app.stores.status):
                    break
            await pilot.pause(1.2)  # let details and the coalesced repaint land
            await pilot.press(*keys)
            await pilot.pause(0.3)
            path = OUT / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(OUT))
            return path
    finally:
        await server.stop()


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    shots = [
        ((160, 45), "dashboard-160x45", ()),
        ((80, 24), "dashboard-80x24", ()),
        ((160, 45), "detail-160x45", ("j", "enter")),
        ((100, 30), "help-100x30", ("question_mark",)),
    ]
    for size, name, keys in shots:
        print(await shoot(size, name, keys))


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
