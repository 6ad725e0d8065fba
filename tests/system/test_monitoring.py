"""ohtop in the monitoring it joins: the rendered mixin passes promtool's checks and unit tests;
N sharded exporters given one config watch every server exactly once and a lost shard is
seen; every panel of the dashboard returns data from a real Prometheus scraping the demo; a
burst of failures reaches a webhook through a real Alertmanager with deploy/'s routes; and
Alertmanager holds a down server's conversation alerts back."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.system.programs import require
from tests.system.stack import (
    DEPLOY,
    RENDERED,
    Receiver,
    alertmanager,
    exporter_argv,
    free_port,
    process,
    prometheus,
    query,
    receiver,
    stop,
    until,
)
from tui.demo.scripts import ERRORS, Step
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.settings.shard import shard_of

MIXIN = DEPLOY / "mixin"
NAMES = [f"site-{i}" for i in range(10)]  # ten servers (one demo under ten names)


def test_the_deploy_files_pass_promtool_and_amtool() -> None:
    promtool = require("promtool", "prometheus")
    amtool = require("amtool", "prometheus-alertmanager")
    for argv, cwd in (
        ([promtool, "check", "rules", *map(str, RENDERED.glob("*.yaml"))], MIXIN),
        ([promtool, "test", "rules", "tests.yaml"], MIXIN),
        ([promtool, "check", "config", "prometheus.yml"], DEPLOY / "prometheus"),
        ([amtool, "check-config", "alertmanager.yml"], DEPLOY / "alertmanager"),
    ):
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def _quiet_world(n: int = 30) -> DemoWorld:
    """A demo world that does not change by itself and has no failures yet."""
    world = DemoWorld(n=n, seed=12, spawn_every=1e9)
    for c in world.conversations.values():
        c.born = min(c.born, -1.0)
    world.advance()
    for c in world.conversations.values():
        c.script.steps.clear()
        c.next_step = 0
        c.deleted = c.deleted or c.execution == "error"
    return world


@asynccontextmanager
async def _shards(
    tmp: Path, demo: DemoServer, total: int, alertmanager_port: int | None = None
) -> AsyncIterator[tuple[str, list[asyncio.subprocess.Process]]]:
    """`total` exporter shards over the ten names and a Prometheus scraping them all."""
    ports = [free_port() for _ in range(total)]
    servers = [f"{name}={demo.url}" for name in NAMES]
    async with AsyncExitStack() as stack:
        procs = []
        for i, port in enumerate(ports):
            argv = exporter_argv(port, servers, "--shard", str(i), "--total-shards", str(total))
            proc = await stack.enter_async_context(process(*argv))
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line.decode().strip() == f"http://127.0.0.1:{port}/metrics"
            procs.append(proc)
        base = await stack.enter_async_context(prometheus(tmp, ports, alertmanager_port))
        yield base, procs


async def test_four_shards_watch_every_server_once_and_a_lost_shard_is_alerted(
    tmp_path: Path,
) -> None:
    demo = DemoServer(_quiet_world())
    await demo.start()
    try:
        async with _shards(tmp_path, demo, 4) as (base, procs), httpx.AsyncClient() as http:
            await until(http, base, 'count(up{job="ohtop"} == 1) == 4')
            rows = await until(http, base, 'count(ohtop_server_up{job="ohtop"}) == 10')
            assert rows
            by_shard = {
                (r["metric"]["server"], r["metric"]["instance"])
                for r in await query(http, base, 'ohtop_server_up{job="ohtop"}')
            }
            ordinal = {
                r["metric"]["instance"]: int(r["metric"]["shard"])
                for r in await query(http, base, "ohtop_shard_ordinal")
            }
            assert sorted(ordinal.values()) == [0, 1, 2, 3]
            assert sorted(s for s, _ in by_shard) == sorted(NAMES)  # each exactly once
            for server, instance in by_shard:
                assert shard_of(server, 4) == ordinal[instance]  # the documented hash
            alerts = _alert_exprs()
            assert await query(http, base, alerts["OhtopShardingMismatch"]) == []
            assert await query(http, base, alerts["OhtopShardsMissing"]) == []
            await stop(procs[3])  # shard 3 is lost
            missing = await until(http, base, alerts["OhtopShardsMissing"], within=30)
            assert missing[0]["metric"] == {"job": "ohtop"} and missing[0]["value"][1] == "1"
    finally:
        await demo.stop()


def _alert_exprs() -> dict[str, str]:
    groups = yaml.safe_load((RENDERED / "ohtop-alerts.yaml").read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def _panel_queries() -> list[tuple[str, str]]:
    board = json.loads((RENDERED / "dashboards" / "ohtop-fleet.json").read_text())
    return [(p["title"], t["expr"]) for p in board["panels"] for t in p["targets"]]


async def test_every_dashboard_panel_returns_data_from_the_demo(tmp_path: Path) -> None:
    demo = DemoServer(_quiet_world())
    await demo.start()
    try:
        async with _shards(tmp_path, demo, 2) as (base, _), httpx.AsyncClient() as http:
            await until(http, base, "count(ohtop_server_up) == 10")
            visible = len(demo.world.visible())
            total = await until(
                http, base, f"sum(job_status:ohtop_conversations:sum) == {10 * visible}"
            )
            assert total
            queries = _panel_queries()
            assert len(queries) >= 10
            for title, expr in queries:
                rows = await until(http, base, expr, within=30)
                assert rows, f"{title}: {expr} returned nothing"
    finally:
        await demo.stop()


def _routed(receiver_url: str) -> dict[str, Any]:
    """deploy/'s Alertmanager config, its receivers pointed at the test's webhook and its waits
    shortened to a second (routes, grouping and inhibition as shipped)."""
    config: dict[str, Any] = yaml.safe_load(
        (DEPLOY / "alertmanager" / "alertmanager.yml").read_text()
    )
    for r in config["receivers"]:
        for hook in r["webhook_configs"]:
            hook["url"] = receiver_url + "/" + hook["url"].rsplit("/", 1)[1]
    routes = [config["route"], *config["route"]["routes"]]
    for route in routes:
        for key in ("group_wait", "group_interval"):
            if key in route:
                route[key] = "1s"
    config["route"]["group_interval"] = "1s"
    return config


def _fail(world: DemoWorld, n: int) -> int:
    """Make `n` running conversations fail now, with a classified error; how many failed."""
    running = [c for c in world.visible() if c.sandbox == "RUNNING" and c.execution == "running"]
    for c in running[:n]:
        c.script.steps.append(Step(world.now - c.born, execution="error", error=ERRORS[0]))
    world.advance()
    return min(n, len(running))


async def _delivered(got: Receiver, name: str, within: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        found = [a for a in got.alerts() if a["labels"].get("alertname") == name]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"{name} not delivered; got {got.posts}"
        await asyncio.sleep(0.5)


async def delivered_alert(tmp: Path) -> dict[str, Any]:
    """The demo, an exporter, Prometheus with the rendered rules and Alertmanager with
    deploy/'s routes; quiet, then a burst of eight failures: the webhook's notification that
    holds OhtopConversationErrorsRising, with the receiver's path under "path"."""
    demo = DemoServer(_quiet_world(60))
    await demo.start()
    port = free_port()
    try:
        async with AsyncExitStack() as stack:
            got = await stack.enter_async_context(receiver())
            am_port, am = await stack.enter_async_context(alertmanager(tmp, _routed(got.url)))
            ex = await stack.enter_async_context(
                process(*exporter_argv(port, [f"demo={demo.url}"]))
            )
            assert ex.stdout is not None
            await asyncio.wait_for(ex.stdout.readline(), 30)
            base = await stack.enter_async_context(prometheus(tmp, [port], am_port))
            http = await stack.enter_async_context(httpx.AsyncClient())
            errors = 'sum(ohtop_conversation_errors_total{server="demo"})'
            await until(http, base, f"count_over_time(({errors})[1m:1s]) >= 3")
            rising = 'ALERTS{alertname="OhtopConversationErrorsRising"}'
            assert await query(http, base, rising) == []  # quiet before the burst
            assert _fail(demo.world, 8) == 8
            await until(http, base, f"{errors} >= 8")
            await _delivered(got, "OhtopConversationErrorsRising")
            shown = (await http.get(f"{am}/api/v2/alerts")).json()
            assert any(a["labels"]["alertname"] == "OhtopConversationErrorsRising" for a in shown)
            return next(
                {**body, "path": path}
                for path, body in got.posts
                if any(
                    a["labels"]["alertname"] == "OhtopConversationErrorsRising"
                    for a in body["alerts"]
                )
            )
    finally:
        await demo.stop()


async def test_a_burst_of_failures_reaches_the_webhook_through_alertmanager(
    tmp_path: Path,
) -> None:
    body = await delivered_alert(tmp_path)
    assert body["path"] == "/ticket" and body["receiver"] == "ohtop-ticket"  # warning: a ticket
    assert body["groupLabels"] == {"job": "ohtop", "server": "demo"}  # grouped by server
    (alert,) = [
        a for a in body["alerts"] if a["labels"]["alertname"] == "OhtopConversationErrorsRising"
    ]
    assert alert["status"] == "firing"
    assert alert["labels"] == {
        "alertname": "OhtopConversationErrorsRising",
        "job": "ohtop",
        "server": "demo",
        "scope": "conversations",
        "severity": "warning",
    }
    summary = alert["annotations"]["summary"]
    assert re.fullmatch(r"demo: about (8|9|10) conversations failed in 10m", summary), summary
    assert alert["annotations"]["runbook"] == "docs/runbook.md#ohtopconversationerrorsrising"
    assert "Press ! in ohtop" in alert["annotations"]["description"]


async def test_a_down_server_holds_its_conversation_alerts_back(tmp_path: Path) -> None:
    async with receiver() as got, alertmanager(tmp_path, _routed(got.url)) as (_, am):
        now = datetime.now(UTC)
        common = {"startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat()}

        def alert(name: str, server: str, severity: str, **labels: str) -> dict[str, Any]:
            base = {"alertname": name, "job": "ohtop", "server": server, "severity": severity}
            summary = {"summary": f"{name} on {server}"}
            return {"labels": {**base, **labels}, "annotations": summary, **common}

        posted = [
            alert("OhtopServerDown", "prod", "critical", kind="v1"),
            alert("OhtopConversationStuck", "prod", "warning", scope="conversations"),
            alert("OhtopConversationStuck", "staging", "warning", scope="conversations"),
        ]
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{am}/api/v2/alerts", json=posted)
            assert answer.status_code == 200, answer.text
        down = await _delivered(got, "OhtopServerDown")
        assert down["labels"]["server"] == "prod"
        stuck = await _delivered(got, "OhtopConversationStuck")
        assert stuck["labels"]["server"] == "staging"
        await asyncio.sleep(3)  # three group intervals: anything held back would have come
        delivered = {(a["labels"]["alertname"], a["labels"]["server"]) for a in got.alerts()}
        assert delivered == {("OhtopServerDown", "prod"), ("OhtopConversationStuck", "staging")}
        assert {a["labels"]["alertname"] for a in got.alerts("/page")} == {"OhtopServerDown"}
        assert {a["labels"]["server"] for a in got.alerts("/ticket")} == {"staging"}
