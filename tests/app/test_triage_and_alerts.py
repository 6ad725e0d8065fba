"""Triage: warnings, the conversation URL and copying it; alerts as toasts and a list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.helpers import ManualClock, demo_app, frozen, loaded, table_of, wait_for
from tests.helpers import view as _base
from tui.alerts import watcher as alerts_module
from tui.alerts.watcher import Alert, AlertWatcher, Thresholds, warnings_for
from tui.demo.server import DemoServer
from tui.settings import Settings
from tui.store.status_store import StatusStore
from tui.store.stores import Stores
from tui.store.view import ConversationView, ErrorInfo
from tui.ui.app import OhtopApp
from tui.ui.screens.alerts import AlertsScreen
from tui.ui.screens.detail import DetailScreen

WALL = 1_800_000_000.0


def _view(status: str, execution: str | None, **kw: Any) -> ConversationView:
    return _base("c1", status, execution, server="s", title="T", **kw)


def test_alerts_for_error_and_stuck_but_not_first_sight_of_an_old_one(
    clock: ManualClock,
) -> None:
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(store, wall=clock)
    before = datetime.fromtimestamp(clock.now - 3600, UTC)
    store.upsert(_view("ERROR", "error", created_at=before))  # failed before ohtop started
    assert not watcher.alerts
    store.upsert(_view("RUNNING", "running"))
    store.upsert(_view("ERROR", "error", last_error=ErrorInfo("E1", "boom")))
    store.upsert(_view("RUNNING", "running"))
    store.upsert(_view("ERROR", "stuck"))
    assert [(a.what, a.detail) for a in watcher.alerts] == [("error", "E1: boom"), ("stuck", "")]


def test_a_failure_met_at_first_sight_of_a_new_conversation_is_alerted_with_its_code(
    clock: ManualClock,
) -> None:
    """Created after ohtop started and already ERROR when first listed: news. The alert waits
    for the error's code (read from the history just after), then carries it."""
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(store, wall=clock)
    clock.advance(30)
    created = datetime.fromtimestamp(clock.now - 10, UTC)
    store.upsert(_view("ERROR", "error", created_at=created))
    assert not watcher.alerts  # waiting for its details
    store.set_details(("s", "c1"), last_error=ErrorInfo("LLMAuthenticationError", "bad key"))
    assert [(a.what, a.code) for a in watcher.alerts] == [("error", "LLMAuthenticationError")]
    assert "bad key" in watcher.alerts[0].detail


def test_an_error_alert_without_details_is_raised_after_a_short_wait(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(store, wall=clock)
    store.upsert(_view("RUNNING", "running"))
    store.upsert(_view("ERROR", "error"))
    watcher.tick()
    assert not watcher.alerts
    clock.advance(6)
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["error"]


def test_a_silent_running_conversation_is_alerted_once(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(store, Thresholds(silent_minutes=10), wall=clock)
    old = datetime.fromtimestamp(clock.now - 60, UTC)
    store.upsert(_view("RUNNING", "running", updated_at=old))
    clock.advance(9 * 60)
    watcher.tick()
    assert not watcher.alerts
    clock.advance(2 * 60)
    watcher.tick()
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["silent"]


def test_a_conversation_seen_going_back_to_running_is_not_silent_at_once(
    clock: ManualClock,
) -> None:
    """Its server's last update may be hours old, but ohtop saw it start running just now:
    that is a sign of life, and silence counts from it."""
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(store, Thresholds(silent_minutes=10), wall=clock)
    old = datetime.fromtimestamp(clock.now - 3 * 3600, UTC)
    store.upsert(_view("STOPPED", "finished", updated_at=old))
    clock.advance(60)
    store.upsert(_view("RUNNING", "running", updated_at=old))
    watcher.tick()
    assert not watcher.alerts
    clock.advance(11 * 60)
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["silent"]


def test_silence_is_counted_from_the_last_event_heard(clock: ManualClock) -> None:
    """A conversation looked at before it could be silent is looked at again when it could
    be: an event heard in between moves that moment on, so no alert comes early or late."""
    heard: dict[object, float] = {}
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(
        store, Thresholds(silent_minutes=10), wall=clock, last_heard=lambda k: heard.get(k)
    )
    view = _view("RUNNING", "running", updated_at=datetime.fromtimestamp(clock.now, UTC))
    store.upsert(view)
    watcher.tick()  # first look: 0 min silent
    clock.advance(8 * 60)
    heard[view.key] = clock.now  # an event at minute 8
    for _ in range(10):  # minutes 9 to 18
        clock.advance(60)
        watcher.tick()
        assert not watcher.alerts, f"alerted {clock.now - heard[view.key]:.0f} s after an event"
    clock.advance(60)  # minute 19: more than ten minutes since the event
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["silent"]


def test_starting_too_long_is_alerted_once_per_spell(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(store, Thresholds(starting_minutes=5), wall=clock)
    store.upsert(_view("STARTING", None))
    clock.advance(4 * 60)
    watcher.tick()
    assert not watcher.alerts
    clock.advance(2 * 60)
    watcher.tick()
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["starting too long"]


def test_a_tick_looks_at_a_bounded_number_of_spells_and_the_rest_on_the_next(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a first listing every spell is due at once; each tick takes only so many (one
    call must not hold the screen: the fleet yields between calls), and none is lost."""
    monkeypatch.setattr(alerts_module, "SPELLS_PER_TICK", 3)
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(store, Thresholds(starting_minutes=5), wall=clock)
    for n in range(8):
        store.upsert(_base(f"c{n}", "STARTING", None, server="s", status_since=None))
    clock.advance(6 * 60)
    seen = []
    for _ in range(4):
        watcher.tick()
        seen.append(len(watcher.alerts))
    assert seen == [3, 6, 8, 8]
    assert {a.key for a in watcher.alerts} == {("s", f"c{n}") for n in range(8)}


def test_triage_warnings() -> None:
    t = Thresholds(starting_minutes=5, silent_minutes=10)
    old = datetime.fromtimestamp(WALL - 20 * 60, UTC)
    silent = _view("RUNNING", "running", updated_at=old, status_since=WALL - 20 * 60)
    assert any("nothing heard for 20 min" in w for w in warnings_for(silent, WALL, None, t))
    assert warnings_for(silent, WALL, WALL - 60, t) == []  # an event a minute ago
    starting = _view("STARTING", None, status_since=WALL - 7 * 60)
    assert warnings_for(starting, WALL, None, t) == ["STARTING for 7 min (more than 5)"]


async def test_an_error_raises_a_toast_and_is_listed_under_alerts(demo: DemoServer) -> None:
    conv = frozen(demo, "running")
    app = demo_app(demo)
    app.ring_bell = True
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
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


async def test_detail_shows_the_web_page_and_c_copies_it(
    demo: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.ui.clipboard.TOOLS", ())
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        running = next(v for v in app.stores.status if v.conversation_url)
        table.select_key(running.key)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        url_text = str(app.screen.query_one("#detail-url").render())
        page = f"{demo.url}/conversations/{running.id}"  # the web UI's page, not the API
        assert running.web_url == page and page in url_text
        assert running.conversation_url is not None and running.conversation_url in url_text
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == page  # via OSC 52: no clipboard tool here
        assert any(n.message == "Link copied (OSC 52)." for n in app._notifications)
        opened: list[str] = []
        monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
        await pilot.press("o")
        assert opened == [page]


def test_alert_records_are_plain_data() -> None:
    a = Alert(("s", "c"), "[bold]x[/bold]", "error", 0.0, "d")
    from tui.ui.screens.alerts import alert_line

    assert "[bold]x[/bold]" in alert_line(a).plain  # markup in a title stays text


async def test_a_burst_of_alerts_is_one_toast() -> None:
    stores = Stores()
    app = OhtopApp(Settings(max_streams=-1), stores=stores)
    async with app.run_test(size=(120, 30)) as pilot:
        for i in range(50):
            key = f"{i:032x}"
            stores.status.upsert(_base(key, server="s", title=f"c{i}"))
            stores.status.upsert(_base(key, "ERROR", "error", server="s", title=f"c{i}"))
            error = ErrorInfo("LLMServiceUnavailableError" if i % 2 else "AgentStuck", "down")
            stores.status.set_details(("s", key), last_error=error)
        app.flush_alerts()  # what the alert window's timer does when it fires
        await pilot.pause()  # the toast is a message to the app
        messages = [n.message for n in app._notifications]
    assert len(app.alerts.alerts) == 50
    assert messages == [
        "50 alerts: 50 error.\nAgentStuck x25; LLMServiceUnavailableError x25\n"
        "Press ! to list them."
    ]


def test_a_new_running_spell_after_an_error_can_be_alerted_silent_again(
    clock: ManualClock,
) -> None:
    """Silence is a RUNNING conversation's: a spell in ERROR (its agent's status still saying
    running) is never silent, and the running spell after it is a new one."""
    store = StatusStore(wall=clock)
    watcher = AlertWatcher(store, Thresholds(silent_minutes=10), wall=clock)
    store.upsert(_view("RUNNING", "running"))
    clock.advance(11 * 60)
    watcher.tick()
    store.upsert(_view("ERROR", "running", last_error=ErrorInfo("E", "sandbox lost")))
    clock.advance(30 * 60)
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["silent", "error"]
    store.upsert(_view("RUNNING", "running"))
    clock.advance(9 * 60)
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["silent", "error"]
    clock.advance(2 * 60)
    watcher.tick()
    assert [a.what for a in watcher.alerts] == ["silent", "error", "silent"]
