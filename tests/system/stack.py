"""Real monitoring programs for the system tests: exporter processes, Debian's Prometheus and
Alertmanager on loopback ports, and a webhook receiver standing in for a pager. Each program
is started by the test that needs it and ended by it, by its own handle."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from tests.helpers import free_port as free_port
from tests.helpers import serve
from tests.system.programs import require

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RENDERED = DEPLOY / "mixin" / "rendered"
RULE_FILES = (RENDERED / "ohtop-alerts.yaml", RENDERED / "ohtop-rules.yaml")

# The exporter runs with Textual and Rich made unimportable: a headless face must not load them.
NO_TEXTUAL = (
    "import sys; sys.modules['textual'] = None; sys.modules['rich'] = None; "
    "from tui.cli import main; sys.exit(main(sys.argv[1:]))"
)


@asynccontextmanager
async def process(*argv: str, cwd: Path | None = None) -> AsyncIterator[asyncio.subprocess.Process]:
    """A program for the length of the block, ended (then killed) after it."""
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        yield proc
    finally:
        await stop(proc)


async def stop(proc: asyncio.subprocess.Process) -> None:
    """End a program this test started, and wait for it."""
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def exporter_argv(port: int, servers: Sequence[str], *extra: str) -> tuple[str, ...]:
    """`ohtop exporter` on a loopback port for these `--server` values."""
    named = [arg for s in servers for arg in ("--server", s)]
    listen = ("--listen", f"127.0.0.1:{port}", "--no-history")
    return (sys.executable, "-c", NO_TEXTUAL, "exporter", *named, *listen, *extra)


async def query(http: httpx.AsyncClient, base: str, promql: str) -> list[dict[str, Any]]:
    """An instant query's result vector; fails the test on a query error."""
    answer = await http.get(f"{base}/api/v1/query", params={"query": promql})
    body = answer.json()
    assert body["status"] == "success", (promql, body)
    return list(body["data"]["result"])


async def until(http: httpx.AsyncClient, base: str, promql: str, within: float = 60) -> list[Any]:
    """The query's result once it is not empty (fails after `within` seconds)."""
    deadline = time.monotonic() + within
    while True:
        try:
            rows = await query(http, base, promql)
        except httpx.HTTPError:
            rows = []
        if rows:
            return rows
        assert time.monotonic() < deadline, f"{promql}: no data in {within:.0f} s"
        await asyncio.sleep(0.5)


async def ready(http: httpx.AsyncClient, url: str, proc: asyncio.subprocess.Process) -> None:
    """Wait until a Prometheus-style program answers /-/ready."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if (await http.get(url)).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.returncode is not None:
            assert proc.stderr is not None
            raise AssertionError((await proc.stderr.read()).decode()[-2000:])
        assert time.monotonic() < deadline, f"{url} not ready in 60 s"
        await asyncio.sleep(0.2)


@asynccontextmanager
async def prometheus(
    tmp: Path, targets: Sequence[int], alertmanager: int | None = None
) -> AsyncIterator[str]:
    """Debian's Prometheus scraping the exporters on `targets` every second with ohtop's
    rendered rules (evaluated every second), sending alerts to `alertmanager`; its URL."""
    binary = require("prometheus", "prometheus")
    port = free_port()
    config: dict[str, Any] = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in RULE_FILES],
        "scrape_configs": [
            {
                "job_name": "ohtop",
                "static_configs": [{"targets": [f"127.0.0.1:{t}" for t in targets]}],
            }
        ],
    }
    if alertmanager is not None:
        am = {"static_configs": [{"targets": [f"127.0.0.1:{alertmanager}"]}]}
        config["alerting"] = {"alertmanagers": [am]}
    path = tmp / "prometheus.yml"
    path.write_text(json.dumps(config))  # YAML is a superset of JSON
    argv = (
        binary, f"--config.file={path}", f"--storage.tsdb.path={tmp / 'prometheus-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    async with process(*argv) as proc, httpx.AsyncClient() as http:
        await ready(http, f"{base}/-/ready", proc)
        yield base


@asynccontextmanager
async def alertmanager(tmp: Path, config: dict[str, Any]) -> AsyncIterator[tuple[int, str]]:
    """Debian's Alertmanager with this configuration; its port and URL."""
    binary = require("prometheus-alertmanager", "prometheus-alertmanager")
    port, cluster = free_port(), free_port()
    path = tmp / "alertmanager.yml"
    path.write_text(json.dumps(config))
    argv = (
        binary, f"--config.file={path}", f"--storage.path={tmp / 'alertmanager-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--cluster.listen-address=127.0.0.1:{cluster}",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    async with process(*argv) as proc, httpx.AsyncClient() as http:
        await ready(http, f"{base}/-/ready", proc)
        yield port, base


@dataclass
class Receiver:
    """A webhook receiver: every notification Alertmanager posts, by path."""

    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    def alerts(self, path: str = "") -> list[dict[str, Any]]:
        """Every alert delivered (to `path` when given), in order of arrival."""
        return [
            alert
            for at, body in self.posts
            if not path or at == path
            for alert in body.get("alerts", [])
        ]


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    """A loopback webhook receiver for the length of the block."""
    got = Receiver()

    async def post(request: web.Request) -> web.Response:
        got.posts.append((request.path, await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{tail:.*}", post)
    async with serve(app) as url:
        got.url = url.rstrip("/")
        yield got
