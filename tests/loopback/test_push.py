"""Pushed events (`--webhooks`): an agent server's batch, with the shared secret, changes a
status at once and `watch` gives it the reason `push`; without the secret it is a 401 and
nothing changes; an event pushed twice is taken once; a body too large is refused; a
conversation nobody watches is counted, not guessed; the options say what is wrong; and
while a server pushes, its polls slow to the heartbeat."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.helpers import FAST, free_port, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld, state_event
from tui.fleet.listen import Listen
from tui.headless.watch import watch_command
from tui.settings import Settings, UsageError
from tui.settings.listen import webhooks_listen
from tui.sync.polling import PollIntervals

SECRET = "s3cret-for-the-webhooks"


def _agent_world() -> DemoWorld:
    world = DemoWorld(n=12, seed=31, spawn_every=1e9)
    for c in world.conversations.values():
        c.deleted = c.born > 0
        c.script.steps.clear()
        c.next_step = 0
    return world


async def test_a_push_changes_the_status_at_once_with_the_reason_push() -> None:
    demo = DemoServer(_agent_world(), agent_at_root=True)
    await demo.start()
    slow = replace(FAST, running=600.0, stopped=600.0, error=600.0, other=600.0, discover=600.0)
    port = free_port()
    settings = Settings(
        servers=(ServerConfig(demo.url, name="agent"),),
        intervals=slow,
        max_streams=-1,  # every change of a pushing server arrives by push
        webhooks=Listen("127.0.0.1", port, SECRET),
    )
    out = io.StringIO()
    watch = asyncio.ensure_future(watch_command(settings, out))
    base = f"http://127.0.0.1:{port}"
    try:
        c = next(c for c in demo.world.visible() if c.execution == "running")
        async with httpx.AsyncClient() as http:

            async def post(path: str, body: object, secret: str = SECRET) -> httpx.Response:
                return await http.post(
                    f"{base}{path}", json=body, headers={"X-Ohtop-Secret": secret}
                )

            async def listed() -> bool:
                try:
                    answer = await post(f"/events/{c.hex}", [])
                except httpx.HTTPError:
                    return False
                return answer.status_code == 200 and demo.routes.requests > 2

            deadline = asyncio.get_running_loop().time() + 20
            while not await listed():
                assert asyncio.get_running_loop().time() < deadline, "no receiver"
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)  # the first listing is applied
            event = state_event("finished")
            refused = await post(f"/events/{c.hex}", [event], secret="wrong")
            assert refused.status_code == 401
            await asyncio.sleep(0.3)
            assert not _finished(out, c.hex)  # nothing changed
            ok = await post(f"/events/{c.hex}", [event])
            assert ok.status_code == 200 and ok.json()["taken"] == 1
            again = await post(f"/events/{c.hex}", [event])
            assert again.json()["taken"] == 0  # at least once, taken once
            huge = await http.post(
                f"{base}/events/{c.hex}", content=b"[" + b" " * (9 * 1024 * 1024) + b"]",
                headers={"X-Ohtop-Secret": SECRET, "Content-Type": "application/json"},
            )  # fmt: skip
            assert huge.status_code == 413
            stranger = await post(f"/events/{uuid.uuid4().hex}", [state_event("running")])
            assert stranger.json()["taken"] == 0  # nobody watches it: counted, not guessed
            not_json = await http.post(
                f"{base}/events/{c.hex}", content=b"{oops", headers={"X-Ohtop-Secret": SECRET}
            )
            assert not_json.status_code == 400
        await wait_for(lambda: bool(_finished(out, c.hex)), 5)
        assert [r["reason"] for r in _finished(out, c.hex)] == ["push"]
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
        await demo.stop()


def _finished(out: io.StringIO, hex_id: str) -> list[dict[str, object]]:
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    return [
        r
        for r in records
        if r.get("conversation") == hex_id and r.get("to_execution") == "finished"
    ]


def test_the_options_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="OHTOP_WEBHOOKS_SECRET"):
        webhooks_listen("9000", None, {})
    with pytest.raises(UsageError, match="16 characters"):
        webhooks_listen("9000", None, {"OHTOP_WEBHOOKS_SECRET": "short"})
    with pytest.raises(UsageError, match="no-such-file"):
        webhooks_listen("9000", str(tmp_path / "no-such-file"), {})
    secret = tmp_path / "secret"
    secret.write_text(SECRET + "\n")
    listen = webhooks_listen("9000", str(secret), {})
    assert (listen.host, listen.port, listen.token) == ("127.0.0.1", 9000, SECRET)
    assert webhooks_listen("0.0.0.0:9001", str(secret), {}).host == "0.0.0.0"


def test_while_a_server_pushes_its_polls_slow_to_the_heartbeat() -> None:
    intervals = PollIntervals(heartbeat=300.0)
    pushing = intervals.in_push()
    assert (pushing.running, pushing.stopped, pushing.error) == (300.0, 300.0, 300.0)
    assert pushing.starting == intervals.starting and pushing.archived is None
