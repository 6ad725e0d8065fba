"""Sparklines of the last hour: conversations by status, minute by minute, and conversations
that entered ERROR, hour by hour over the day (filled from the history after a restart). The
numbers beside them are now's: the counts the header shows, and the failures of the last hour
as `#` counts them (now in ERROR, entered within the hour)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline

from tui.fleet.recorder import Trends
from tui.protocol import status as st
from tui.text import clock

SERIES = (st.ERROR, st.STARTING, st.RUNNING)


class TrendsPanel(Vertical):
    """A labelled sparkline per series; redrawn only when its numbers moved."""

    def __init__(
        self,
        trends: Trends,
        counts: Callable[[], Counter[str]] = Counter,
        failed_last_hour: Callable[[], int] | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.trends = trends
        self._counts = counts
        self._failed = failed_last_hour
        self._shown: dict[str, tuple[list[float], str]] = {}

    def compose(self) -> ComposeResult:
        yield Label("Last hour, a bar a minute", classes="trends-title", id="trends-title")
        for status in SERIES:
            with Horizontal(classes="trend"):
                yield Label(f"{status:<8} {'-':>5}", id=f"trend-label-{status.lower()}")
                yield Sparkline([], id=f"trend-{status.lower()}", summary_function=max)
        with Horizontal(classes="trend"):
            yield Label(f"failed 1h {'-':>4}", id="trend-label-errors")
            yield Sparkline([], id="trend-errors", summary_function=max)

    def on_mount(self) -> None:
        self.refresh_trends()

    def refresh_trends(self) -> None:
        """Read the trends again (every few seconds is plenty: they move by the minute)."""
        now = clock.wall()
        counts = self._counts()
        known = len(self.trends.count_series(SERIES[0], now))
        span = "Last hour" if known >= 60 else f"Last {known} min (all that is known)"
        self.query_one("#trends-title", Label).update(f"{span}, a bar a minute")
        for status in SERIES:
            data = self.trends.count_series(status, now, counts[status])
            self._show(f"trend-{status.lower()}", data, f"{status:<8} {counts[status]:>5}")
        errors = self.trends.error_series(now)
        failed = f"{self._failed():>4}" if self._failed is not None else f"{'-':>4}"
        self._show("trend-errors", errors, f"failed 1h {failed}")

    def _show(self, name: str, data: list[float], label: str) -> None:
        if self._shown.get(name) != (data, label):
            self._shown[name] = (data, label)
            self.query_one(f"#{name}", Sparkline).data = data
            self.query_one(f"#{name.replace('trend-', 'trend-label-')}", Label).update(label)
