"""Server-kind detection by probing, pagination with dedupe, batches with nulls."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.helpers import AGENT, APP, load
from tui.client.config import ServerConfig
from tui.client.detect import detect
from tui.client.errors import ApiError, ErrorKind
from tui.client.rest import RestClient
from tui.client.sources import AgentSource, V0AppSource, V1AppSource
from tui.protocol.conversations import AppConversation

HTML = "<!doctype html><html><body>OpenHands</body></html>"


def rest_for(routes: dict[str, Any], spa: bool = False) -> RestClient:
    """A server answering `routes` by path (a callable gets the request); else 404 or index.html."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = routes.get(request.url.path)
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, httpx.Response):
            return answer
        if request.url.path in routes:
            body = json.dumps(answer).encode()
            return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
        if spa:
            return httpx.Response(200, text=HTML, headers={"Content-Type": "text/html"})
        return httpx.Response(404, json={"detail": "Not Found"})

    return RestClient(ServerConfig("http://srv.test"), httpx.MockTransport(handler))


async def test_detects_v1_app_server() -> None:
    rest = rest_for({"/api/v1/app-conversations/count": 5})
    assert isinstance(await detect(rest), V1AppSource)


async def test_detects_agent_server() -> None:
    rest = rest_for(
        {"/api/conversations/search": load(AGENT / "conversations_search_GET_limit2.json")}
    )
    assert isinstance(await detect(rest), AgentSource)


async def test_detects_v0_app_server() -> None:
    rest = rest_for({"/api/conversations": {"results": [], "next_page_id": None}})
    assert isinstance(await detect(rest), V0AppSource)


async def test_a_web_ui_answering_every_path_with_index_html_is_not_an_api() -> None:
    with pytest.raises(ApiError) as info:
        await detect(rest_for({}, spa=True))
    assert info.value.kind is ErrorKind.NOT_API


async def test_v1_server_serving_the_frontend_is_still_detected() -> None:
    rest = rest_for({"/api/v1/app-conversations/count": 3}, spa=True)
    assert isinstance(await detect(rest), V1AppSource)


async def test_auth_failure_during_detection_propagates() -> None:
    rest = rest_for(
        {"/api/v1/app-conversations/count": httpx.Response(401, json={"detail": "Unauthorized"})}
    )
    with pytest.raises(ApiError) as info:
        await detect(rest)
    assert info.value.kind is ErrorKind.AUTH


def _app_item(i: int) -> dict[str, Any]:
    return {
        "id": f"{i:032x}",
        "title": f"c{i}",
        "sandbox_status": "RUNNING",
        "execution_status": "running",
    }


async def test_v1_batch_maps_null_to_deleted_and_sends_repeated_ids() -> None:
    seen: list[list[str]] = []

    def batch(request: httpx.Request) -> httpx.Response:
        ids = request.url.params.get_list("ids")
        seen.append(ids)
        return httpx.Response(200, json=[_app_item(1), None])

    source = V1AppSource(rest_for({"/api/v1/app-conversations": batch}))
    fetched = await source.fetch([f"{1:032x}", f"{2:032x}"])
    assert seen == [[f"{1:032x}", f"{2:032x}"]]
    assert isinstance(fetched.found[f"{1:032x}"], AppConversation)
    assert fetched.found[f"{2:032x}"] is None


async def test_v1_capture_batch_parses() -> None:
    raw = load(APP / "app_conversations_by_ids_GET_error.json")
    wanted = [raw[0]["id"]]
    source = V1AppSource(rest_for({"/api/v1/app-conversations": raw}))
    fetched = await source.fetch(wanted)
    conv = fetched.found[wanted[0]]
    assert isinstance(conv, AppConversation) and conv.execution_status == "error"


async def test_agent_batch_sends_dashed_ids() -> None:
    seen: list[str] = []

    def batch(request: httpx.Request) -> httpx.Response:
        seen.extend(request.url.params.get_list("ids"))
        return httpx.Response(200, json=[None])

    source = AgentSource(rest_for({"/api/conversations": batch}))
    fetched = await source.fetch(["3f2a9c0e5b7d4e1fa0b1c2d3e4f50617"])
    assert seen == ["3f2a9c0e-5b7d-4e1f-a0b1-c2d3e4f50617"]
    assert fetched.found == {"3f2a9c0e5b7d4e1fa0b1c2d3e4f50617": None}


async def test_v0_fetch_is_one_get_per_id_and_null_body_means_unknown() -> None:
    hex_a, hex_b = "a" * 32, "b" * 32
    rest = rest_for(
        {
            f"/api/conversations/{hex_a}": {"conversation_id": hex_a, "status": "RUNNING"},
            f"/api/conversations/{hex_b}": None,
        }
    )
    fetched = await V0AppSource(rest).fetch([hex_a, hex_b])
    assert fetched.found[hex_b] is None
    assert fetched.found[hex_a] is not None and rest.requests_sent == 2


async def test_agent_details_read_tasks_and_error_from_event_search() -> None:
    events = load(AGENT / "events_search_GET_error_conversation.json")["items"]

    def search(request: httpx.Request) -> httpx.Response:
        kind = request.url.params.get("kind")
        assert request.url.params.get("sort_order") == "TIMESTAMP_DESC"
        items = [e for e in reversed(events) if e["kind"] == kind]
        return httpx.Response(200, json={"items": items, "next_page_id": None})

    cid = "3f2a9c0e5b7d4e1fa0b1c2d3e4f50617"
    path = "/api/conversations/3f2a9c0e-5b7d-4e1f-a0b1-c2d3e4f50617/events/search"
    details = await AgentSource(rest_for({path: search})).details(cid, want_error=True)
    assert details.tasks is not None and len(details.tasks) == 3
    assert details.error is not None and details.error.code == "LLMServiceUnavailableError"
