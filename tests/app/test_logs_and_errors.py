"""Logging goes to a file (never the terminal); L shows recent errors in the app."""

from __future__ import annotations

import logging
from pathlib import Path

from tui.settings import Settings, logs
from tui.store.stores import Stores
from tui.ui.app import OhtopApp
from tui.ui.screens.errors import ErrorsScreen


def test_log_records_go_to_the_state_file(tmp_path: Path, monkeypatch: object) -> None:
    path = logs.setup("info", tmp_path / "ohtop.log")
    logging.getLogger("tui.sync.monitor").warning("server %s: %s", "prod", "connection refused")
    logging.getLogger("tui.sync.monitor").debug("not at info level")
    for handler in logging.getLogger("tui").handlers:
        handler.flush()
    text = path.read_text()
    assert "WARNING tui.sync.monitor: server prod: connection refused" in text
    assert "not at info level" not in text


async def test_l_lists_recent_errors() -> None:
    stores = Stores()
    stores.errors.add("prod", "rate_limited", "HTTP 429: Too many requests")
    stores.errors.add("prod", "auth", "HTTP 401: Unauthorized", "ab" * 16)
    app = OhtopApp(Settings(max_streams=-1, log_path=Path("/tmp/x.log")), stores=stores)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, ErrorsScreen)
        text = str(app.screen.query_one("#errors").render())
        assert text.index("HTTP 401") < text.index("HTTP 429")  # newest first
        assert "(abababab)" in text
