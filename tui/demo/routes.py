"""The demo's REST routes: V1 app server at /api/v1, agent servers under /runtime/{sandbox}."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tui.demo import confirm
from tui.demo.http import error, json_response, paged
from tui.demo.shapes import agent_conversation, app_conversation, server_info
from tui.demo.sockets import DemoSockets
from tui.demo.world import DemoConversation, DemoWorld

BATCH_MAX = 99
# The V1 search's time filters (the real server's; docs/protocol.md "What moves updated_at").
TIME_FILTERS = ("created_at__gte", "created_at__lt", "updated_at__gte", "updated_at__lt")


class DemoRoutes:
    """Request handlers over one `DemoWorld`."""

    def __init__(self, world: DemoWorld, api_key: str | None = None) -> None:
        self.world = world
        self.api_key = api_key
        self.base_url = ""  # set once the server knows its port
        self.requests = 0
        self.hits: Counter[str] = Counter()  # requests per route, for tests and benchmarks
        self.methods: Counter[str] = Counter()  # requests per HTTP method (tests: no POST)

    # -- guards --------------------------------------------------------------------------

    def _count(self, request: web.Request) -> None:
        """Count the request (in total and per route) and advance the world to now."""
        self.requests += 1
        self.methods[request.method] += 1
        resource = request.match_info.route.resource
        self.hits[resource.canonical if resource else request.path] += 1
        self.world.advance()

    def _tick(self, request: web.Request) -> web.StreamResponse | None:
        """Advance the world, count the request, check the app server's bearer key."""
        self._count(request)
        if self.api_key and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return error(request, 401, "Unauthorized")
        return None

    def _sandbox(
        self, request: web.Request
    ) -> tuple[list[DemoConversation], web.StreamResponse | None]:
        """The conversations of the sandbox named in the path, after checking its session key."""
        self._count(request)
        sandbox = request.match_info.get("sandbox")
        convs = self.world.visible() if sandbox is None else self.world.in_sandbox(sandbox)
        live = [c for c in convs if c.sandbox == "RUNNING"]
        if sandbox is not None and not live:
            return [], error(request, 503, "sandbox is not running")
        key = request.headers.get("X-Session-API-Key")
        if sandbox is not None and key != live[0].session_api_key:
            return [], error(request, 401, "Unauthorized")
        return live if sandbox is not None else convs, None

    # -- V1 app server -------------------------------------------------------------------

    async def app_search(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._tick(request)) is not None:
            return denied
        base = self.base_url
        convs = self.world.visible()
        bounds = [(name, _when(request, name)) for name in TIME_FILTERS]
        if any(when is not None for _, when in bounds):
            convs = [c for c in convs if all(_within(c, n, w) for n, w in bounds)]
        page = paged(request, convs, shape=lambda c: app_conversation(self.world, c, base))
        return json_response(request, page)

    async def app_count(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._tick(request)) is not None:
            return denied
        return json_response(request, len(self.world.visible()))

    async def app_batch(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._tick(request)) is not None:
            return denied
        ids = request.query.getall("ids", [])
        if len(ids) > BATCH_MAX:
            return error(request, 400, f"Too many ids requested. Maximum is {BATCH_MAX}.")
        if not all(_is_uuid(i) for i in ids):
            return error(request, 400, "Invalid UUID")
        out = []
        for i in ids:
            c = self.world.get(i)
            out.append(app_conversation(self.world, c, self.base_url) if c else None)
        return json_response(request, out)

    async def app_events(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._tick(request)) is not None:
            return denied
        c = self.world.get(request.match_info["cid"])
        if c is None:
            return json_response(request, {"items": [], "next_page_id": None})
        return json_response(request, _event_page(request, c, request.query.get("kind__eq")))

    async def app_sandbox_action(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._tick(request)) is not None:
            return denied
        action, sandbox = request.match_info["action"], request.match_info["sandbox"]
        found = self.world.in_sandbox(sandbox)
        if not found:
            return error(request, 404, "Sandbox not found")
        for c in found:
            c.sandbox = "PAUSED" if action == "pause" else "RUNNING"
            if action == "resume" and c.execution is None:
                c.execution = "idle"
        return json_response(request, {"success": True})

    # -- agent server (one per sandbox, or the whole world at the root) ---------------------

    def _one(self, request: web.Request) -> DemoConversation | web.StreamResponse:
        """The conversation named in the path, in the path's sandbox (or why not)."""
        convs, denied = self._sandbox(request)
        if denied is not None:
            return denied
        wanted = _hex(request.match_info["cid"])
        found = [c for c in convs if c.hex == wanted]
        return found[0] if found else error(request, 404, "Not Found")

    async def agent_get(self, request: web.Request) -> web.StreamResponse:
        c = self._one(request)
        if not isinstance(c, DemoConversation):
            return c
        return json_response(request, agent_conversation(self.world, c))

    async def agent_batch(self, request: web.Request) -> web.StreamResponse:
        convs, denied = self._sandbox(request)
        if denied is not None:
            return denied
        ids = request.query.getall("ids", [])
        if len(ids) > BATCH_MAX or not all(_is_uuid(i) for i in ids):
            return error(request, 422, "ids must be at most 99 UUIDs")
        by_hex = {c.hex: c for c in convs}
        out = [by_hex.get(_hex(i)) for i in ids]
        return json_response(
            request, [agent_conversation(self.world, c) if c else None for c in out]
        )

    async def agent_search(self, request: web.Request) -> web.StreamResponse:
        convs, denied = self._sandbox(request)
        if denied is not None:
            return denied
        status = request.query.get("status")
        if status is not None:
            convs = [c for c in convs if (c.execution or "idle") == status]
        page = paged(request, convs, shape=lambda c: agent_conversation(self.world, c))
        return json_response(request, page)

    async def agent_count(self, request: web.Request) -> web.StreamResponse:
        convs, denied = self._sandbox(request)
        if denied is not None:
            return denied
        return json_response(request, len(convs))

    async def agent_events(self, request: web.Request) -> web.StreamResponse:
        c = self._one(request)
        if not isinstance(c, DemoConversation):
            return c
        return json_response(request, _event_page(request, c, request.query.get("kind")))

    async def agent_action(self, request: web.Request) -> web.StreamResponse:
        """POST .../pause, .../interrupt and .../run, as the agent server (409 when already
        running)."""
        c = self._one(request)
        if not isinstance(c, DemoConversation):
            return c
        if request.match_info["action"] == "run":
            if c.execution == "running":
                return error(request, 409, "Conversation already running")
            self.world.push_state(c, "running")
        else:  # pause, interrupt
            self.world.push_state(c, "paused")
        return json_response(request, {"success": True})

    async def agent_respond(self, request: web.Request) -> web.StreamResponse:
        """POST .../events/respond_to_confirmation: accept or reject what waits now."""
        c = self._one(request)
        if not isinstance(c, DemoConversation):
            return c
        body = await _body(request)
        if body is None or not isinstance(body.get("accept"), bool):
            return error(request, 422, "accept: a boolean is required")
        if c.execution == "waiting_for_confirmation":
            confirm.respond(self.world, c, body["accept"], str(body.get("reason") or ""))
        return json_response(request, {"success": True})

    async def agent_message(self, request: web.Request) -> web.StreamResponse:
        """POST .../events: a user message, held (and run when asked)."""
        c = self._one(request)
        if not isinstance(c, DemoConversation):
            return c
        body = await _body(request)
        content = body.get("content") if body else None
        if not isinstance(content, list) or not content:
            return error(request, 422, "content: a list of parts is required")
        text = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        confirm.message(self.world, c, text, bool(body.get("run")) if body else False)
        return json_response(request, {"success": True})

    async def agent_policy(self, request: web.Request) -> web.StreamResponse:
        """POST .../confirmation_policy."""
        c = self._one(request)
        if not isinstance(c, DemoConversation):
            return c
        body = await _body(request)
        policy = body.get("policy") if body else None
        kind = policy.get("kind") if isinstance(policy, dict) else None
        if kind not in ("AlwaysConfirm", "NeverConfirm", "ConfirmRisky"):
            return error(request, 422, "policy.kind: unknown confirmation policy")
        c.policy = kind
        return json_response(request, {"success": True})

    async def agent_server_info(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        return json_response(request, server_info(self.world.now))

    async def health(self, request: web.Request) -> web.StreamResponse:
        return json_response(request, "OK")


async def _body(request: web.Request) -> dict[str, Any] | None:
    """The JSON object sent, or None when it is not one."""
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _is_uuid(raw: str) -> bool:
    try:
        uuid.UUID(raw)
    except ValueError:
        return False
    return True


def _hex(raw: str) -> str:
    try:
        return uuid.UUID(raw).hex
    except ValueError:
        return raw


def _event_page(request: web.Request, c: DemoConversation, kind: str | None) -> dict[str, Any]:
    events = [e for e in c.events if kind is None or e.get("kind") == kind]
    if request.query.get("sort_order", "TIMESTAMP") == "TIMESTAMP_DESC":
        events = events[::-1]
    return paged(request, events)


def add_routes(
    app: web.Application, routes: DemoRoutes, sockets: DemoSockets, agent_at_root: bool
) -> None:
    """Mount the app-server routes, and the agent-server routes per sandbox (or at the root)."""
    r = app.router
    if agent_at_root:
        prefixes = [""]
    else:
        prefixes = ["/runtime/{sandbox}"]
        r.add_get("/api/v1/app-conversations/search", routes.app_search)
        r.add_get("/api/v1/app-conversations/count", routes.app_count)
        r.add_get("/api/v1/app-conversations", routes.app_batch)
        r.add_get("/api/v1/conversation/{cid}/events/search", routes.app_events)
        r.add_post("/api/v1/sandboxes/{sandbox}/{action:pause|resume}", routes.app_sandbox_action)
    for p in prefixes:
        r.add_get(p + "/api/conversations/search", routes.agent_search)
        r.add_get(p + "/api/conversations/count", routes.agent_count)
        r.add_get(p + "/api/conversations", routes.agent_batch)
        r.add_get(p + "/api/conversations/{cid}", routes.agent_get)
        r.add_get(p + "/api/conversations/{cid}/events/search", routes.agent_events)
        r.add_post(p + "/api/conversations/{cid}/{action:pause|run|interrupt}", routes.agent_action)
        respond = "/api/conversations/{cid}/events/respond_to_confirmation"
        r.add_post(p + respond, routes.agent_respond)
        r.add_post(p + "/api/conversations/{cid}/events", routes.agent_message)
        r.add_post(p + "/api/conversations/{cid}/confirmation_policy", routes.agent_policy)
        r.add_get(p + "/server_info", routes.agent_server_info)
        r.add_get(p + "/sockets/session/{cid}", sockets.session)
        r.add_get(p + "/sockets/events/{cid}", sockets.events)
    for path in ("/alive", "/health"):
        r.add_get(path, routes.health)
    if not agent_at_root:
        r.add_get("/server_info", routes.agent_server_info)


def _when(request: web.Request, name: str) -> datetime | None:
    """A datetime query parameter (ISO 8601; naive is UTC); a malformed one is a 422."""
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"detail": f"{name}: not a datetime"}), content_type="application/json"
        ) from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _within(c: DemoConversation, name: str, when: datetime | None) -> bool:
    if when is None:
        return True
    field, op = name.split("__")
    stamp = c.created_at if field == "created_at" else c.updated_at
    return stamp >= when if op == "gte" else stamp < when
