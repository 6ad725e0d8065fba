"""Sparklines of the last hour: conversations by status, minute by minute, and conversations
that entered ERROR, hour by hour over the day (filled from the history after a restart)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline

from tui import clock
from tui.protocol import status as st
from tui.state.recorder import Trends

SERIES = (st.ERROR, st.STARTING, st.RUNNING)


class TrendsPanel(Vertical):
    """A labelled sparkline per series; redrawn only when its numbers moved."""

    def __init__(self, trends: Trends, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.trends = trends
        self._shown: dict[str, list[float]] = {}

    def compose(self) -> ComposeResult:
        yield Label("Last hour, a bar a minute", classes="trends-title")
        for status in SERIES:
            with Horizontal(classes="trend"):
                yield Label(f"{status:<8} {'-':>5}", id=f"trend-label-{status.lower()}")
                yield Sparkline([], id=f"trend-{status.lower()}", summary_function=max)
        with Horizontal(classes="trend"):
            yield Label(f"errors/h {'-':>5}", id="trend-label-errors")
            yield Sparkline([], id="trend-errors", summary_function=max)

    def on_mount(self) -> None:
        self.refresh_trends()

    def refresh_trends(self) -> None:
        """Read the trends again (every few seconds is plenty: they move by the minute)."""
        now = clock.wall()
        for status in SERIES:
            data = self.trends.count_series(status, now)
            self._show(f"trend-{status.lower()}", data, f"{status:<8} {data[-1]:>5.0f}")
        errors = self.trends.error_series(now)
        self._show("trend-errors", errors, f"errors/h {errors[-1]:>5.0f}")

    def _show(self, name: str, data: list[float], label: str) -> None:
        if self._shown.get(name) != data:
            self._shown[name] = data
            self.query_one(f"#{name}", Sparkline).data = data
            self.query_one(f"#{name.replace('trend-', 'trend-label-')}", Label).update(label)
