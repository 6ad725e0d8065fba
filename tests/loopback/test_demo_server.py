"""The demo server speaks the real shapes: every answer parses with the protocol models."""

from __future__ import annotations

import gzip

import httpx

from tests.helpers import ManualClock
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.protocol.base import validate_items
from tui.protocol.conversations import AgentConversation, AppConversation, Page
from tui.protocol.events import parse_event


def test_world_is_deterministic_for_a_seed() -> None:
    def states(seed: int) -> list[tuple[str, str | None, str]]:
        clock, wall = ManualClock(0.0), ManualClock(1_800_000_000.0)
        world = DemoWorld(n=40, seed=seed, clock=clock, wall=wall)
        clock.advance(120)
        wall.advance(120)
        world.advance()
        return [(c.sandbox, c.execution, c.title) for c in world.visible()]

    assert states(4) == states(4)
    assert states(4) != states(5)


def test_world_reaches_every_lifecycle() -> None:
    clock, wall = ManualClock(0.0), ManualClock(1_800_000_000.0)
    world = DemoWorld(n=50, seed=7, clock=clock, wall=wall)
    seen: set[tuple[str, str | None]] = set()
    deleted = 0
    for _ in range(120):
        clock.advance(5)
        wall.advance(5)
        world.advance()
        seen |= {(c.sandbox, c.execution) for c in world.visible()}
        deleted = sum(c.deleted for c in world.conversations.values())
    executions = {e for _, e in seen}
    assert {
        "running",
        "finished",
        "error",
        "stuck",
        "paused",
        "waiting_for_confirmation",
        "idle",
    } <= executions
    assert {s for s, _ in seen} >= {"STARTING", "RUNNING", "PAUSED", "MISSING", "ERROR"}
    assert deleted > 0


async def test_app_routes_answer_in_the_v1_shapes(demo: DemoServer) -> None:
    async with httpx.AsyncClient(base_url=demo.url) as http:
        page = Page.model_validate(
            (await http.get("/api/v1/app-conversations/search", params={"limit": 7})).json()
        )
        items, rejected = validate_items(page.items, AppConversation)
        assert rejected == 0 and len(items) == 7 and page.next_page_id == "7"
        count = (await http.get("/api/v1/app-conversations/count")).json()
        assert count == len(demo.world.visible())
        ids = [i.id for i in items if i] + ["0" * 32]
        batch = (
            await http.get("/api/v1/app-conversations", params=[("ids", i) for i in ids])
        ).json()
        assert batch[-1] is None and batch[0]["id"] == ids[0]
        too_many = await http.get("/api/v1/app-conversations", params=[("ids", "0" * 32)] * 100)
        assert too_many.status_code == 400 and "Maximum is 99" in too_many.json()["detail"]


async def test_agent_routes_live_under_the_conversation_url_with_the_session_key(
    demo: DemoServer,
) -> None:
    async with httpx.AsyncClient() as http:
        raw = (await http.get(f"{demo.url}/api/v1/app-conversations/search")).json()["items"]
        running = next(
            AppConversation.model_validate(i) for i in raw if i["sandbox_status"] == "RUNNING"
        )
        assert running.conversation_url and "/runtime/" in running.conversation_url
        refused = await http.get(running.conversation_url)
        assert refused.status_code == 401
        headers = {"X-Session-API-Key": running.session_api_key or ""}
        answer = await http.get(running.conversation_url, headers=headers)
        conv = AgentConversation.model_validate(answer.json())
        assert conv.id == running.id and "-" in answer.json()["id"]
        events = (
            await http.get(running.conversation_url + "/events/search", headers=headers)
        ).json()
        assert all(parse_event(e).kind for e in events["items"])


async def test_etag_and_gzip(demo: DemoServer) -> None:
    async with httpx.AsyncClient(base_url=demo.url) as http:
        first = await http.get(
            "/api/v1/app-conversations/search", headers={"Accept-Encoding": "gzip"}
        )
        assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"]
        again = await http.get(
            "/api/v1/app-conversations/search", headers={"If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code in (200, 304)
        if again.status_code == 200:  # the world moved on between the two requests
            assert again.headers["ETag"] != first.headers["ETag"]
    raw = gzip.compress(b"{}")
    assert gzip.decompress(raw) == b"{}"


async def test_agent_at_root(demo_agent: DemoServer) -> None:
    async with httpx.AsyncClient(base_url=demo_agent.url) as http:
        page = Page.model_validate((await http.get("/api/conversations/search")).json())
        _, rejected = validate_items(page.items, AgentConversation)
        assert rejected == 0 and page.items
        assert (await http.get("/api/v1/app-conversations/count")).status_code == 404
        assert (await http.get("/server_info")).json()["version"]
