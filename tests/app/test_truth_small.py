"""The smaller untruths of issue 23, each as a person met it: maintenance pages, trends and
their labels, pipes, ids, config checks, the detail's scrolling and events, the status table,
watch's retries, reports, V0 task plans, restored deleted rows, narrow dialogs, bidi text,
silent rows and short prefixes."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiohttp import web

from tests.helpers import FAST, FaultServer, screen_text, serve, view, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.fleet.fleet import Fleet, FleetOptions
from tui.fleet.lookup import lookup
from tui.fleet.report import _markdown
from tui.headless.serialize import view_to_dict
from tui.headless.status import status_command
from tui.headless.wait import wait_command
from tui.headless.watch import watch_command
from tui.history.store import HistoryStore
from tui.protocol.v0_events import parse_v0_event
from tui.settings import Settings
from tui.store.status_store import Transition
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.monitor import ServerMonitor
from tui.text.events import describe
from tui.text.sanitize import safe_json
from tui.ui.app import OhtopApp
from tui.ui.screens.detail import DetailScreen
from tui.ui.screens.error_groups import ErrorGroupsScreen
from tui.ui.screens.queue import QueueScreen
from tui.ui.widgets.conversation_table import ConversationTable

ROOT = Path(__file__).resolve().parents[2]


class Maintenance(FaultServer):
    """A V1 app server whose every path can turn into an ingress's maintenance page."""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.mode == "maint":
            return web.Response(text="<html>down for maintenance</html>", content_type="text/html")
        return await super().handle(request)


async def test_detection_during_a_maintenance_page_keeps_a_known_server_retrying() -> None:
    fault = Maintenance()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fault.handle)
    async with serve(app) as url:
        stores = Stores()
        known = ServerMonitor(ServerConfig(url, name="s"), stores, FAST, known=True)
        fault.mode = "maint"  # a reload (ctrl+r) or `r` after a failure detects again: now
        task = asyncio.ensure_future(known.run())
        try:

            def state() -> LinkState:
                return stores.links.get("server s").state

            await wait_for(lambda: state() is LinkState.RECONNECTING)
            assert state() is not LinkState.FAILED
            fault.mode = "ok"  # maintenance is over: back without anyone pressing a key
            await wait_for(lambda: state() is LinkState.CONNECTED, timeout=15)
        finally:
            task.cancel()


async def test_trends_start_from_what_is_known_and_the_failures_match_the_groups(
    demo: DemoServer,
) -> None:
    app = OhtopApp(Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST))
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(ConversationTable)
        await wait_for(lambda: len(table.rows) >= len(demo.world.visible()))
        panel = app.screen.query_one("#trends")
        panel.refresh_trends()  # type: ignore[attr-defined]
        await pilot.pause()
        counts = app.stores.status.counts()
        text = "\n".join(screen_text(app))
        assert re.search(rf"RUNNING\s+{counts['RUNNING']}\b", text), text  # not 0 before a minute
        failed = re.search(r"failed 1h\s+(\d+)", text)
        assert failed is not None
        await pilot.press("number_sign")
        await wait_for(lambda: isinstance(app.screen, ErrorGroupsScreen))
        await pilot.pause()
        title = next(line for line in screen_text(app) if "Failed in the last hour" in line)
        assert f"Failed in the last hour: {failed.group(1)} " in title, (failed.group(1), title)


def test_history_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    store.start()
    now = time.time()
    for i in range(3000):
        t = Transition(("s", f"{i:032x}"), None, "RUNNING", None, "running", now - i, "x")
        store.transition(t)
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[history]\npath = "{path}"\n')
    env = {**os.environ, "OHTOP_CONFIG": str(config)}
    cmd = f"{sys.executable} -m tui history --since 1d | head -2"
    done = subprocess.run(cmd, shell=True, capture_output=True, text=True, env=env, cwd=ROOT)
    assert len(done.stdout.splitlines()) == 2
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_a_full_id_on_several_servers_can_be_picked_by_server() -> None:
    stores = Stores()
    cid = "ab" * 16
    for server in ("a", "b", "c"):
        stores.status.upsert(view(cid, server=server))
    key, why = lookup(stores, cid)
    assert key is None and "SERVER/ID" in why and "a/" + cid in why
    assert lookup(stores, f"b/{cid}")[0] == ("b", cid)
    assert lookup(stores, f"c/{cid[:10]}")[0] == ("c", cid)
    key, why = lookup(stores, "abab")
    assert key is None and "at least 8 characters" in why


def test_config_check_reports_every_stage_at_once(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'theme = "nope"\n'
        "[polling]\nruning = 3\n"
        '[[servers]]\nname = "prod"\nurl = "https://x.example"\n'
        'api_key_env = "OHTOP_TEST_SURELY_UNSET"\n'
        '[keys]\nno_such_action = "z"\n'
    )
    os.chmod(config, 0o600)
    done = subprocess.run(
        [sys.executable, "-m", "tui", "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    out = done.stdout
    assert done.returncode == 1
    for said in ("theme", "polling.runing", "OHTOP_TEST_SURELY_UNSET", "keys.no_such_action"):
        assert said in out, (said, out)


async def test_page_down_reaches_the_end_of_the_detail_and_the_hint_goes(
    demo: DemoServer,
) -> None:
    app = OhtopApp(Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(ConversationTable)
        await wait_for(lambda: table.cursor_key is not None)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, DetailScreen))
        await pilot.pause()
        for _ in range(12):
            await pilot.press("pagedown")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.scroller.scroll_y == screen.scroller.max_scroll_y
        await wait_for(lambda: not any("more lines below" in x for x in screen_text(app)))


async def test_the_detail_lists_the_servers_events_when_none_were_streamed(
    demo: DemoServer,
) -> None:
    settings = Settings(
        servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST, max_streams=-1
    )
    app = OhtopApp(settings)
    busy = max(demo.world.visible(), key=lambda c: len(c.events))
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(ConversationTable)
        key = ("demo", busy.id.hex)
        await wait_for(lambda: key in table.rows)
        table.select_key(key)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, DetailScreen))
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        await wait_for(lambda: screen.history_asked, timeout=10)
        await pilot.pause()
        assert screen.server_events, "the demo server keeps every conversation's events"
        text = "\n".join(screen_text(app))
        assert "No events yet" not in text
        tail = screen.query_one("#detail-events")
        assert tail.shown == min(len(screen.server_events), 50)  # type: ignore[attr-defined]


async def test_the_status_table_is_sorted_totalled_and_says_what_json_says(
    demo: DemoServer,
) -> None:
    settings = Settings(servers=(ServerConfig(demo.url, name="demo"),))
    table, data = io.StringIO(), io.StringIO()
    assert await status_command(settings, False, table) == 0
    assert await status_command(settings, True, data) == 0
    rows = json.loads(data.getvalue())
    lines = table.getvalue().splitlines()
    body = lines[1:-1]
    words = [line.split()[0] for line in body]
    rank = ["ERROR", "STARTING", "RUNNING", "STOPPED", "ARCHIVED"]
    assert words == sorted(words, key=rank.index), words  # errors first, as the dashboard
    assert Counter(words) == Counter(r["status"] for r in rows)  # never IDLE for RUNNING
    total = lines[-1]
    for status, n in Counter(words).items():
        assert f"{status} {n}" in total, total


async def test_the_status_table_prints_nothing_but_why_when_no_server_answers() -> None:
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(servers=(ServerConfig("http://127.0.0.1:9", name="gone"),))
    assert await status_command(settings, False, out, err) == 2
    assert out.getvalue() == "" and "gone" in err.getvalue()


async def test_watch_says_a_down_server_once_not_on_every_retry() -> None:
    out = io.StringIO()
    settings = Settings(servers=(ServerConfig("http://127.0.0.1:9", name="down"),), intervals=FAST)
    task = asyncio.ensure_future(watch_command(settings, out))
    try:
        await wait_for(lambda: out.getvalue().count("\n") >= 1, timeout=10)
        await asyncio.sleep(4)  # several retries (backoff from 1 s)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["link"] for r in records] == ["RECONNECTING"], records


def test_the_markdown_report_says_there_is_no_repository() -> None:
    data = {
        "conversation": {"id": "ab" * 16, "title": "t", "repository": None, "branch": None},
        "server": {"name": "s", "kind": "agent server"},
        "status": {
            "shown": "RUNNING",
            "execution_status": "running",
            "sandbox_status": None,
            "runtime_status": None,
            "since": None,
            "since_exact": True,
        },
        "cost_usd": None,
        "tokens": None,
        "links": {"web": None, "api": None},
        "last_error": None,
        "timeline": {"from_server_history": True, "entries": []},
        "tasks": [],
        "events": [],
        "generated_at": "now",
    }
    text = _markdown(data)
    line = next(x for x in text.splitlines() if x.startswith("- **Repository**"))
    assert "`-`" not in line and "none" in line
    assert "tokens unknown" in text


def test_a_v0_task_tracking_observation_reads_as_its_plan() -> None:
    event = parse_v0_event(
        {
            "id": 7,
            "timestamp": "2026-01-01T00:00:00",
            "source": "agent",
            "observation": "task_tracking",
            "message": "",
            "extras": {
                "task_list": [
                    {"title": "a", "status": "done", "notes": ""},
                    {"title": "b", "status": "todo", "notes": ""},
                ]
            },
        }
    )
    _category, text = describe(event)
    assert "plan: 2 tasks, 1 done" in text and "TaskTrackerObservation" not in text


async def test_a_restored_row_deleted_meanwhile_leaves_instead_of_staying_stale(
    tmp_path: Path,
) -> None:
    world = DemoWorld(n=6, seed=8, spawn_every=1e9, max_visible=None)
    server = DemoServer(world)
    await server.start()
    history = tmp_path / "history.sqlite3"
    try:
        options = FleetOptions(FAST, max_streams=-1, history=history)
        fleet = Fleet([ServerConfig(server.url, name="demo")], options)
        await fleet.start()
        await wait_for(lambda: len(fleet.stores.status) == len(world.visible()))
        await wait_for(lambda: fleet.history is not None and fleet.history.written >= 6)
        await fleet.stop()
        doomed = world.visible()[0]
        doomed.deleted = True  # deleted while ohtop was not running
        fleet = Fleet([ServerConfig(server.url, name="demo")], options)
        await fleet.start()
        try:
            key = ("demo", doomed.id.hex)
            await wait_for(lambda: (v := fleet.stores.status.get(key)) is not None and v.deleted)
            assert not fleet.stores.status.get(key).stale  # type: ignore[union-attr]
            assert fleet.stores.status.unconfirmed_rows() == 0
        finally:
            await fleet.stop()
    finally:
        await server.stop()


@pytest.mark.parametrize("key", ["A", "number_sign"])
async def test_dialog_lines_never_wrap_at_80_columns(demo: DemoServer, key: str) -> None:
    app = OhtopApp(Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(ConversationTable)
        await wait_for(lambda: len(table.rows) >= 10)
        await pilot.press(key)
        await wait_for(lambda: isinstance(app.screen, (QueueScreen, ErrorGroupsScreen)))
        await pilot.pause()
        options = app.screen.query_one("OptionList")
        count = options.option_count  # type: ignore[attr-defined]
        lines = options._lines  # type: ignore[attr-defined]  # one per option when none wraps
        assert len(lines) == count, (len(lines), count)


def test_json_outputs_carry_bidi_characters_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    stores = Stores()
    stores.status.upsert(view("ab" * 16, title="evil\u202etxt.exe"))
    text = safe_json([view_to_dict(v) for v in stores.status])
    assert "\u202e" not in text and "\\u202e" in text
    assert json.loads(text)[0]["title"] == "evil\u202etxt.exe"  # exact for programs


def test_a_silent_running_conversation_is_marked_in_the_list() -> None:
    table = ConversationTable(Stores().status)
    table.silence = lambda v, now: 900.0 if v.id == "quiet" else None
    silent = view("quiet", "RUNNING", "running")
    busy = view("busy", "RUNNING", "running")
    assert table._silent(silent, time.time()) == "silent 15m"
    assert table._silent(busy, time.time()) == ""


async def test_wait_with_a_short_prefix_names_the_minimum(demo: DemoServer) -> None:
    err = io.StringIO()
    settings = Settings(servers=(ServerConfig(demo.url, name="demo"),))
    assert await wait_command(settings, "abc", 1.0, io.StringIO(), err) == 2
    assert "at least 8 characters" in err.getvalue()
