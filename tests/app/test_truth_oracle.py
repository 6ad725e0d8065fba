"""The truth oracle over time: one scripted world (creations, deletions, failures, recoveries,
pauses, confirmations, cost growth, its server going down and back, ohtop itself restarting
with its history) runs for simulated hours; after every step every face is compared with the
world's own truth: the header, health line, rows and marks at 160x45 and 80x24, the open
`A`, `#` and `!` screens, `status --json`, `watch`'s transitions, the exporter's scrape and the
history store."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import os
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from textual.pilot import Pilot

from tests.helpers import FAST, FAST_DELTA, screen_text, wait_for
from tests.oracle import (
    ERROR_CODES,
    MAX_STEP,
    SILENT_MINUTES,
    STARTING_MINUTES,
    Truth,
    World,
)
from tui.alerts.watcher import ALERT_KINDS, Thresholds
from tui.client.config import ServerConfig
from tui.fleet.metrics import registry_for
from tui.headless.serialize import view_to_dict
from tui.headless.status import ordered, ordered_views, status_command
from tui.headless.watch import watch_command
from tui.history.store import HistoryStore
from tui.settings import Settings
from tui.store.status_store import StatusStore
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.polling import PollIntervals
from tui.text import clock
from tui.ui.app import OhtopApp
from tui.ui.screens.alerts import AlertsScreen
from tui.ui.screens.dashboard import DashboardScreen
from tui.ui.screens.error_groups import ErrorGroupsScreen
from tui.ui.screens.queue import QueueScreen
from tui.ui.widgets.health_bar import HealthBar

SIZES = ((160, 45), (80, 24))
THRESHOLDS = Thresholds(
    starting_minutes=STARTING_MINUTES,
    silent_minutes=SILENT_MINUTES,
    kinds=frozenset(ALERT_KINDS),
)
SHORT = {
    "ERR": "ERROR",
    "START": "STARTING",
    "RUN": "RUNNING",
    "STOP": "STOPPED",
    "ARCH": "ARCHIVED",
}
STEPS = 26
REASON_WORDS = {
    "error": "ERROR",
    "stuck": "stuck",
    "waiting": "waiting for confirmation",
    "silent": "silent",
    "starting": "STARTING too long",
}


class Oracle:
    """One run: the world, the app of the current ohtop session, and what was seen."""

    def __init__(self, world: World, history: Path, rng: random.Random) -> None:
        self.w = world
        self.history = history
        self.rng = rng
        self.down_truth: Truth | None = None  # what was true when the server went down
        self.log: list[str] = []  # what happened, in order
        self.intervals = FAST  # per-id polls; FAST_DELTA asks the server what changed
        self.said: list[tuple[float, list[dict[str, object]], str]] = []  # (when, status, where)

    def settings(self) -> Settings:
        return Settings(
            servers=(ServerConfig(self.w.server.url, name="demo"),),
            intervals=self.intervals,
            max_streams=5,
            thresholds=THRESHOLDS,
            history=self.history,
        )

    def app(self) -> OhtopApp:
        return OhtopApp(self.settings(), stores=Stores(status=StatusStore(wall=self.w.sim.wall)))

    # -- the run ---------------------------------------------------------------------------

    async def run(self, plan: list[str], watched: io.StringIO) -> None:
        """ohtop sessions one after another (each quits at a "restart"), checked throughout."""
        while plan:
            app = self.app()
            async with app.run_test(size=SIZES[0]) as pilot:
                assert isinstance(app.screen, DashboardScreen)
                await self.check(app, pilot, "start")
                restarted = await self.session(app, pilot, plan, watched)
            if restarted:
                _check_history(self.history, self.w.truth(), "after quitting")

    async def session(
        self, app: OhtopApp, pilot: Pilot[None], plan: list[str], watched: io.StringIO
    ) -> bool:
        """Steps until the plan says ohtop restarts (True) or ends (False)."""
        world = self.w
        while plan:
            what = plan.pop(0)
            self.log.append(what)
            if what == "restart":
                return True  # ohtop quits; a new one starts with the same history
            if what == "down":
                self.down_truth = await self.converged(app, pilot)
                await world.server.stop()
                world.up = False
                world.sim.advance(90)
                await wait_for(lambda: app.stores.status.unconfirmed_rows() > 0, 20)
            elif what == "up":
                await world.server.start()
                world.up = True
                self.down_truth = None
            else:
                self.log[-1] = await self.step(app)
            where = " -> ".join(self.log[-6:])
            await self.check(app, pilot, where)
            if world.up and len(self.log) % 4 == 0:
                await self.headless(watched, where)
        return False

    async def headless(self, watched: io.StringIO, where: str) -> None:
        """`status --json` says what the world holds; `watch` ends where the world is."""
        truth = self.w.truth()
        _check_status_json(await _status_json(self.w.server.url), truth, where)
        await wait_for(lambda: _watch_agrees(watched.getvalue(), truth), 20)

    # -- the script ------------------------------------------------------------------------

    async def step(self, app: OhtopApp) -> str:
        """Change the world in one of the ways servers change, and let time pass (once ohtop
        took the change in: in the world events arrive at once; here the clock jumps)."""
        w, rng = self.w, self.rng
        live = [c for c in w.live() if c.sandbox == "RUNNING"]
        ops = ["time", "fail", "stuck", "recover", "pause", "confirm", "spend", "create"]
        ops += ["delete", "idle", "start", "sandbox_pause", "started"]
        op = rng.choice(ops)
        c = rng.choice(live) if live else None
        if op == "fail" and c is not None:
            w.fail(c, rng.choice(ERROR_CODES))
        elif op == "stuck" and c is not None:
            w.set_state(c, "RUNNING", "stuck")
        elif op == "recover":
            failing = [x for x in w.live() if x.execution in ("error", "stuck")]
            if failing:
                w.set_state(rng.choice(failing), "RUNNING", "running")
        elif op == "pause" and c is not None:
            w.set_state(c, "RUNNING", "paused")
        elif op == "confirm" and c is not None:
            w.set_state(c, "RUNNING", "waiting_for_confirmation")
        elif op == "spend" and c is not None:
            w.spend(c, rng.randrange(2_000, 40_000))
        elif op == "create":
            w.create()
        elif op == "start":
            w.create("STARTING", None)  # its sandbox is starting: no agent server to ask yet
        elif op == "delete" and len(w.live()) > 6:
            w.delete(rng.choice(w.live()))
        elif op == "idle" and c is not None:
            w.set_state(c, "RUNNING", rng.choice(["finished", "idle", "running"]))
        elif op == "sandbox_pause" and c is not None:
            w.set_state(c, "PAUSED", None)
        elif op == "started":
            starting = [x for x in w.live() if x.sandbox == "STARTING"]
            if starting:
                w.set_state(rng.choice(starting), "RUNNING", "running")
        await wait_for(lambda: self.streamed(app), timeout=15)
        w.sim.advance(rng.uniform(20, MAX_STEP))  # simulated minutes pass
        return op

    def streamed(self, app: OhtopApp) -> bool:
        """Every connected stream has delivered its conversation's newest event."""
        for link in app.stores.links.links():
            if link.state is not LinkState.CONNECTED or not link.name.startswith("stream "):
                continue
            c = self.w.world.get(link.name.rsplit("/", 1)[-1])
            if c is None or not c.events:
                continue
            kept = {e.id for e in app.stores.events.events(("demo", c.hex))[-20:]}
            if c.events[-1]["id"] not in kept:
                return False
        return True

    # -- agreement -------------------------------------------------------------------------

    def agrees(self, app: OhtopApp, truth: Truth) -> bool:
        """The app's stores say what the world says (deleted ones marked so, then gone)."""
        status = app.stores.status
        for hexid, s in truth.status.items():
            v = status.get(("demo", hexid))
            if (
                v is None
                or v.deleted
                or (v.status, v.execution_status)
                != (
                    s,
                    truth.execution[hexid],
                )
            ):
                return False
            if abs((v.cost or 0.0) - truth.cost[hexid]) > 1e-6 or v.title != truth.titles[hexid]:
                return False
        for v in status:
            if v.id not in truth.status and not (v.deleted and v.id in truth.deleted):
                return False
        return True

    def disagreements(self, app: OhtopApp, truth: Truth) -> list[str]:
        out = []
        for hexid, s in truth.status.items():
            v = app.stores.status.get(("demo", hexid))
            seen = (v.status, v.execution_status, v.cost, v.deleted) if v else None
            if seen != (s, truth.execution[hexid], truth.cost[hexid] or (seen and seen[2]), False):
                out.append(f"{hexid[:8]} truth {s}/{truth.execution[hexid]}, ohtop {seen}")
        out += [f"{v.id[:8]} not in truth" for v in app.stores.status if v.id not in truth.status]
        return out

    async def converged(self, app: OhtopApp, pilot: Pilot[None]) -> Truth:
        truth = self.w.truth()
        if self.w.up:  # back: it answers again once its retry comes (a minute at most)
            link = app.stores.links
            await wait_for(lambda: link.get("server demo").state is LinkState.CONNECTED, 70)
            try:
                await wait_for(lambda: self.agrees(app, truth), timeout=20)
            except AssertionError as exc:
                said = f"{self.log[-6:]}: {self.disagreements(app, truth)}"
                raise AssertionError(said) from exc
        await wait_for(lambda: not app.repaint_pending)
        app._tick()  # the once-a-second redraw (clocks, panels) without waiting a second
        await pilot.pause()
        return truth

    def remember(self, app: OhtopApp, where: str) -> None:
        """What `status --json` says now, and when: `status --at` must say it again later."""
        app.fleet.recorder.tick()  # the views changed since the last second, written now
        said = [view_to_dict(v) for v in ordered(app.stores)]
        self.said.append((self.w.sim.wall(), said, where))
        assert app.fleet.history is not None and app.fleet.history.flush()

    # -- the faces -------------------------------------------------------------------------

    async def check(self, app: OhtopApp, pilot: Pilot[None], where: str) -> None:
        truth = await self.converged(app, pilot)
        self.remember(app, where)
        shown = self.down_truth if not self.w.up and self.down_truth is not None else truth
        for size in SIZES:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            app._tick()
            await pilot.pause()
            self.header(app, shown, size, where)
            self.health(app, where)
            self.rows(app, shown, truth, size, where)
        self.exporter(app, shown, where)
        if self.w.up:
            await self.queue(app, pilot, truth, where)
            await self.groups(app, pilot, truth, where)
            await self.alerts(app, pilot, where)

    def header(self, app: OhtopApp, truth: Truth, size: tuple[int, int], where: str) -> None:
        top = " ".join(screen_text(app)[:2])
        counts = {SHORT.get(w, w): int(n) for w, n in re.findall(r"([A-Z]+) (\d+)", top)}
        expected = truth.counts()
        for status in ("ERROR", "STARTING", "RUNNING", "STOPPED", "ARCHIVED"):
            store = app.stores.status
            real = Counter(v.status for v in store if not v.deleted)
            said = (where, size, status, top, store.counts(), real, +expected)
            assert counts.get(status) == expected[status], said
        if not self.w.up:
            rows = sum(expected.values())
            assert f"~ {rows} unconfirmed" in top, (where, size, top)
        else:
            assert "unconfirmed" not in top, (where, size, top)

    def health(self, app: OhtopApp, where: str) -> None:
        bar = app.screen.query_one(HealthBar)
        visible = bar.has_class("-visible")
        assert visible == (not self.w.up), (where, visible, str(bar.render()))
        if visible:
            assert "demo" in str(bar.render())

    def rows(
        self, app: OhtopApp, shown: Truth, truth: Truth, size: tuple[int, int], where: str
    ) -> None:
        by_title = {t: h for h, t in shown.titles.items()}
        seen = 0
        for line in screen_text(app):
            m = re.search(r"Conversation \d{3}", line)
            if m is None or "│" in line[: line.find(m.group())].rstrip()[-2:]:
                continue
            hexid = by_title.get(m.group())
            if hexid is None:
                # A deleted one (within its grace) reads DELETED, and nothing else may show.
                assert "DELETED" in line, (where, size, line)
                continue
            seen += 1
            word = shown.shown[hexid]
            glyph_and_word = line.strip().split()[:2]
            if not self.w.up:
                assert glyph_and_word[0] == "~", (where, size, line)
            assert glyph_and_word[1] == word[:8], (where, size, word, line)
            if hexid in truth.borderline:
                continue
            if self.w.up and "silent" in truth.needs.get(hexid, set()):
                v = app.stores.status.get(("demo", hexid))
                assert v is not None
                why = (v.updated_at, v.status_since, v.since_exact, app.fleet.last_heard(v.key))
                assert "silent" in line, (where, size, "no silent mark", line, why)
        assert seen > 0, (where, size, "no rows on screen")

    def exporter(self, app: OhtopApp, truth: Truth, where: str) -> None:
        text = generate_latest(registry_for(app.fleet)).decode()
        counts: Counter[str] = Counter()
        unconfirmed = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "ohtop_conversations":
                    counts[sample.labels["status"]] += int(sample.value)
                if sample.name == "ohtop_conversations_unconfirmed":
                    unconfirmed += sample.value
        assert +counts == +truth.counts(), (where, counts, truth.counts())
        assert unconfirmed == (0 if self.w.up else sum(truth.counts().values())), where

    async def queue(self, app: OhtopApp, pilot: Pilot[None], truth: Truth, where: str) -> None:
        await pilot.press("A")
        await wait_for(lambda: isinstance(app.screen, QueueScreen))
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        truth = self.w.truth()  # now, as the queue reads its clock now
        screen.redraw()
        listed = {n.key[1]: n.reason for n in screen.needs}
        odd = {
            h: (listed.get(h), truth.needs.get(h), truth.status.get(h), truth.execution.get(h))
            for h in set(listed) ^ set(truth.needs)
            if h not in truth.borderline
        }
        assert not odd, (where, odd)
        for hexid, reasons in truth.needs.items():
            if hexid in truth.borderline:
                continue
            for reason in reasons:
                assert REASON_WORDS[reason] in listed[hexid], (where, reason, listed[hexid])
        await pilot.press("escape")

    async def groups(self, app: OhtopApp, pilot: Pilot[None], truth: Truth, where: str) -> None:
        await pilot.press("number_sign")
        await wait_for(lambda: isinstance(app.screen, ErrorGroupsScreen))
        await pilot.pause()
        truth = self.w.truth()
        title = next(x for x in screen_text(app) if "Failed in the last hour" in x)
        m = re.search(r"Failed in the last hour: (\d+) ", title)
        assert m is not None, title
        slack = len(truth.borderline)
        assert abs(int(m.group(1)) - truth.failed_last_hour) <= slack, (where, title, truth)
        await pilot.press("escape")

    async def alerts(self, app: OhtopApp, pilot: Pilot[None], where: str) -> None:
        """No spell is alerted twice, unacknowledged (a restart must not raise it again)."""
        watcher = app.alerts
        by_key: dict[tuple[str, str, str], list[float]] = {}
        for a in watcher.alerts:
            if a.what in ("silent", "starting too long"):
                by_key.setdefault((*a.key, a.what), []).append(a.at)
        for (server, cid, what), times in by_key.items():
            times.sort()
            timeline = app.stores.status.timeline((server, cid))
            for first, second in itertools.pairwise(times):
                new_spell = any(first < t.at <= second for t in timeline)
                assert new_spell, (where, cid, what, "alerted twice in one spell", times)
        await pilot.press("exclamation_mark")
        await wait_for(lambda: isinstance(app.screen, AlertsScreen))
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        assert all(a.key[0] == "demo" for a in screen.alerts)
        if screen.alerts and self.rng.random() < 0.5:
            await pilot.press("a")  # acknowledge the newest: it must stay quiet, restarts too
        await pilot.press("escape")


async def _status_json(url: str) -> list[dict[str, object]]:
    out = io.StringIO()
    settings = Settings(servers=(ServerConfig(url, name="demo"),))
    assert await status_command(settings, True, out, io.StringIO()) == 0
    rows: list[dict[str, object]] = json.loads(out.getvalue())
    return rows


def _check_status_json(rows: list[dict[str, object]], truth: Truth, where: str) -> None:
    got = {str(r["id"]): r for r in rows}
    assert set(got) == set(truth.status), (where, "status --json lists other conversations")
    for hexid, r in got.items():
        assert r["status"] == truth.status[hexid], (where, hexid, r["status"])
        assert r["tasks_total"] == truth.tasks[hexid], (where, hexid, r["tasks_total"])


def _watch_agrees(lines: str, truth: Truth) -> bool:
    last: dict[str, str] = {}
    for line in lines.splitlines():
        record = json.loads(line)
        if "conversation" in record:
            last[record["conversation"]] = record["to"]
    return all(last.get(h, s) == s for h, s in truth.status.items())


def _check_moments(oracle: Oracle) -> None:
    """`status --at` at every moment a face was checked (and in between: the last moment
    before) says what `status --json` said then, field for field."""
    assert oracle.said[-1][0] - oracle.said[0][0] >= 3600, "less than a simulated hour"
    store = HistoryStore(oracle.history, readonly=True)
    try:
        for at, said, where in oracle.said:
            again = [view_to_dict(v) for v in ordered_views(store.fleet_at(at))]
            assert again == said, (where, _differences(said, again))
    finally:
        store.close()


def _differences(said: list[dict[str, Any]], again: list[dict[str, Any]]) -> list[str]:
    live = {(d["server"], d["id"]): d for d in said}
    kept = {(d["server"], d["id"]): d for d in again}
    out = [f"missing {k}" for k in live.keys() - kept.keys()]
    out += [f"extra {k}" for k in kept.keys() - live.keys()]
    for k in live.keys() & kept.keys():
        out += [
            f"{k[1][:8]}.{f}: {live[k][f]!r} != {kept[k][f]!r}"
            for f in live[k]
            if live[k][f] != kept[k][f]
        ]
    return out[:20]


def _check_history(path: Path, truth: Truth, where: str) -> None:
    store = HistoryStore(path, readonly=True)
    try:
        kept = {v.id for v in store.views()}
        trans = {t.key[1] for t in store.transitions()}
        rows = store._db.execute("SELECT id, last_seen, view FROM conversations").fetchall()
    finally:
        store.close()
    for h in set(truth.status) - kept:
        print("MISSING", h, h in trans, [r for r in rows if r[0] == h])
    missing = set(truth.status) - kept
    assert not missing, (where, "history lost", {h: truth.status[h] for h in missing})
    assert not (kept - set(truth.status) - truth.deleted), (where, "history keeps deleted ones")


@pytest.mark.oracle
@pytest.mark.parametrize("intervals", [FAST, FAST_DELTA], ids=["per-id", "what-changed"])
async def test_every_face_tells_the_truth_over_simulated_hours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, intervals: PollIntervals
) -> None:
    seed = int(os.environ.get("OHTOP_ORACLE_SEED", "2312"))  # other seeds: other worlds
    world = await World.start(n=14, seed=seed)
    monkeypatch.setattr(clock, "wall", world.sim.wall)
    oracle = Oracle(world, tmp_path / "history.sqlite3", random.Random(seed))
    oracle.intervals = intervals
    watched = io.StringIO()
    config = ServerConfig(world.server.url, name="demo")
    settings = Settings(servers=(config,), intervals=intervals)
    watch = asyncio.ensure_future(watch_command(settings, watched))
    plan = ["restart" if i in (9, 19) else "step" for i in range(STEPS)]
    plan[5], plan[6] = "down", "up"
    plan[14], plan[15] = "down", "up"
    try:
        await oracle.run(plan, watched)
        if intervals is FAST:  # `status --at` is checked once, over an hour at least
            while oracle.said[-1][0] - oracle.said[0][0] < 3600:
                await oracle.run(["step"] * 8, watched)  # a restart, and steps on
            _check_moments(oracle)
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
        await world.server.stop()
