"""`ohtop web` in a real Chromium (Debian's, driven by Playwright, which downloads nothing):
the dashboard appears with the demo's conversations, typed keys narrow the list, the token is
enforced, the page loads nothing from outside the machine, and a closed tab's process ends."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from tests.helpers import descendants
from tests.system.programs import require

ROOT = Path(__file__).resolve().parents[2]
SHOWN = re.compile(r"(\d+) of (\d+) shown")
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")
# As the machine's own probe starts it: no background traffic to the outside world.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
]
# Keeps what the dashboard sends, as text: the terminal draws on a canvas, so the page has no
# text of its own to read.
RECORDER = """
(() => {
  const Original = window.WebSocket;
  const decoder = new TextDecoder();
  window.__ohtop = "";
  window.WebSocket = function (url, protocols) {
    const socket = new Original(url, protocols);
    socket.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer) {
        window.__ohtop += decoder.decode(event.data, { stream: true });
      }
    });
    return socket;
  };
  window.WebSocket.prototype = Original.prototype;
})();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(
    condition: Callable[[], bool | Awaitable[bool]], timeout: float, what: str
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        await asyncio.sleep(0.2)


async def test_ohtop_web_in_chromium() -> None:
    chromium = require("chromium", "chromium")
    playwright = pytest.importorskip("playwright.async_api")
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", "web", "--demo", "--port", str(port), "--max-sessions", "1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        assert url.startswith(f"http://127.0.0.1:{port}/?token=")
        base = url.split("?", 1)[0]
        async with httpx.AsyncClient() as http:
            assert (await http.get(base)).status_code == 403
            assert (await http.get(base + "?token=wrong")).status_code == 403
            assert (await http.get(f"{base}ws/wrong")).status_code == 403
        async with playwright.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=FLAGS)
            page = await browser.new_page(viewport={"width": 1400, "height": 820})
            outside: list[str] = []
            local = (f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", "data:", "blob:")
            page.on("request", lambda r: None if r.url.startswith(local) else outside.append(r.url))
            await page.add_init_script(RECORDER)
            await page.goto(url)

            async def shown() -> list[tuple[int, int]]:
                text = ANSI.sub("", await page.evaluate("window.__ohtop"))
                return [(int(a), int(b)) for a, b in SHOWN.findall(text)]

            await _until(lambda: _loaded(shown), 60, "the dashboard with the demo's rows")
            children = descendants(proc.pid)
            assert children, "each tab runs a dashboard process"
            total = (await shown())[-1][1]
            # A second tab is over --max-sessions 1: a clear page, not a second dashboard.
            second = await browser.new_page()
            answer = await second.goto(url)
            assert answer is not None and answer.status == 503
            assert "sessions are in use" in await second.content()
            await second.close()
            await page.click("#terminal")
            await page.keyboard.type("/zzzqqq")

            async def narrowed() -> bool:
                return (await shown())[-1] == (0, total)

            await _until(narrowed, 30, "typing / and text narrows the list")
            if os.environ.get("OHTOP_SCREENSHOT_WEB"):
                await page.keyboard.press("Escape")
                await asyncio.sleep(1.5)
                await page.screenshot(path=str(ROOT / "screenshots" / "web.png"))
            await page.close()
            await _until(
                lambda: not (descendants(proc.pid) & children), 20, "the closed tab's process ends"
            )
            await browser.close()
        assert outside == []  # nothing loaded from outside the machine
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 20)
    assert not descendants(proc.pid)


async def _loaded(shown: Callable[[], Awaitable[list[tuple[int, int]]]]) -> bool:
    counts = await shown()
    return bool(counts) and counts[-1][1] > 0 and counts[-1][0] == counts[-1][1]
