"""Workers that die, failures met at first sight, new conversations found soon, and claims the
README makes: config check, reloading keys, headless commands naming a failing server."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from pathlib import Path

import pytest
from aiohttp import web

from tests.helpers import FAST, Harness, RecordingTransport, running, serve, view, wait_for
from tui.client.config import ServerConfig
from tui.client.stream import agent_base
from tui.demo.scripts import Script, Step
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.headless.status import status_command
from tui.headless.watch import watch_command
from tui.settings import Settings, reloader
from tui.settings.check import config_check
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync import stream_manager
from tui.sync.backoff import Backoff
from tui.sync.monitor import ServerMonitor
from tui.sync.polling import PollIntervals
from tui.sync.stream_manager import StreamManager, link_name
from tui.sync.stream_worker import StreamWorker
from tui.ui.app import OhtopApp

# -- 5: a worker that dies is shown and started again -------------------------------------


async def test_an_unexpected_failure_in_a_stream_worker_is_shown_and_retried() -> None:
    class Broken:
        calls = 0

        def factory(self, *_a: object, **_k: object) -> object:
            self.calls += 1
            raise RuntimeError("a bug in a stream")

    h = Harness([])
    broken = Broken()
    h.worker._factory = broken.factory  # type: ignore[assignment]
    task = asyncio.create_task(h.worker.run())
    try:
        await wait_for(lambda: broken.calls >= 3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    link = h.stores.links.get("stream s/c")
    assert link.state is LinkState.RECONNECTING  # not CONNECTED, not stuck CONNECTING
    assert "unexpected RuntimeError" in (link.last_error or "")
    assert h.worker.unexpected >= 3


async def test_a_stream_worker_that_ends_on_its_own_is_restarted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[int] = []

    async def dies(self: StreamWorker) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise ValueError("worker died")
        await asyncio.Event().wait()

    monkeypatch.setattr(StreamWorker, "run", dies)
    monkeypatch.setattr(stream_manager, "RESTART_BACKOFF", Backoff(base=0.01, cap=0.02))
    stores = Stores()
    key = ("s", "ab" * 16)
    stores.status.upsert(
        view(key[1], server="s", conversation_url=f"http://h/api/conversations/{key[1]}")
    )
    manager = StreamManager(stores)
    manager.start()
    try:
        await wait_for(lambda: manager.restarted == 1)
        info = stores.links.get(link_name(key))
        assert "worker ended unexpectedly: ValueError" in (info.last_error or "")
        assert any(r.kind == "stream" for r in stores.errors.recent())
        await wait_for(lambda: len(runs) == 2)  # started again after the backoff
    finally:
        await manager.stop()


def test_conversation_urls_with_bad_hosts_or_ports_have_no_agent_server() -> None:
    assert agent_base("http://[::1/api/conversations/x") is None  # a broken IPv6 literal
    assert agent_base("http://127.0.0.1:99999/api/conversations/x") is None
    assert agent_base("http:///api/conversations/x") is None
    assert agent_base("https://h:8443/runtime/7/api/conversations/x") == "https://h:8443/runtime/7"


# -- 6: failures met first are alerted, with their code; new ones are found soon ---------


def _failing_soon(world: DemoWorld) -> str:
    """A conversation created now that fails a moment later, long before the next full
    listing (the listing runs every two minutes)."""
    before = set(world.conversations)
    world._create(world.now)
    (new,) = set(world.conversations) - before
    c = world.conversations[new]
    c.script = Script(
        "error",
        [
            Step(0.0, sandbox="RUNNING", execution="running"),
            Step(
                0.05,
                execution="error",
                error=("LLMAuthenticationError", "invalid key", {"kind": "auth"}),
            ),
        ],
    )
    return new


async def test_a_new_conversation_that_fails_before_ohtop_lists_it_is_alerted_with_its_code() -> (
    None
):
    world = DemoWorld(n=10, seed=4, spawn_every=1e9)
    server = DemoServer(world)
    await server.start()
    intervals = PollIntervals(discover=120, look=0.2, jitter=0)
    app = OhtopApp(
        Settings(
            servers=(ServerConfig(server.url, name="demo"),), intervals=intervals, max_streams=-1
        )
    )
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_for(lambda: len(app.stores.status) == len(world.visible()))
            new = _failing_soon(world)
            await asyncio.sleep(0.2)  # it fails before ohtop has seen it
            await wait_for(lambda: ("demo", new) in app.stores.status, timeout=5)
            await wait_for(lambda: any(a.key == ("demo", new) for a in app.alerts.alerts))
            alert = next(a for a in app.alerts.alerts if a.key == ("demo", new))
            assert alert.code == "LLMAuthenticationError"
            app.flush_alerts()
            await pilot.pause()
            assert any("LLMAuthenticationError" in n.message for n in app._notifications)
    finally:
        await server.stop()


async def test_new_conversations_are_found_by_a_cheap_count_not_by_relisting() -> None:
    world = DemoWorld(n=30, seed=4, spawn_every=1e9)
    server = DemoServer(world)
    await server.start()
    recorder = RecordingTransport()
    stores = Stores()
    intervals = PollIntervals(discover=120, look=0.1, jitter=0)
    monitor = ServerMonitor(
        ServerConfig(server.url, name="demo"), stores, intervals, transport=recorder, details=False
    )
    try:
        async with running(monitor):
            known = len(world.visible())
            await wait_for(lambda: len(stores.status) == known)
            before = len(recorder.paths("/search"))
            world._create(world.now)
            await wait_for(lambda: len(stores.status) == known + 1, timeout=5)
            searches = recorder.paths("/search")[before:]
            assert len(searches) == 1 and searches[0].url.params["limit"] == "10"
            assert len(recorder.paths("/count")) >= 2
    finally:
        await server.stop()


# -- 13: claims the README makes ----------------------------------------------------------


def test_config_check_reports_clashing_keys_and_every_stage(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[keys]\nfind = "e"\nbogus = "z"\n'
        '[[servers]]\nname = "p"\nurl = "http://127.0.0.1:1"\napi_key_env = "OHTOP_NOPE"\n'
    )
    path.chmod(0o600)
    out = io.StringIO()
    assert config_check(argparse.Namespace(config=path), out) == 1
    text = out.getvalue()
    assert "keys.bogus: no such action" in text
    assert "on the dashboard, key 'e' is bound to find and errors" in text
    assert "environment variable OHTOP_NOPE is not set" in text  # the next stage still ran


async def test_ctrl_r_reads_a_rotated_key_from_its_key_file(tmp_path: Path) -> None:
    state = {"key": "new-key"}

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {state['key']}":
            return web.json_response({"detail": "Unauthorized"}, status=401)
        if request.path.endswith("/count"):
            return web.json_response(0)
        return web.json_response({"items": [], "next_page_id": None})

    front = web.Application()
    front.router.add_route("*", "/{tail:.*}", handler)
    async with serve(front) as url:
        key_file = tmp_path / "key"
        key_file.write_text("old-key\n")
        config = tmp_path / "config.toml"
        config.write_text(f'[[servers]]\nname = "s"\nurl = "{url}"\napi_key_file = "{key_file}"\n')
        args = argparse.Namespace(config=config)
        reload = reloader(args, env={})
        app = OhtopApp(
            Settings(servers=tuple(reload()), intervals=FAST, max_streams=-1), reload=reload
        )
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(lambda: app.stores.links.get("server s").state is LinkState.FAILED)
            key_file.write_text("new-key\n")  # the operator rotates the key
            await pilot.press("ctrl+r")
            await wait_for(lambda: app.stores.links.get("server s").state is LinkState.CONNECTED)


def _refusing_app() -> web.Application:
    async def refuse(request: web.Request) -> web.StreamResponse:
        return web.json_response({"detail": "Unauthorized"}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    return app


async def test_status_prints_what_answered_and_names_the_server_that_did_not(
    demo: DemoServer,
) -> None:
    async with serve(_refusing_app()) as bad:
        servers = (ServerConfig(demo.url, name="demo"), ServerConfig(bad, name="prod"))
        out, err = io.StringIO(), io.StringIO()
        assert await status_command(Settings(servers=servers), True, out, err) == 2
        rows = json.loads(out.getvalue())
        assert rows and {r["server"] for r in rows} == {"demo"}
        assert "prod: HTTP 401" in err.getvalue()


async def test_watch_reports_a_server_that_fails(demo: DemoServer) -> None:
    async with serve(_refusing_app()) as bad:
        servers = (ServerConfig(demo.url, name="demo"), ServerConfig(bad, name="prod"))
        out = io.StringIO()
        task = asyncio.create_task(watch_command(Settings(servers=servers, intervals=FAST), out))
        try:
            await wait_for(lambda: '"link": "FAILED"' in out.getvalue())
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        failed = [json.loads(line) for line in out.getvalue().splitlines() if '"link"' in line]
        assert failed[0]["server"] == "prod" and "401" in failed[0]["error"]
