"""Headless commands for scripts: `watch --jsonl` and `wait ID` with their exit codes."""

from __future__ import annotations

import asyncio
import io
import json
import socket

from tests.helpers import FAST, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation
from tui.headless.wait import wait_command
from tui.headless.watch import watch_command
from tui.session.codes import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, EXIT_UNREACHABLE
from tui.settings import Settings


def _config(demo: DemoServer) -> Settings:
    return Settings(servers=(ServerConfig(demo.url, name="demo"),), intervals=FAST)


def _pick(demo: DemoServer, execution: str | None, sandbox: str = "RUNNING") -> DemoConversation:
    conv = next(
        c for c in demo.world.visible() if c.sandbox == sandbox and c.execution == execution
    )
    conv.script.steps.clear()
    return conv


async def test_wait_exits_1_on_error(demo: DemoServer) -> None:
    conv = _pick(demo, "error")
    out = io.StringIO()
    assert await wait_command(_config(demo), conv.hex, 5, out) == EXIT_FAILED
    assert "ERROR error" in out.getvalue()


async def test_wait_follows_until_finished_and_prints_each_transition(demo: DemoServer) -> None:
    conv = _pick(demo, "running")
    out = io.StringIO()
    task = asyncio.create_task(wait_command(_config(demo), conv.hex[:12], 20, out))
    await wait_for(lambda: "RUNNING running" in out.getvalue())
    demo.world.push_state(conv, "waiting_for_confirmation")
    await wait_for(lambda: "waiting_for_confirmation" in out.getvalue())
    demo.world.push_state(conv, "finished")
    assert await task == EXIT_OK
    lines = out.getvalue().splitlines()
    assert [ln.split()[2] for ln in lines] == ["running", "waiting_for_confirmation", "finished"]


async def test_wait_times_out_with_3(demo: DemoServer) -> None:
    conv = _pick(demo, "running")
    assert await wait_command(_config(demo), conv.hex, 0.5, io.StringIO()) == EXIT_TIMEOUT


async def test_wait_not_found_or_unreachable_exit_2(demo: DemoServer) -> None:
    assert await wait_command(_config(demo), "0" * 32, 1, io.StringIO()) == EXIT_UNREACHABLE
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = Settings(servers=(ServerConfig(f"http://127.0.0.1:{port}"),))
    assert await wait_command(down, "a" * 32, 1, io.StringIO()) == EXIT_UNREACHABLE


async def test_watch_streams_transitions_as_json_lines(demo: DemoServer) -> None:
    conv = _pick(demo, "running")
    out = io.StringIO()
    task = asyncio.create_task(watch_command(_config(demo), out))
    try:
        await wait_for(lambda: conv.hex in out.getvalue())
        demo.world.push_state(conv, "stuck")
        await wait_for(
            lambda: any(
                conv.hex in ln and '"to_execution": "stuck"' in ln
                for ln in out.getvalue().splitlines()
            )
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    mine = [r for r in records if r.get("conversation") == conv.hex]
    assert mine[0]["from"] is None and mine[0]["reason"] == "discover"
    assert (
        mine[-1]["from"] == "RUNNING"
        and mine[-1]["to"] == "ERROR"
        and mine[-1]["to_execution"] == "stuck"
    )
    assert set(mine[-1]) >= {"conversation", "server", "from", "to", "at", "reason"}


async def test_watch_plain_says_each_change_in_one_sentence(demo: DemoServer) -> None:
    """For screen readers and logs: a sentence per change, no JSON, colour codes or redraws."""
    conv = _pick(demo, "running")
    out = io.StringIO()
    task = asyncio.create_task(watch_command(_config(demo), out, plain=True))
    try:
        await wait_for(lambda: conv.hex[:8] in out.getvalue())
        demo.world.push_state(conv, "stuck")
        await wait_for(
            lambda: any(
                conv.hex[:8] in ln and "to ERROR (stuck)" in ln
                for ln in out.getvalue().splitlines()
            )
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    text = out.getvalue()
    assert "\x1b" not in text and "\r" not in text and "{" not in text
    mine = [ln for ln in text.splitlines() if f"conversation {conv.hex[:8]}" in ln]
    title = conv.title
    assert mine[0].endswith(f'"{title}" went from nothing to RUNNING (running), learnt by discover')
    assert mine[-1].split(", learnt by ")[0].endswith("from RUNNING (running) to ERROR (stuck)")
    assert all(ln[:4].isdigit() and " UTC: demo conversation " in ln for ln in mine)
