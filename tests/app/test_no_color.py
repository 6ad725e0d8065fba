"""With NO_COLOR set, nothing on screen depends on colour: Textual paints in monochrome, and
every status, mark and link state has a glyph or word of its own, on the dashboard, in the
detail view and in the panels."""

from __future__ import annotations

import pytest
from textual.filter import Monochrome

from tests.helpers import demo_app, loaded, row_text, screen_text, table_of, wait_for
from tui.alerts.watcher import Alert
from tui.demo.server import DemoServer
from tui.protocol import status as st
from tui.store.websocket_store import LinkState
from tui.text.format import DELETED_GLYPH, IDLE_GLYPH, STATUS_GLYPHS, status_word, view_glyph
from tui.ui.screens.alerts import alert_line
from tui.ui.screens.detail import DetailScreen
from tui.ui.widgets.connection_panel import GLYPHS, ConnectionPanel

ORDER = (st.ERROR, st.STARTING, st.RUNNING, st.STOPPED, st.ARCHIVED)
STALE = "~"  # a row as last seen before this run


def test_every_status_and_link_state_has_a_glyph_of_its_own() -> None:
    statuses = [STATUS_GLYPHS[s] for s in ORDER] + [IDLE_GLYPH, DELETED_GLYPH, STALE]
    assert len(set(statuses)) == len(statuses)
    assert len(set(GLYPHS.values())) == len(GLYPHS)


def test_alert_marks_are_words() -> None:
    alert = Alert(("demo", "a" * 32), "A task", "error", 0.0, acked=True)
    text = alert_line(alert, muted=True).plain
    assert "acknowledged" in text and "muted" in text and "ERROR" in text


async def test_under_no_color_each_status_reads_by_glyph_and_word(
    demo: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = demo_app(demo)
    assert app.no_color and any(isinstance(f, Monochrome) for f in app._filters)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        shown: dict[str, str] = {}  # status word -> its glyph, as the rows show them
        for key in list(table.rows):
            view = app.stores.status.get(key)
            assert view is not None
            word = status_word(view)
            if word in shown or view.stale:
                continue
            glyph = view_glyph(view)
            assert row_text(table, key).strip().startswith(f"{glyph} {word}"), word
            shown[word] = glyph
        assert len(set(shown.values())) == len(shown) >= 4, shown  # one glyph per status
        counts = " ".join(screen_text(app)[:3])
        for status in ORDER:
            assert f"{STATUS_GLYPHS[status]} {status} " in counts, status
        panel = app.screen.query_one(ConnectionPanel)
        connected = f"{GLYPHS[LinkState.CONNECTED]} CONNECTED"
        await wait_for(lambda: connected in str(panel.render()))
        key = next(iter(table.rows))
        table.select_key(key)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, DetailScreen))
        view = app.stores.status.get(key)
        assert view is not None
        glyph, word = view_glyph(view), status_word(view)
        await wait_for(lambda: any(f"{glyph} {word}" in ln for ln in screen_text(app)))
