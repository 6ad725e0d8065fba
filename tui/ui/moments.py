"""`ohtop --at TIME`: the dashboard over the fleet as the history store saw it at a moment,
stepped back and forth by keys. Nothing asks a server; the UI's clock is pinned to the moment,
so ages and times in state read as they did then; the moment is always on screen."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from tui.session.replay import Replay
from tui.settings import UsageError
from tui.settings.moment import stamp
from tui.store.stores import Stores
from tui.text import clock

STEPS = (
    ("left_square_bracket", -60.0, "[", "-1m"),
    ("right_square_bracket", 60.0, "]", "+1m"),
    ("left_curly_bracket", -3600.0, "{", "-1h"),
    ("right_curly_bracket", 3600.0, "}", "+1h"),
)


class MomentView:
    """The stores filled with one moment at a time."""

    def __init__(self, app: App[None], stores: Stores, history: Path | None) -> None:
        self.app = app
        self.stores = stores
        self.replay = Replay(history)
        self.at = 0.0
        self.said = ""
        for key, seconds, shown, words in STEPS:
            app.bind(key, f"step({seconds})", description=words, key_display=shown)

    def show(self, at: float) -> bool:
        """Show the fleet at `at`; a moment with nothing kept is said, and the last one stays."""
        try:
            views, said = self.replay.at(at)
        except UsageError as exc:
            self.app.notify(str(exc), severity="warning", timeout=4, markup=False)
            return False
        self.at, self.said = at, said
        clock.pin(at)
        status = self.stores.status
        with status.batch():
            for key in status.all_keys():
                status.forget(key)
            for view in views:
                status.restore(view)
        self.app.sub_title = f"AT {stamp(at)} (history, read-only)"
        return True

    def close(self) -> None:
        clock.pin(None)
        self.replay.close()
