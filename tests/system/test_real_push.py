"""Pushed events from the real agent server (its webhooks, `OH_WEBHOOKS_0_*`): while four
conversations run a storm of events, ohtop's receiver is stopped and started again ten times
(each time the agent server's posts fail; it keeps the batch for a later flush, and ohtop
repairs from `events/search` after each restart); afterwards ohtop holds every event each
conversation's `events/search` holds, none taken twice, and events came by push."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port, wait_for
from tests.system.realserver.fake_llm import FakeLLM, marker
from tests.system.realserver.harness import (
    AgentServer,
    ensure_venv,
    find_python,
    python_missing_reason,
)
from tests.system.realserver.watch import KEY, LABEL, key_of
from tui.client.config import ServerConfig
from tui.fleet.fleet import Fleet, FleetOptions
from tui.fleet.listen import Listen
from tui.fleet.push import PushIntake
from tui.fleet.push_server import PushServer
from tui.sync.polling import PollIntervals

SECRET = "a-shared-secret-for-the-test"
# Ticks a conversation: 25 in make test; OHTOP_PUSH_TICKS=100 makes the storm of the issue
# (about 2,000 events over four conversations, some ten minutes here).
TICKS = int(os.environ.get("OHTOP_PUSH_TICKS", "25"))
CONVERSATIONS = 4
KILLS = 10
# Polls rare enough that the statuses come by push (new conversations are found by the
# look for new ones, and by the re-listing a push for an unknown conversation asks for).
SLOW = PollIntervals(
    starting=1.0, running=600, stopped=600, error=600, other=600, discover=600, look=2.0
)


@pytest.fixture(scope="module")
def pushing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AgentServer, FakeLLM, int]]:
    """A real agent server that pushes to a receiver port on loopback, and its fake LLM."""
    python = find_python()
    if python is None:
        pytest.skip(python_missing_reason())
    bin_dir = ensure_venv(python)
    port = free_port()
    env = {
        "OH_WEBHOOKS_0_BASE_URL": f"http://127.0.0.1:{port}",
        "OH_WEBHOOKS_0_HEADERS": json.dumps({"X-Ohtop-Secret": SECRET}),
        "OH_WEBHOOKS_0_EVENT_BUFFER_SIZE": "5",
        "OH_WEBHOOKS_0_FLUSH_DELAY": "0.3",
        "OH_WEBHOOKS_0_NUM_RETRIES": "1",
        "OH_WEBHOOKS_0_RETRY_DELAY": "1",
    }
    llm = FakeLLM().start()
    server = AgentServer(bin_dir, Path(tmp_path_factory.mktemp("pushing")), KEY, env)
    try:
        server.start()
        yield server, llm, port
    finally:
        server.stop()
        llm.stop()


def _server_ids(server: AgentServer, cid: str) -> list[str]:
    """Every event id the agent server holds for a conversation (events/search, paged)."""
    ids: list[str] = []
    params: dict[str, object] = {"limit": 100, "sort_order": "TIMESTAMP"}
    while True:
        answer = httpx.get(
            f"{server.url}/api/conversations/{cid}/events/search",
            params=params,  # type: ignore[arg-type]
            headers={"X-Session-API-Key": KEY},
            timeout=30,
        )
        answer.raise_for_status()
        body = answer.json()
        ids += [e["id"] for e in body["items"]]
        if not body.get("next_page_id"):
            return ids
        params["page_id"] = body["next_page_id"]


async def test_a_storm_with_the_receiver_stopped_ten_times_loses_and_repeats_nothing(
    pushing: tuple[AgentServer, FakeLLM, int],
) -> None:
    server, llm, port = pushing
    config = ServerConfig(server.url, name=LABEL, session_api_key=KEY)
    fleet = Fleet([config], FleetOptions(SLOW, max_streams=-1))
    fleet.push = PushIntake(fleet, repair_every=30.0)
    receiver = PushServer(fleet, Listen("127.0.0.1", port, SECRET))
    await fleet.start()
    await receiver.start()
    try:
        text = marker("long", ticks=TICKS) + " tick away"
        steps = max(60, 2 * TICKS + 20)  # the server's default cap stopped 100 ticks at 60 steps
        cids = [
            await asyncio.to_thread(server.create, llm.url, text, max_iterations=steps)
            for _ in range(CONVERSATIONS)
        ]
        keys = [key_of(c) for c in cids]
        await wait_for(lambda: all(k in fleet.stores.status for k in keys), 60)
        for _ in range(KILLS):  # the receiver goes away and comes back, mid-storm
            await asyncio.sleep(1.5)
            await receiver.stop()
            await asyncio.sleep(2.5)  # longer than the agent server's one retry
            await receiver.start()
        done = lambda: all(server.status(c) == "finished" for c in cids)  # noqa: E731
        deadline = time.monotonic() + 120 + 6 * TICKS
        while not await asyncio.to_thread(done):
            assert time.monotonic() < deadline, "the storm did not finish"
            await asyncio.sleep(2)
        await wait_for(
            lambda: all(fleet.stores.status.get(k).execution_status == "finished" for k in keys),  # type: ignore[union-attr]
            30,
        )
        truth = {
            k: await asyncio.to_thread(_server_ids, server, c)
            for k, c in zip(keys, cids, strict=True)
        }
        intake = fleet.push
        assert intake is not None

        def complete() -> bool:  # every event the server holds is taken
            return all(set(ids) <= set(intake.ids.get(k, {})) for k, ids in truth.items())

        await wait_for(complete, 30)  # the repairs after the last push
        total = sum(len(ids) for ids in truth.values())
        assert total >= CONVERSATIONS * TICKS * 3, total  # the storm was one
        for key, ids in truth.items():
            taken = intake.ids[key]
            # What was pushed but is not in events/search: the agent server pushes a state
            # snapshot it does not persist (one ConversationStateUpdateEvent a conversation).
            kinds = {e.id: e.kind for e in fleet.stores.events.events(key)}
            extra = [kinds.get(i, "?") for i in set(taken) - set(ids)]
            assert set(extra) <= {"ConversationStateUpdateEvent"} and len(extra) <= 2, extra
            assert intake.sink.per_conversation[key] == len(taken)  # each applied once
        assert sum(intake.repaired.values()) > 0  # batches were lost, and repaired
        # Events came by push, not only by the repairs (a status moved by a push has the
        # reason "push": tests/loopback/test_push.py; here polls after a repair may win).
        for key in truth:
            assert len(intake.ids[key]) - intake.repaired[key] > 0, key
        print(
            f"storm: {total} events, {sum(intake.repaired.values())} taken by repair, "
            f"{intake.duplicates} pushed twice, receiver stopped {KILLS} times"
        )
    finally:
        await receiver.stop()
        await fleet.stop()
