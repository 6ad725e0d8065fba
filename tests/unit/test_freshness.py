"""The connection panel says how each server's statuses are learnt and how late they can be,
from the same intervals the monitor schedules by."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.store.websocket_store import LinkState, WebSocketStore, server_link
from tui.sync.freshness import Mode, describe
from tui.sync.polling import PollIntervals
from tui.ui.widgets.connection_panel import ConnectionPanel


def test_each_mode_names_its_own_intervals() -> None:
    base = PollIntervals()
    assert describe(Mode.PER_ID, base) == (
        "statuses: polled every 3s starting, 30s running, 10s error, 1m stopped; full list every 2m"
    )
    assert describe(Mode.DELTA, base.in_delta()) == (
        "statuses: what changed, every 10s; sandboxes checked every 10m; full list every 30m"
    )
    assert describe(Mode.PUSH, base.in_push()) == (
        "statuses: pushed by the server as they change; polled every 5m as a heartbeat"
    )


def test_a_status_never_polled_is_left_out() -> None:
    quiet = PollIntervals(stopped=None, error=None, discover=90.0)
    assert describe(Mode.PER_ID, quiet) == (
        "statuses: polled every 3s starting, 30s running; full list every 1m30s"
    )


async def test_the_panel_shows_it_under_the_server() -> None:
    store = WebSocketStore()
    said = describe(Mode.DELTA, PollIntervals().in_delta())
    store.set(server_link("prod"), state=LinkState.CONNECTED, freshness=said)

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield ConnectionPanel(store)

    async with Host().run_test(size=(60, 20)) as pilot:
        text = str(pilot.app.query_one(ConnectionPanel).render())
    lines = text.splitlines()
    assert lines[0].split()[-1] == "prod"
    assert "statuses: what changed, every 10s;" in " ".join(text.split())
