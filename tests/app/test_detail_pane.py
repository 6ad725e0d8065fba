"""The side detail pane: another conversation at once, the same one's changes at most every
`SAME_VIEW_GAP` (a busy stream changes it ten times a second), and never left behind."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult
from textual.geometry import Region

from tests.helpers import view, wait_for
from tui.ui.widgets.detail_pane import SAME_VIEW_GAP, DetailPane


class _PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane(compact=True)


def _text(pane: DetailPane) -> str:
    return "\n".join(s.text for s in pane.render_lines(Region(0, 0, *pane.size)))


async def test_the_same_conversation_changing_fast_is_redrawn_after_the_gap() -> None:
    app = _PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(DetailPane)
        drawn = time.monotonic()
        pane.show(view("c1", "RUNNING", "running", title="first"))
        await pilot.pause()
        assert "running" in _text(pane)
        pane.show(view("c1", "RUNNING", "paused", title="first"))
        # No await in between: the timer cannot have run, however slow the machine.
        assert "paused" not in _text(pane) or time.monotonic() - drawn >= SAME_VIEW_GAP
        await wait_for(lambda: "paused" in _text(pane))
        assert time.monotonic() - drawn >= SAME_VIEW_GAP
        pane.show(view("c2", "ERROR", "error", title="second"))  # another one: at once
        assert "second" in _text(pane)
