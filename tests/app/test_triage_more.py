"""Triage that finishes the job, driven as a user would: the needs-attention queue, errors
grouped across the fleet, alert hooks, fleet cost, a report from the detail screen, and a
timeline that says when a server offers no history."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from tests.helpers import FAST, demo_app, loaded, serve, table_of, view, wait_for
from tui.alerts.attention import MAX_ITERATIONS, error_groups, queue
from tui.alerts.watcher import Thresholds
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.settings import Settings
from tui.store.stores import Stores
from tui.store.view import ErrorInfo
from tui.store.websocket_store import LinkState
from tui.ui.app import OhtopApp
from tui.ui.screens.detail import NO_HISTORY, DetailScreen
from tui.ui.screens.error_groups import ErrorGroupsScreen
from tui.ui.screens.queue import QueueScreen
from tui.ui.widgets.status_indicator import StatusIndicator
from tui.ui.widgets.table_header import TableHeader

NOW = 1_800_000_000.0


def _stores() -> Stores:
    stores = Stores()
    status = stores.status
    long_ago = datetime.fromtimestamp(NOW - 3 * 3600, UTC)
    rows = [
        view("01" * 16, "ERROR", "error", server="prod", title="budget", repository="acme/api"),
        view("02" * 16, "ERROR", "error", server="prod", title="max", repository="acme/web"),
        view("03" * 16, "ERROR", "stuck", server="dev", title="loop"),
        view("04" * 16, execution="waiting_for_confirmation", server="prod", title="ask"),
        view("05" * 16, execution="running", server="prod", title="silent", updated_at=long_ago),
        view("06" * 16, "STARTING", None, server="dev", title="slow start"),
        view("07" * 16, execution="finished", server="prod", title="fine", cost=2.5),
        view("08" * 16, "ERROR", "error", server="dev", title="budget too", repository="acme/api"),
    ]
    for i, v in enumerate(rows):
        status.restore(replace(v, status_since=NOW - 600 - i * 60, since_exact=True))
    budget = ErrorInfo("BudgetExceededError", "over budget", kind="quota", retryable=False)
    status.set_details(("prod", "01" * 16), last_error=budget)
    status.set_details(("dev", "08" * 16), last_error=budget)
    status.set_details(("prod", "02" * 16), last_error=ErrorInfo(MAX_ITERATIONS, "50 steps"))
    return stores


def test_the_queue_lists_every_reason_the_longest_waiting_first() -> None:
    needs = queue(_stores().status, NOW, Thresholds(), lambda _key: None, lambda key: [])
    by_title = {n.title: n.reason for n in needs}
    assert by_title == {
        "budget": "ERROR BudgetExceededError",
        "max": "max iterations reached",
        "loop": "stuck",
        "ask": "waiting for confirmation",
        "silent": "RUNNING but silent",
        "slow start": "STARTING too long",
        "budget too": "ERROR BudgetExceededError",
    }
    waits = [n.waiting for n in needs]
    assert waits == sorted(waits, reverse=True)
    refused = queue(
        _stores().status, NOW, Thresholds(), lambda _k: None,
        lambda key: ["run_refused"] if key[1] == "07" * 16 else [],
    )  # fmt: skip
    assert any(n.title == "fine" and "capacity" in n.reason for n in refused)


def test_errors_are_grouped_by_code_and_classification_with_servers_and_repositories() -> None:
    groups = error_groups(_stores().status, NOW - 3600)
    top = groups[0]
    assert (top.code, top.kind, top.retryable, len(top.keys)) == (
        "BudgetExceededError", "quota", False, 2
    )  # fmt: skip
    assert dict(top.servers) == {"prod": 1, "dev": 1} and top.repositories["acme/api"] == 2
    assert {g.code for g in groups} == {
        "BudgetExceededError",
        MAX_ITERATIONS,
        "stuck (no error code)",
    }


async def test_the_queue_and_the_error_groups_open_with_one_key(demo: DemoServer) -> None:
    # The world holds still: a group read here must be the group the key opens (a new error
    # arriving between the two reordered the groups under the cursor).
    demo.world.spawn_every = 1e9
    for c in demo.world.conversations.values():
        c.script.steps.clear()
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        await wait_for(lambda: any(v.last_error for v in app.stores.status))
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        errors = [v for v in app.stores.status if v.status == "ERROR" and not v.gone]
        failed = [n for n in app.screen.needs if "ERROR" in n.reason or "stuck" in n.reason]
        assert len(failed) == len(errors)  # every ERROR conversation is in the queue
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape", "number_sign")
        await pilot.pause()
        assert isinstance(app.screen, ErrorGroupsScreen)
        assert app.screen.groups  # the demo world starts with failures
        group = app.screen.groups[0]
        await pilot.press("enter")
        await pilot.pause()
        table = table_of(app)
        assert table.list_query.text == group.find
        assert set(group.keys) <= set(table.rows)


async def test_a_conversation_its_agent_server_lost_is_queued_while_its_app_server_lists_it(
    demo: DemoServer,
) -> None:
    """The app server lists it RUNNING; its sandbox's agent server closes its socket 4004."""
    conv = next(
        c for c in demo.world.visible() if c.sandbox == "RUNNING" and c.execution == "running"
    )
    conv.script.steps.clear()
    demo.world.lost_by_agent.add(conv.hex)
    key = ("demo", conv.hex)
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        link = f"stream demo/{conv.hex}"
        await wait_for(lambda: app.stores.links.get(link).state is LinkState.FAILED)
        listed = demo.world.get(conv.hex)
        assert listed is not None and listed.sandbox == "RUNNING"  # the app server's truth
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        reasons = {n.key: n.reason for n in app.screen.needs}
        assert "gone from its agent server" in reasons.get(key, ""), reasons.get(key)
        others = [k for k, r in reasons.items() if "gone from its agent server" in r and k != key]
        assert others == []


async def test_an_alert_hook_gets_the_alert_as_json_and_a_bad_one_is_reported(
    demo: DemoServer, tmp_path: Path
) -> None:
    out = tmp_path / "alerts.jsonl"
    hook = [
        sys.executable,
        "-c",
        f"import sys; open({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')",
    ]
    conv = next(c for c in demo.world.visible() if c.execution == "running")
    conv.script.steps.clear()
    settings = Settings(
        servers=(ServerConfig(demo.url, name="demo"),),
        intervals=FAST,
        max_streams=-1,
        alert_command=tuple(hook),
        thresholds=Thresholds(kinds=frozenset({"error", "stuck", "finished"})),
    )
    app = OhtopApp(settings)
    async with app.run_test(size=(120, 30)):
        await loaded(app, demo)
        demo.world.push_state(conv, "finished")  # configurable: finished alerts too
        await wait_for(lambda: out.exists() and conv.hex in out.read_text())
        record = json.loads(out.read_text().splitlines()[-1])
        assert record["what"] == "finished" and record["server"] == "demo"
    broken = Settings(
        servers=(ServerConfig(demo.url, name="demo"),),
        intervals=FAST,
        max_streams=-1,
        alert_command=(sys.executable, "-c", "import sys; sys.exit(3)"),
        thresholds=Thresholds(kinds=frozenset({"stuck"})),
    )
    app = OhtopApp(broken)
    other = next(c for c in demo.world.visible() if c.execution == "running" and c is not conv)
    other.script.steps.clear()
    async with app.run_test(size=(120, 30)):
        await loaded(app, demo)
        demo.world.push_state(other, "stuck")
        await wait_for(lambda: any("exited 3" in r.message for r in app.stores.errors.recent()))


async def test_fleet_cost_shows_per_server_and_overall_and_sorts(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(200, 45)) as pilot:
        await loaded(app, demo)
        await wait_for(lambda: sum(app.stores.status.cost.values()) > 0)
        total = sum(v.cost or 0 for v in app.stores.status)
        assert abs(sum(app.stores.status.cost.values()) - total) < 1e-6
        await pilot.press("dollar_sign")
        await pilot.pause()
        table = table_of(app)

        def costs() -> list[float]:
            return [(app.stores.status.get(k).cost or 0) for k in table.rows]  # type: ignore[union-attr]

        # The demo's costs keep moving; the table re-sorts at its next redraw, not at once.
        await wait_for(lambda: costs() == sorted(costs(), reverse=True))
        assert "COST" in app.screen.query_one(TableHeader).render().plain
        assert "$" in app.screen.query_one(StatusIndicator).render().plain


async def test_r_in_the_detail_writes_the_report_and_says_where(
    demo: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        errored = next(v for v in app.stores.status if v.execution_status == "error")
        table_of(app).select_key(errored.key)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("R")
        await wait_for(lambda: any("Report written to" in n.message for n in app._notifications))
    reports = list((tmp_path / "ohtop" / "reports").glob("*.md"))
    assert len(reports) == 1
    text = reports[0].read_text()
    assert "## Timeline" in text and errored.id in text


async def test_the_timeline_says_when_a_server_offers_no_history() -> None:
    item = {"id": "ab" * 16, "sandbox_status": "RUNNING", "execution_status": "error"}

    async def handler(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.endswith("/count"):
            return web.json_response(1)
        if path.endswith("/app-conversations/search"):
            return web.json_response({"items": [item], "next_page_id": None})
        if path.endswith("/app-conversations"):
            return web.json_response([item])
        return web.json_response({"detail": "Not Found"}, status=404)  # no events/search

    app_ = web.Application()
    app_.router.add_route("*", "/{tail:.*}", handler)
    async with serve(app_) as url:
        app = OhtopApp(
            Settings(servers=(ServerConfig(url, name="s"),), intervals=FAST, max_streams=-1)
        )
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_for(lambda: len(table_of(app).rows) == 1)
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DetailScreen)
            await wait_for(lambda: screen.history_asked)
            await pilot.pause()
            assert NO_HISTORY in str(screen.query_one("#detail-timeline").render())
