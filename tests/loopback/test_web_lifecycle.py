"""`ohtop web`'s dashboards: they end when `ohtop web` ends however it ends (`kill -9`
included), run exactly the settings it was given (or the option is refused, saying why), and
remote mode builds its page from the address the browser used."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import httpx

from tests.helpers import descendants, wait_for
from tui.settings.wire import ENV

ROOT = Path(__file__).resolve().parents[2]


def _port(url: str) -> int:
    """The port `ohtop web --port 0` was given by the system, as its URL says."""
    port = urlparse(url).port
    assert port, url  # never 0: the URL names the port bound
    return port


@asynccontextmanager
async def web(
    *args: str, env: dict[str, str] | None = None
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """`ohtop web` with these options; yields the process and the URL it printed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", "web", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        yield proc, url
    finally:
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 20)


async def _open_tab(ws_url: str) -> aiohttp.ClientWebSocketResponse:
    session = aiohttp.ClientSession()
    socket_ = await session.ws_connect(ws_url)
    socket_._ohtop_session = session  # type: ignore[attr-defined]  # closed with it
    return socket_


def _tab_settings(parent: int) -> dict[str, Any] | None:
    """The settings a tab's dashboard was handed (None: no tab has them yet)."""
    for pid in _python_children(parent):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for value in environ:
            if value.startswith(ENV.encode() + b"="):
                found: dict[str, Any] = json.loads(value.split(b"=", 1)[1])
                return found
    return None


def _python_children(pid: int) -> set[int]:
    out = set()
    for child in descendants(pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"-m\0tui" in cmd:
            out.add(child)
    return out


async def test_a_dashboard_ends_when_ohtop_web_is_killed_with_sigkill() -> None:
    async with web("--demo", "--port", "0") as (proc, url):
        token, port = url.split("token=", 1)[1], _port(url)
        tab = await _open_tab(f"ws://127.0.0.1:{port}/ws/{token}?width=80&height=24")
        try:
            await wait_for(lambda: bool(_python_children(proc.pid)), timeout=30)
            tabs = _python_children(proc.pid)
            os.kill(proc.pid, signal.SIGKILL)  # no chance to end its children
            await proc.wait()

            def gone() -> bool:
                return not any(Path(f"/proc/{p}").exists() for p in tabs)

            await wait_for(gone, timeout=20)
        finally:
            await tab.close()
            await tab._ohtop_session.close()  # type: ignore[attr-defined]


async def test_a_tab_runs_exactly_the_settings_given(tmp_path: Path) -> None:
    server = "http://127.0.0.1:9"  # nothing answers: the tab still starts with its settings
    args = ["--server", server, "--port", "0", "--max-streams", "3", "--bell"]
    async with web(*args, "--no-history", env={"OHTOP_THEME": "nord"}) as (proc, url):
        token, port = url.split("token=", 1)[1], _port(url)
        tab = await _open_tab(f"ws://127.0.0.1:{port}/ws/{token}?width=80&height=24")
        try:
            await wait_for(lambda: _tab_settings(proc.pid) is not None, timeout=30)
            settings = _tab_settings(proc.pid)
            assert settings is not None
            assert settings["max_streams"] == 3 and settings["theme"] == "nord"
            assert settings["bell"] is True and settings["history"] is None  # --no-history
            assert [s["url"] for s in settings["servers"]] == [server]
        finally:
            await tab.close()
            await tab._ohtop_session.close()  # type: ignore[attr-defined]


async def test_options_a_browser_dashboard_cannot_honour_are_refused() -> None:
    done = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", "web", "--demo", "--metrics", "127.0.0.1:9999",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    _, err = await asyncio.wait_for(done.communicate(), 30)
    assert done.returncode == 2 and b"--metrics" in err and b"exporter" in err


async def test_remote_mode_points_the_page_at_the_address_the_browser_used() -> None:
    args = ["--demo", "--host", "0.0.0.0", "--allow-remote", "--port", "0"]
    async with web(*args) as (_proc, url):
        token, port = url.split("token=", 1)[1], _port(url)
        other = f"http://127.0.0.2:{port}"  # not the bind address, not the printed one
        async with httpx.AsyncClient() as client:
            page = (await client.get(f"{other}/?token={token}")).text
        assert "0.0.0.0" not in page
        assert f"{other}/static/" in page and f"ws://127.0.0.2:{port}/ws/" in page
        websocket = re.search(r"ws://127\.0\.0\.2:\d+/ws/[^\"']+", page)
        assert websocket is not None
        tab = await _open_tab(websocket.group() + "?width=80&height=24")
        try:
            first = await asyncio.wait_for(tab.receive(), 30)
            assert first.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT)
        finally:
            await tab.close()
            await tab._ohtop_session.close()  # type: ignore[attr-defined]
