"""The history store opened read-only to show the fleet at any moment (`ohtop --at`, `status
--at`): what it kept then, and a line saying which moment that is."""

from __future__ import annotations

from pathlib import Path

from tui.history.store import HistoryStore, HistoryUnavailable
from tui.settings import UsageError
from tui.settings.moment import stamp
from tui.store.view import ConversationView


class Replay:
    """One read-only store, kept open while moments are stepped through."""

    def __init__(self, path: Path | None) -> None:
        if path is None:
            raise UsageError("--at reads the history store, which is turned off here")
        try:
            self.store = HistoryStore(path, readonly=True)
        except HistoryUnavailable as exc:
            raise UsageError(str(exc)) from None

    def at(self, moment: float) -> tuple[list[ConversationView], str]:
        """The views at `moment` and what moment they are of; a UsageError when the store
        kept nothing from then."""
        kept = self.store.moments()
        if kept is None or moment < kept[0]:
            since = "nothing yet" if kept is None else f"it starts at {stamp(kept[0])}"
            raise UsageError(f"the history store has no fleet at {stamp(moment)}: {since}")
        later = " (nothing kept after the last write: the fleet as it was then)"
        said = f"As the history store saw it at {stamp(moment)}"
        return self.store.fleet_at(moment), said + (later if moment > kept[1] else "")

    def span(self) -> tuple[float, float] | None:
        """The first and last moments kept."""
        return self.store.moments()

    def close(self) -> None:
        self.store.close()
