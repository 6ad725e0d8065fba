"""`ohtop exporter`: metrics read from the stores at scrape time, stable label sets, safe by
default, alert rules that pass promtool, and a real Prometheus that agrees with `status`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import FAST, view, wait_for
from tests.system.programs import require
from tests.system.stack import NO_TEXTUAL, RULE_FILES, free_port, process, query
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.exporter.command import metrics_listen
from tui.fleet.fleet import Fleet
from tui.fleet.metrics import ATTENTION, registry_for
from tui.fleet.metrics_server import MetricsServer
from tui.protocol.status import SEED_STATUSES
from tui.settings import Settings, UsageError
from tui.settings.listen import Listen
from tui.store.view import ErrorInfo
from tui.ui.app import OhtopApp


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return out


def _fleet() -> Fleet:
    fleet = Fleet([ServerConfig("http://127.0.0.1:1", name="prod"), ServerConfig("http://x:2")])
    status = fleet.stores.status
    secret = "sk-oh-do-not-leak-123456"
    status.upsert(view("aa" * 16, server="prod", title="t1", cost=0.5, tokens=100))
    status.upsert(view("bb" * 16, "ERROR", "stuck", server="prod", session_api_key=secret))
    status.upsert(view("cc" * 16, "ERROR", "error", server="prod", sandbox_id="sb1"))
    status.set_details(("prod", "cc" * 16), last_error=ErrorInfo("E", "d", kind="auth"))
    status.upsert(view("dd" * 16, execution="waiting_for_confirmation", server="prod"))
    return fleet


def test_metrics_have_every_label_set_and_agree_with_the_stores() -> None:
    fleet = _fleet()
    text = generate_latest(registry_for(fleet)).decode()
    samples = _samples(text)
    conversations = {
        (labels["server"], labels["status"]): value
        for labels, value in samples["ohtop_conversations"]
    }
    servers = ("prod", "x:2")
    assert set(conversations) == {(s, status) for s in servers for status in SEED_STATUSES}
    assert conversations[("prod", "RUNNING")] == 2 and conversations[("prod", "ERROR")] == 2
    assert conversations[("x:2", "ERROR")] == 0  # emitted, with 0
    attention = {
        labels["reason"]: value
        for labels, value in samples["ohtop_conversations_needing_attention"]
        if labels["server"] == "prod"
    }
    assert set(attention) == set(ATTENTION)
    assert attention["stuck"] == 1 and attention["error"] == 1
    assert attention["waiting_for_confirmation"] == 1
    assert dict((labels["server"], value) for labels, value in samples["ohtop_llm_cost_usd"]) == {
        "prod": 0.5,
        "x:2": 0.0,
    }
    assert "ohtop_conversation_info" not in samples  # opt-in
    assert "aaaaaaaa" not in text and "sk-oh" not in text and "http://" not in text
    capped = _samples(generate_latest(registry_for(fleet, conversation_info=2)).decode())
    assert len(capped["ohtop_conversation_info"]) == 2


def test_errors_are_counted_by_classification_once_their_details_came() -> None:
    fleet = _fleet()
    key = ("prod", "aa" * 16)
    fleet.stores.status.upsert(view(key[1], "ERROR", "error", server="prod"))
    fleet.stores.status.set_details(key, last_error=ErrorInfo("X", "y", kind="quota"))
    samples = _samples(generate_latest(registry_for(fleet)).decode())
    errors = {
        (labels["server"], labels["kind"]): value
        for labels, value in samples["ohtop_conversation_errors_total"]
    }
    assert errors[("prod", "quota")] == 1 and errors[("prod", "auth")] == 0


def test_only_loopback_unless_asked_and_then_with_a_token() -> None:
    assert metrics_listen("127.0.0.1:9464", False, {}).token is None
    with pytest.raises(UsageError, match="--allow-remote"):
        metrics_listen("0.0.0.0:9464", False, {})
    with pytest.raises(UsageError, match="OHTOP_METRICS_TOKEN"):
        metrics_listen("0.0.0.0:9464", True, {})
    remote = metrics_listen("[::]:9464", True, {"OHTOP_METRICS_TOKEN": "t0ken"})
    assert remote.host == "::" and remote.token == "t0ken" and not remote.loopback


async def test_a_token_is_required_when_one_is_set() -> None:
    fleet = _fleet()
    server = MetricsServer(fleet, Listen("127.0.0.1", 0, token="s3cret"))
    url = await server.start()
    try:
        async with httpx.AsyncClient() as http:
            assert (await http.get(url)).status_code == 401
            assert (
                await http.get(url, headers={"Authorization": "Bearer nope"})
            ).status_code == 401
            ok = await http.get(url, headers={"Authorization": "Bearer s3cret"})
            assert ok.status_code == 200 and "ohtop_conversations" in ok.text
            health = await http.get(
                url.replace("/metrics", "/healthz"), headers={"Authorization": "Bearer s3cret"}
            )
            assert health.json()["servers"] == 2
    finally:
        await server.stop()


async def test_the_dashboard_exports_while_it_runs(demo: DemoServer) -> None:
    port = free_port()
    settings = Settings(
        servers=(ServerConfig(demo.url, name="demo"),),
        intervals=FAST,
        max_streams=-1,
        metrics=Listen("127.0.0.1", port),
    )
    app = OhtopApp(settings)
    async with app.run_test(size=(120, 30)):
        await wait_for(lambda: len(app.stores.status) == len(demo.world.visible()))
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        total = sum(v for _, v in _samples(text)["ohtop_conversations"])
        assert total == len(app.stores.status)


def _frozen_world() -> DemoWorld:
    """A demo world that does not change: every conversation visible, no script left."""
    world = DemoWorld(n=30, seed=12, spawn_every=1e9)
    for c in world.conversations.values():
        c.born = min(c.born, -1.0)
    world.advance()
    for c in world.conversations.values():
        c.script.steps.clear()
    return world


async def test_a_real_prometheus_scraping_the_exporter_agrees_with_status(tmp_path: Path) -> None:
    prometheus = require("prometheus", "prometheus")
    promtool = require("promtool", "prometheus")
    server = DemoServer(_frozen_world())
    await server.start()
    exporter_port, prom_port = free_port(), free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: {[str(p) for p in RULE_FILES]}\n"
        "scrape_configs:\n"
        "  - job_name: ohtop\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{exporter_port}']}}]\n"
    )
    exporter = (
        sys.executable, "-c", NO_TEXTUAL, "exporter", "--server", server.url,
        "--listen", f"127.0.0.1:{exporter_port}", "--max-streams", "5",
    )  # fmt: skip
    prom = (
        prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{prom_port}",
    )  # fmt: skip
    base = f"http://127.0.0.1:{prom_port}"
    try:
        async with process(*exporter) as ex, process(*prom), httpx.AsyncClient() as http:
            assert ex.stdout is not None
            line = await asyncio.wait_for(ex.stdout.readline(), 30)
            assert line.decode().strip() == f"http://127.0.0.1:{exporter_port}/metrics"
            expected_total = len(server.world.visible())
            deadline = time.monotonic() + 60
            while True:  # until Prometheus has scraped a full listing
                try:
                    rows = await query(http, base, "sum(ohtop_conversations)")
                except httpx.HTTPError:
                    rows = []
                if rows and float(rows[0]["value"][1]) == expected_total:
                    break
                assert time.monotonic() < deadline, f"Prometheus saw {rows}"
                await asyncio.sleep(0.5)
            scraped = {
                r["metric"]["status"]: float(r["value"][1])
                for r in await query(http, base, "ohtop_conversations")
            }
            status = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tui", "status", "--server", server.url, "--json",
                "--histories", "none", stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, _ = await asyncio.wait_for(status.communicate(), 60)
            rows_json = json.loads(out)
            counted = {
                s: float(sum(1 for r in rows_json if r["status"] == s)) for s in SEED_STATUSES
            }
            assert scraped == counted
            up = await query(http, base, 'up{job="ohtop"}')
            assert up and up[0]["value"][1] == "1"
            # promtool on a real scrape of the running exporter.
            body = (await http.get(f"http://127.0.0.1:{exporter_port}/metrics")).content
            checked = subprocess.run(
                [promtool, "check", "metrics"], input=body, capture_output=True
            )
            assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        await server.stop()
