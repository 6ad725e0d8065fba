"""The scale demo (`demo-server --conversations N`): its mix has what the queue, the alerts and
errors-by-code need (failures with codes, sandboxes starting, agents waiting with what they
ask), every conversation is listed exactly once, and a page shapes only its own items, so a
page costs the same at any N (bench/demo_scale.py times it from outside)."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from tui.demo import confirm, routes
from tui.demo.scale import scale_world
from tui.demo.server import DemoServer
from tui.demo.shapes import app_conversation


def test_the_mix_has_failures_starts_and_waiting_agents() -> None:
    world = scale_world(4_000, seed=3)
    mix = Counter((c.sandbox, c.execution) for c in world.visible())
    assert len(world.visible()) == 4_000
    for state in (("RUNNING", "running"), ("RUNNING", "error"), ("STARTING", None)):
        assert mix[state] > 20, mix
    assert mix[("RUNNING", "waiting_for_confirmation")] > 10 and mix[("ERROR", None)] > 5
    failed = [c for c in world.visible() if c.execution == "error"]
    codes = {e["code"] for c in failed for e in c.events if e["kind"] == "ConversationErrorEvent"}
    assert len(codes) > 1 and all(c.events for c in failed)
    waiting = [c for c in world.visible() if c.execution == "waiting_for_confirmation"]
    assert all(len(confirm.pending(c)) == 1 for c in waiting)


async def test_every_conversation_is_listed_once_and_a_page_shapes_only_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shaped = Counter[str]()

    def counting(world: object, c: object, base: str) -> object:
        shaped["n"] += 1
        return app_conversation(world, c, base)  # type: ignore[arg-type]

    monkeypatch.setattr(routes, "app_conversation", counting)
    server = DemoServer(scale_world(2_050, seed=5))
    await server.start()
    try:
        ids, pages, page = [], 0, None
        async with httpx.AsyncClient() as http:
            while True:
                params = {"limit": 100, **({"page_id": page} if page else {})}
                body = (
                    await http.get(f"{server.url}/api/v1/app-conversations/search", params=params)
                ).json()
                ids += [item["id"] for item in body["items"]]
                pages += 1
                page = body["next_page_id"]
                if not page:
                    break
        assert len(ids) == len(set(ids)) == 2_050 and pages == 21
        assert shaped["n"] == 2_050  # each shaped once, by its own page
    finally:
        await server.stop()
