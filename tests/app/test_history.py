"""The local history: a restart brings back the list (stale until confirmed), the timeline and
the alerts; `ohtop history` prints them; a kill -9 mid-write leaves a store that opens; two
writers share it; a corrupt, locked or unwritable store is said once and ohtop goes on."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import FAST, view, wait_for
from tui.alerts.watcher import AlertWatcher
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.fleet.recorder import Recorder
from tui.headless.history import history_command
from tui.history.store import HistoryStore, HistoryUnavailable, StoredAlert
from tui.settings import Settings
from tui.store.status_store import Transition
from tui.store.stores import Stores
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable

ROOT = Path(__file__).resolve().parents[2]


def _settings(url: str, path: Path) -> Settings:
    return Settings(
        servers=(ServerConfig(url, name="demo"),), intervals=FAST, max_streams=3, history=path
    )


async def test_a_restart_brings_back_the_list_stale_the_timeline_and_the_alerts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    world = DemoWorld(n=20, seed=8, spawn_every=1e9)
    server = DemoServer(world)
    await server.start()
    try:
        first = OhtopApp(_settings(server.url, path))
        running = next(c for c in world.visible() if c.execution == "running")
        running.script.steps.clear()
        key = ("demo", running.hex)
        async with first.run_test(size=(160, 45)):
            await wait_for(lambda: len(first.stores.status) == len(world.visible()))
            world.push_state(running, "stuck")  # a change this run saw happen
            await wait_for(lambda: any(a.key == key for a in first.alerts.alerts))
            first.fleet.alerts.acknowledge(key)
            history = first.fleet.history
            assert history is not None
            first.fleet.recorder.tick()  # this second's views go to the writer
            assert history.flush()  # and are on disk
        known = len(world.visible())
        # The second run, with the server unreachable at first: what is on screen is stale.
        await server.stop()
        second = OhtopApp(_settings(server.url, path))
        async with second.run_test(size=(160, 45)) as pilot:
            table = second.screen.query_one(ConversationTable)
            await wait_for(lambda: len(table.rows) == known)
            assert second.stores.status.stale == known  # nothing stale shown as fresh
            line = table.render_line(0).text
            assert line.lstrip().startswith("~")
            timeline = second.stores.status.timeline(key)
            assert [t.new_execution for t in timeline][-2:] == ["running", "stuck"]
            kept = [a for a in second.alerts.alerts if a.key == key]
            assert kept and all(a.acked for a in kept)
            await pilot.pause()
            # The server comes back: the first listing confirms the views.
            server = DemoServer(world, port=server.port)
            await server.start()
            await wait_for(lambda: second.stores.status.stale == 0, timeout=20)
            assert not second.stores.status.get(key).stale  # type: ignore[union-attr]
    finally:
        await server.stop()
    out = io.StringIO()
    args = argparse.Namespace(
        conversation=running.hex[:12], since="1h", json=True, config=_config(tmp_path, path)
    )
    assert history_command(args, out) == 0
    record = json.loads(out.getvalue())
    assert [t["to_execution"] for t in record["transitions"]][-1] == "stuck"
    assert record["alerts"][0]["what"] == "stuck" and record["alerts"][0]["acknowledged_at"]


def _config(tmp_path: Path, history: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[history]\npath = "{history}"\n')
    config.chmod(0o600)
    return config


WRITER = """
import sys, time
from tui.history.store import HistoryStore
from tui.store.status_store import Transition
store = HistoryStore(__import__("pathlib").Path(sys.argv[1]))
store.start()
print("ready", flush=True)
i = 0
while True:
    store.transition(Transition(("s", f"{i % 500:032x}"), "RUNNING", "ERROR", "running",
                                "error", float(1_700_000_000 + i), "poll"))
    i += 1
    if i % 200 == 0:
        time.sleep(0.001)
"""


def test_a_kill_9_during_heavy_writes_leaves_a_store_that_opens(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, env=env
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == b"ready"
    committed = HistoryStore(path, readonly=True)
    deadline = time.monotonic() + 30
    while len(committed.transitions()) <= 1000:  # several commits happened: kill it now
        assert time.monotonic() < deadline, "the writer committed nothing"
        time.sleep(0.05)
    committed.close()
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    store = HistoryStore(path)  # opens (and passes its integrity check)
    kept = store.transitions()
    store.close()
    assert len(kept) > 1000  # committed batches survived the kill


def test_two_writers_share_one_store(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    a, b = HistoryStore(path), HistoryStore(path)
    a.start()
    b.start()
    for i in range(300):
        for store, server in ((a, "a"), (b, "b")):
            t = Transition((server, f"{i:032x}"), None, "RUNNING", None, "running", i, "x")
            store.transition(t)
    a.close()
    b.close()
    check = HistoryStore(path)
    servers = {t.key[0] for t in check.transitions()}
    assert len(check.transitions()) == 600 and servers == {"a", "b"}
    check.close()


def test_a_corrupt_store_is_moved_aside_and_said_once(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database, it was damaged" * 100)
    with pytest.raises(HistoryUnavailable) as info:
        HistoryStore(path)
    assert "corrupt" in str(info.value) and "moved aside" in str(info.value)
    aside = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert aside and aside[0].read_bytes().startswith(b"this is not")  # kept, not deleted
    HistoryStore(path).close()  # a fresh one opens in its place


async def test_an_unusable_store_is_one_message_and_the_dashboard_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state directory should be")
    stores = Stores()
    stores.status.upsert(view("ab" * 16))
    app = OhtopApp(Settings(max_streams=-1, history=blocker / "history.sqlite3"), stores=stores)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.fleet.history is None and app.fleet.history_problem
        messages = [n.message for n in app._notifications]
        assert sum("history store" in m for m in messages) == 1
        assert len(app.screen.query_one(ConversationTable).rows) == 1


def test_a_locked_store_is_said_and_not_waited_on_forever(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = HistoryStore(path)
        store._db.execute("PRAGMA busy_timeout=100")
        store.start()
        store.transition(Transition(("s", "c"), None, "RUNNING", None, None, 1.0, "x"))
        deadline = time.monotonic() + 10
        while store.failed is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.failed is not None and "locked" in store.failed
        store.close()
    except HistoryUnavailable as exc:  # locked already when opening: said, too
        assert "locked" in str(exc)
    finally:
        holder.rollback()
        holder.close()


def test_retention_forgets_what_is_older_than_the_days_kept(tmp_path: Path) -> None:
    now = 1_800_000_000.0
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path, days=1, wall=lambda: now)
    store.start()
    for age in (3 * 86400, 2 * 3600):
        store.transition(Transition(("s", "c"), None, "RUNNING", None, None, now - age, "x"))
        store.alert(StoredAlert(("s", "c"), now - age, "error", "t", "d", "E"))
    store.close()
    again = HistoryStore(path, days=1, wall=lambda: now)
    again.start()  # prunes
    again.close()
    kept = HistoryStore(path, days=1, wall=lambda: now)
    assert [t.at for t in kept.transitions()] == [now - 2 * 3600]
    assert len(kept.alerts()) == 1
    kept.close()


def test_the_trends_fill_from_the_store_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    now = time.time()
    store = HistoryStore(path)
    store.start()
    for minutes_ago in range(30):
        store.sample_counts(now - minutes_ago * 60, {("demo", "ERROR"): minutes_ago % 5})
    store.close()
    stores = Stores()
    recorder = Recorder(stores, AlertWatcher(stores.status), Counter, HistoryStore(path))
    recorder.restore(["demo"])
    series = recorder.trends.count_series("ERROR", now)
    # The half hour before the first sample is unknown: not drawn (as zeros or otherwise).
    assert len(series) == 30 and sum(series) == sum(m % 5 for m in range(30))
