"""The headless `status` command and the CLI's exit codes."""

from __future__ import annotations

import gc
import io
import json
import os
import socket
import subprocess
import sys

import pytest
from aiohttp import web

from tui.cli import main
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.headless.status import status_command
from tui.session.runtime import FRAMES_PER_SECOND, GC_THRESHOLDS
from tui.settings import Settings

REQUIRED = {
    "id",
    "server",
    "title",
    "status",
    "execution_status",
    "runtime_status",
    "tasks_done",
    "tasks_total",
    "last_error",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_status_demo_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--demo", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 30
    assert all(set(r) >= REQUIRED for r in rows)
    assert all(r["session_api_key"] in (None, "***") for r in rows)
    assert {r["status"] for r in rows} & {"RUNNING", "ERROR"}


def test_status_table_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--demo"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("STATUS") and "conversations" in out.splitlines()[-1]


def test_unreachable_server_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--server", f"http://127.0.0.1:{_free_port()}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "connection refused" in err


def test_no_server_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


async def test_401_exits_2_with_the_reason() -> None:
    server = DemoServer(DemoWorld(n=3), api_key="right")
    await server.start()
    try:
        out = io.StringIO()
        code = await status_command(
            Settings(servers=(ServerConfig(server.url, api_key="wrong"),)), False, out
        )
        assert code == 2
        code = await status_command(
            Settings(servers=(ServerConfig(server.url, api_key="right"),)), True, out
        )
        assert code == 0
    finally:
        await server.stop()


async def test_a_web_page_is_not_an_openhands_api(capsys: pytest.CaptureFixture[str]) -> None:
    async def spa(_: web.Request) -> web.Response:
        return web.Response(
            text="<!doctype html><title>OpenHands</title>", content_type="text/html"
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", spa)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        code = await status_command(
            Settings(servers=(ServerConfig(f"http://127.0.0.1:{port}"),)), False, io.StringIO()
        )
        assert code == 2
        err = capsys.readouterr().err
        assert "does not answer like an OpenHands app server or agent server" in err
    finally:
        await runner.cleanup()


def test_every_face_starts_with_the_collector_tuned(capsys: pytest.CaptureFixture[str]) -> None:
    """`ohtop` tunes the cyclic GC before anything else (a first load of 100,000 spent a third
    of its time in collections at the defaults)."""
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with pytest.raises(SystemExit):
            main(["--help"])
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)
    assert "usage" in capsys.readouterr().out


def _frames_per_second_after_start(env: dict[str, str]) -> str:
    """Start `ohtop --help` in a fresh interpreter, then ask Textual what it paces frames at."""
    script = (
        "import contextlib\n"
        "from tui.cli import main\n"
        "with contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "from textual import constants\n"
        "print('fps', constants.MAX_FPS)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()[-1]


def test_every_face_paces_frames_at_120_unless_told() -> None:
    """A key waits for Textual's next frame slot; ohtop asks for 120 a second, and the user's
    own TEXTUAL_FPS still wins."""
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    assert _frames_per_second_after_start(env) == f"fps {FRAMES_PER_SECOND}"
    assert _frames_per_second_after_start({**env, "TEXTUAL_FPS": "30"}) == "fps 30"
