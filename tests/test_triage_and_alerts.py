"""Triage: warnings, the conversation URL and copying it; alerts as toasts and a list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import ManualClock
from tests.helpers import wait_for
from tests.test_app import _app, _frozen, _loaded, _table
from tui.demo.server import DemoServer
from tui.screens.alerts import AlertsScreen
from tui.screens.detail import DetailScreen
from tui.state.alerts import Alert, AlertWatcher, Thresholds, warnings_for
from tui.state.status_store import StatusStore
from tui.state.view import ConversationView, ErrorInfo


def _view(status: str, execution: str | None, **kw: object) -> ConversationView:
    return ConversationView(
        server="s", id="c1", kind="v1", title="T", status=status, execution_status=execution, **kw
    )  # type: ignore[arg-type]


def test_alerts_for_error_and_stuck_but_not_first_sight(clock: ManualClock) -> None:
    store = StatusStore(clock=clock, wall=clock)
    watcher = AlertWatcher(store, clock=clock, wall=clock)
    store.upsert(_view("ERROR", "error"))  # first sight: counted, not alerted
    assert not watcher.alerts
    store.upsert(_view("RUNNING", "running"))
    store.upsert(_view("ERROR", "error", last_error=ErrorInfo("E1", "boom")))
    store.upsert(_view("RUNNING", "running"))
    store.upsert(_view("ERROR", "stuck"))
    assert [(a.what, a.detail) for a in watcher.alerts] == [("error", "E1: boom"), ("stuck", "")]


def test_starting_too_long_is_alerted_once_per_spell(clock: ManualClock) -> None:
    store = StatusStore(clock=clock, wall=clock)
    watcher = AlertWatcher(store, Thresholds(starting_minutes=5), clock=clock, wall=clock)
    store.upsert(_view("STARTING", None))
    clock.advance(4 * 60)
    watcher.tick()
    assert not watcher.alerts
    clock.advance(2 * 60)
    watcher.tick()
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["starting too long"]


def test_triage_warnings(clock: ManualClock) -> None:
    t = Thresholds(starting_minutes=5, silent_minutes=10)
    wall = 1_800_000_000.0
    old = datetime.fromtimestamp(wall - 20 * 60, UTC)
    silent = _view("RUNNING", "running", updated_at=old, status_since=clock.now - 20 * 60)
    assert any(
        "nothing heard for 20 min" in w for w in warnings_for(silent, clock.now, None, t, wall)
    )
    assert warnings_for(silent, clock.now, wall - 60, t, wall) == []  # an event a minute ago
    starting = _view("STARTING", None, status_since=clock.now - 7 * 60)
    assert warnings_for(starting, clock.now, None, t, wall) == ["STARTING for 7 min (more than 5)"]


async def test_an_error_raises_a_toast_and_is_listed_under_alerts(demo: DemoServer) -> None:
    conv = _frozen(demo, "running")
    app = _app(demo)
    app.ring_bell = True
    async with app.run_test(size=(160, 45)) as pilot:
        await _loaded(app, demo)
        conv.execution = "error"
        await wait_for(lambda: any(a.key == ("demo", conv.hex) for a in app.alerts.alerts))

        # One toast names it; if other demo conversations failed in the same half second,
        # one summary toast covers them all.
        def toasted() -> bool:
            return any(
                (m.startswith("ERROR: ") and conv.title in m) or " alerts: " in m
                for m in (n.message for n in app._notifications)
            )

        await wait_for(toasted)
        assert app.bells_rung >= 1
        await pilot.press("exclamation_mark")
        assert isinstance(app.screen, AlertsScreen)
        mine = next(i for i, a in enumerate(app.screen.alerts) if a.key == ("demo", conv.hex))
        await pilot.press(*(["down"] * mine), "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.key == ("demo", conv.hex)


async def test_detail_shows_the_url_and_c_copies_it(
    demo: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.clipboard.TOOLS", ())
    app = _app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await _loaded(app, demo)
        table = _table(app)
        running = next(v for v in app.stores.status if v.conversation_url)
        table.select_key(running.key)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        url_text = str(app.screen.query_one("#detail-url").render())
        assert running.conversation_url is not None and running.conversation_url in url_text
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == running.conversation_url  # via OSC 52: no clipboard tool here
        assert any(n.message == "URL copied (OSC 52)." for n in app._notifications)


def test_alert_records_are_plain_data() -> None:
    a = Alert(("s", "c"), "[bold]x[/bold]", "error", 0.0, "d")
    from tui.screens.alerts import alert_line

    assert "[bold]x[/bold]" in alert_line(a).plain  # markup in a title stays text


async def test_a_burst_of_alerts_is_one_toast() -> None:
    from tui.app import OhtopApp
    from tui.state.stores import Stores

    stores = Stores()
    app = OhtopApp([], stores=stores, max_streams=-1)
    async with app.run_test(size=(120, 30)) as pilot:
        for i in range(50):
            v = ConversationView(
                server="s",
                id=f"{i:032x}",
                kind="v1",
                title=f"c{i}",
                status="RUNNING",
                execution_status="running",
            )
            stores.status.upsert(v)
            stores.status.upsert(
                v.__class__(
                    **{
                        **{f: getattr(v, f) for f in ("server", "id", "kind", "title")},
                        "status": "ERROR",
                        "execution_status": "error",
                    }
                )
            )
        await pilot.pause(0.8)
        messages = [n.message for n in app._notifications]
    assert len(app.alerts.alerts) == 50
    assert messages == ["50 alerts: 50 error. Press ! to list them."]
