"""`ohtop --at TIME`: the dashboard shows the fleet as the history store saw it then, says the
moment on screen, asks no server, and steps back and forth with [ ] (a minute) and { } (an
hour); a moment with nothing kept is said and the last one stays."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers import screen_text, table_of, view, wait_for
from tui.history.store import HistoryStore
from tui.settings import Settings
from tui.settings.moment import stamp
from tui.text import clock
from tui.ui.app import OhtopApp

NOW = float(int(time.time()))


class Clock:
    def __init__(self) -> None:
        self.at = NOW - 3600

    def __call__(self) -> float:
        return self.at


def _kept(path: Path) -> None:
    wall = Clock()
    store = HistoryStore(path, wall=wall)
    store.start()
    a, b = "a" * 32, "b" * 32
    store.seen(view(a, "RUNNING", "running", title="Fix the login test"))
    wall.at = NOW - 1800
    store.seen(view(a, "ERROR", "error", title="Fix the login test"))
    store.seen(view(b, "STARTING", None, title="Write the release notes"))
    wall.at = NOW - 600
    store.forget(("demo", a))
    store.close()


async def test_the_dashboard_at_a_moment_steps_through_what_was_kept(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _kept(path)
    moment = NOW - 1700
    app = OhtopApp(Settings(at=moment, history=path))
    assert app.read_only
    async with app.run_test(size=(160, 45)) as pilot:
        table = table_of(app)
        await wait_for(lambda: len(table.rows) == 2)
        assert clock.wall() == moment  # ages read as they did then

        def top() -> str:
            return " ".join(screen_text(app)[:2])

        await wait_for(lambda: f"AT {stamp(moment)}" in top())
        assert "✖ ERROR 1" in top() and "◌ STARTING 1" in top()
        assert not app.stores.links.links()  # no server was asked
        await pilot.press("left_square_bracket")  # a minute earlier: the same two
        await wait_for(lambda: f"AT {stamp(moment - 60)}" in top())
        assert len(table.rows) == 2
        await pilot.press("left_curly_bracket")  # an hour earlier: before anything was kept
        await wait_for(lambda: any("no fleet at" in n.message for n in app._notifications))
        assert f"AT {stamp(moment - 60)}" in top() and len(table.rows) == 2
        await pilot.press("right_curly_bracket")  # after A was forgotten: B alone
        await wait_for(lambda: len(table.rows) == 1)
        assert f"AT {stamp(moment - 60 + 3600)}" in top()
        assert "◌ STARTING 1" in top() and "ERROR 1" not in top()
    assert clock.wall() != moment  # the real clock again
