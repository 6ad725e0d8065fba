"""ohtop against a real openhands-agent-server (1.58.2) with a scripted fake LLM, on loopback.

Installs the server in a Python 3.12 venv on first use (`.real-server/`); skips, saying why,
only when no Python 3.12/3.13 can be found. Everything else that goes wrong is a failure.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.helpers import wait_for
from tests.system.realserver.fake_llm import FakeLLM, marker
from tests.system.realserver.harness import AgentServer
from tests.system.realserver.watch import KEY, key_of, watching
from tui.client.config import ServerConfig
from tui.fleet.fleet import Fleet
from tui.store.websocket_store import LinkState
from tui.sync.stream_manager import link_name

pytestmark = [pytest.mark.realserver, pytest.mark.slow]


async def test_idle_running_finished_with_the_task_plan(real: tuple[AgentServer, FakeLLM]) -> None:
    server, llm = real
    async with watching(server) as watch:
        cid = server.create(llm.url, None)
        await wait_for(lambda: watch.status(cid) == "idle", timeout=30)
        await wait_for(
            lambda: watch.stores.links.get(link_name(key_of(cid))).state is LinkState.CONNECTED,
            timeout=30,
        )
        server.send(cid, f"Say hello {marker('finish', delay=1.5)}")
        await wait_for(lambda: watch.status(cid) == "finished", timeout=90)
        seen = watch.seen[key_of(cid)]
        assert seen[0] == "idle" and "running" in seen and seen[-1] == "finished"
        assert seen.index("running") < seen.index("finished")
        plans = watch.tasks[key_of(cid)]
        assert plans[0][0] < plans[0][1] and plans[-1] == (3, 3)  # planned, then all done
        assert watch.stores.events.count(key_of(cid)) > 5  # streamed, not only polled
        assert server.status(cid) == "finished"


async def test_error_carries_the_conversation_error_event(
    real: tuple[AgentServer, FakeLLM],
) -> None:
    server, llm = real
    async with watching(server) as watch:
        cid = server.create(llm.url, f"Fail please {marker('error', delay=1)}")
        await wait_for(lambda: watch.status(cid) == "error", timeout=90)

        def errored() -> bool:
            view = watch.stores.status.get(key_of(cid))
            return view is not None and view.last_error is not None

        await wait_for(errored, timeout=30)
        view = watch.stores.status.get(key_of(cid))
        assert view is not None and view.status == "ERROR"
        assert view.last_error is not None and view.last_error.code == "LLMServiceUnavailableError"
        assert view.last_error.retryable is True
        kinds = [e.kind for e in watch.stores.events.events(key_of(cid))]
        assert "ConversationErrorEvent" in kinds


async def test_paused(real: tuple[AgentServer, FakeLLM]) -> None:
    server, llm = real
    async with watching(server) as watch:
        cid = server.create(
            llm.url, f"Tick for a while {marker('long', delay=1, ticks=200)}", max_iterations=300
        )
        await wait_for(lambda: watch.status(cid) == "running", timeout=60)
        server.pause(cid)
        await wait_for(lambda: watch.status(cid) == "paused", timeout=60)
        assert watch.stores.status.get(key_of(cid)).status == "RUNNING"  # type: ignore[union-attr]


async def test_waiting_for_confirmation(real: tuple[AgentServer, FakeLLM]) -> None:
    server, llm = real
    async with watching(server) as watch:
        cid = server.create(llm.url, f"Ask first {marker('finish')}", confirm=True)
        await wait_for(lambda: watch.status(cid) == "waiting_for_confirmation", timeout=90)


async def test_stuck(real: tuple[AgentServer, FakeLLM]) -> None:
    server, llm = real
    async with watching(server) as watch:
        cid = server.create(llm.url, f"Loop {marker('stuck')}")
        await wait_for(lambda: watch.status(cid) == "stuck", timeout=120)
        assert watch.stores.status.get(key_of(cid)).status == "ERROR"  # type: ignore[union-attr]


async def test_status_json_matches_the_server(real: tuple[AgentServer, FakeLLM]) -> None:
    """The headless twin reports each conversation's execution status as the server does."""
    import io
    import json

    from tui.headless.status import status_command
    from tui.settings import Settings

    server, _ = real
    out = io.StringIO()
    servers = (ServerConfig(server.url, session_api_key=KEY),)
    assert await status_command(Settings(servers=servers), True, out, histories="all") == 0
    rows = json.loads(out.getvalue())
    assert rows
    for row in rows[:10]:
        assert row["execution_status"] == server.status(str(uuid.UUID(row["id"])))


async def test_an_error_from_before_ohtop_started_has_the_servers_timeline_and_report(
    real: tuple[AgentServer, FakeLLM],
) -> None:
    """The issue's case: ohtop starts after the fact; the timeline still shows each status
    change with the server's own time, and `ohtop report --format md` holds it, the error's
    code and classification."""
    import io
    import json

    from tui.fleet.report import gather
    from tui.headless.report import report_command
    from tui.settings import Settings

    server, llm = real
    cid = server.create(llm.url, f"Fail before ohtop looks {marker('error', delay=0.5)}")
    deadline = asyncio.get_running_loop().time() + 90
    while server.status(cid) != "error":  # nobody is watching yet
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.5)
    settings = Settings(servers=(ServerConfig(server.url, name="real", session_api_key=KEY),))
    fleet = Fleet(list(settings.servers))
    try:
        assert await fleet.snapshot("none") == []
        report = await gather(fleet, key_of(cid))
    finally:
        await fleet.stop()
    entries = report.data["timeline"]["entries"]
    server_entries = [e for e in entries if e["source"] == "server"]
    assert report.data["timeline"]["from_server_history"]
    texts = [e["text"] for e in server_entries]
    assert "status -> running" in texts and "status -> error" in texts
    assert texts.index("status -> running") < texts.index("status -> error")
    assert any(t.startswith("ERROR LLMServiceUnavailableError") for t in texts)
    assert all(e["at"] for e in server_entries)  # the server's own times
    assert report.data["last_error"]["code"] == "LLMServiceUnavailableError"
    assert report.data["last_error"]["retryable"] is True
    out = io.StringIO()
    assert await report_command(settings, cid, "md", None, out) == 1  # like wait: an error
    md = out.getvalue()
    assert "## Timeline" in md and "status \\-\\> error" in md
    assert "`LLMServiceUnavailableError`" in md and "retryable" in md
    assert KEY not in md
    json_out = io.StringIO()
    await report_command(settings, cid, "json", None, json_out)
    assert json.loads(json_out.getvalue())["last_error"]["code"] == "LLMServiceUnavailableError"


def test_conditional_requests_save_nothing_here(real: tuple[AgentServer, FakeLLM]) -> None:
    """Why ohtop sends no If-None-Match / If-Modified-Since: the agent server gives no
    validator on what ohtop reads, and a conditional request costs a full answer anyway."""
    server, llm = real
    cid = server.create(llm.url, None)
    headers = {"X-Session-API-Key": server.key}
    for path, params in (
        ("/api/conversations/search", {"limit": "100"}),
        ("/api/conversations", {"ids": cid}),
        (f"/api/conversations/{cid}/events/search", {"limit": "100"}),
    ):
        plain = httpx.get(f"{server.url}{path}", params=params, headers=headers, timeout=30)
        assert plain.status_code == 200
        assert "etag" not in plain.headers and "last-modified" not in plain.headers, path
        asked = httpx.get(
            f"{server.url}{path}",
            params=params,
            headers={**headers, "If-None-Match": "*", "If-Modified-Since": plain.headers["date"]},
            timeout=30,
        )
        assert asked.status_code == 200 and len(asked.content) == len(plain.content), path
