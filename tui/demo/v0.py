"""The demo as a V0 app server (openhands-ai <= 1.6): V0 REST plus socket.io `oh_event`s.

As the real one (docs/protocol.md "V0 socket.io"): the socket path is /socket.io, the query
carries `conversation_id`, `latest_event_id` and `session_api_key`; stored events after
`latest_event_id` are replayed on connect with the newest agent state held back to the end;
connecting starts a stopped conversation (counted in `starts_caused`, which a careful client
keeps at zero).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import parse_qs

import socketio
from aiohttp import web

from tui.demo.http import error, json_response, paged
from tui.demo.world import DemoConversation, DemoWorld
from tui.protocol import status as st
from tui.store import derive

AGENT_STATES = {
    "idle": "awaiting_user_input",
    "running": "running",
    "paused": "paused",
    "waiting_for_confirmation": "awaiting_user_confirmation",
    "finished": "finished",
    "error": "error",
    "stuck": "error",
}


def shim_runtime_status(sandbox_status: str | None, execution_status: str | None) -> str | None:
    """The runtime status a V0 server reports for a V1-shaped conversation (its shim's rule:
    only a RUNNING sandbox has one; errors and unknown values read STATUS$ERROR)."""
    if sandbox_status != "RUNNING":
        return None
    if execution_status in st.EXECUTION_ERRORS or execution_status not in st.EXECUTION_STATUSES:
        return "STATUS$ERROR"
    return st.V0_RUNTIME_READY


def v0_info(c: DemoConversation) -> dict[str, Any]:
    """V0 `ConversationInfo` (standalone: relative url, no session key)."""
    return {
        "conversation_id": c.hex,
        "title": c.title,
        "last_updated_at": c.updated_at.isoformat(),
        "status": derive.from_v1(c.sandbox, c.execution if c.sandbox == "RUNNING" else None),
        "runtime_status": shim_runtime_status(c.sandbox, c.execution),
        "selected_repository": c.repository,
        "selected_branch": c.branch,
        "git_provider": "github" if c.repository else None,
        "trigger": "gui",
        "num_connections": 0,
        "url": f"/api/conversations/{c.hex}",
        "session_api_key": None,
        "created_at": c.created_at.isoformat(),
        "pr_number": [],
        "conversation_version": "V0",
    }


def v0_payload(seq: int, event: dict[str, Any]) -> dict[str, Any] | None:
    """An SDK-shaped demo event as the V0 server would have sent it (None: V0 had no such)."""
    head = {"id": seq, "timestamp": event["timestamp"], "source": "agent", "message": ""}
    kind = event.get("kind")
    if kind == "ConversationStateUpdateEvent" and event.get("key") == "execution_status":
        state = AGENT_STATES.get(event["value"], event["value"])
        return head | {
            "observation": "agent_state_changed",
            "content": "",
            "extras": {"agent_state": state, "reason": ""},
        }
    if kind == "ObservationEvent" and event.get("tool_name") == "task_tracker":
        obs = event["observation"]
        tasks = [{"id": f"t{i + 1}", **t} for i, t in enumerate(obs.get("task_list") or [])]
        return head | {
            "observation": "task_tracking",
            "content": "",
            "extras": {"command": obs.get("command"), "task_list": tasks},
        }
    if kind == "ConversationErrorEvent":
        return {
            "status_update": True,
            "type": "error",
            "id": "STATUS$ERROR_LLM_SERVICE_UNAVAILABLE",
            "message": event.get("detail", ""),
        }
    return None


class DemoV0:
    """V0 REST routes and the socket.io server, attached to the demo's aiohttp app."""

    def __init__(
        self, world: DemoWorld, app: web.Application, session_key: str | None = None
    ) -> None:
        self.world = world
        self.session_key = session_key
        self.starts_caused = 0
        self.connects = 0
        self.sio = socketio.AsyncServer(
            async_mode="aiohttp", cors_allowed_origins="*", logger=False, engineio_logger=False
        )
        self.sio.attach(app)
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sids: set[str] = set()
        self._pending: set[asyncio.Future[Any]] = set()
        world.listeners.append(self._publish)
        r = app.router
        r.add_get("/api/conversations", self.search)
        r.add_get("/api/conversations/{cid}", self.get)
        r.add_get("/api/conversations/{cid}/events", self.events)
        r.add_post("/api/conversations/{cid}/{verb:start|stop}", self.start_stop)

    def _denied(self, request: web.Request) -> web.StreamResponse | None:
        self.world.advance()
        if self.session_key and request.headers.get("X-Session-API-Key") != self.session_key:
            return error(request, 401, "Unauthorized")
        return None

    async def search(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request)) is not None:
            return denied
        page = paged(request, self.world.visible(), default_limit=20, shape=v0_info)
        return json_response(
            request, {"results": page["items"], "next_page_id": page["next_page_id"]}
        )

    async def get(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request)) is not None:
            return denied
        c = self.world.get(request.match_info["cid"])
        return json_response(request, v0_info(c) if c else None)  # V0: null for unknown ids

    async def events(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request)) is not None:
            return denied
        c = self.world.get(request.match_info["cid"])
        if c is None:
            return error(request, 404, "Not Found")
        items = [
            p
            for seq, e in enumerate(c.events, 1)
            if (p := v0_payload(seq, e)) and "observation" in p
        ]
        if request.query.get("reverse") == "true":
            items.reverse()
        limit = int(request.query.get("limit", "20"))
        return json_response(request, {"events": items[:limit], "has_more": len(items) > limit})

    async def start_stop(self, request: web.Request) -> web.StreamResponse:
        """POST /api/conversations/{id}/start and /stop (V0's resume and pause)."""
        if (denied := self._denied(request)) is not None:
            return denied
        c = self.world.get(request.match_info["cid"])
        if c is None:
            return json_response(
                request, {"status": "error", "conversation_id": request.match_info["cid"]}, 404
            )
        before = v0_info(c)["status"]
        c.sandbox = "RUNNING" if request.match_info["verb"] == "start" else "PAUSED"
        return json_response(
            request, {"status": "ok", "conversation_id": c.hex, "conversation_status": before}
        )

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self.world.advance()
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if "conversation_id" not in query:
            raise socketio.exceptions.ConnectionRefusedError("No conversation_id in query params")
        if self.session_key and query.get("session_api_key") != self.session_key:
            raise socketio.exceptions.ConnectionRefusedError("invalid_session_api_key")
        c = self.world.get(query["conversation_id"])
        if c is None:
            raise socketio.exceptions.ConnectionRefusedError("conversation not found")
        self.connects += 1
        if c.sandbox != "RUNNING":  # joining starts the agent loop of a stopped conversation
            self.starts_caused += 1
            c.sandbox = "RUNNING"
        latest = int(query.get("latest_event_id", "-1"))
        replay = [
            (seq, p)
            for seq, e in enumerate(c.events, 1)
            if seq > latest and (p := v0_payload(seq, e))
        ]
        states = [
            i for i, (_, p) in enumerate(replay) if p.get("observation") == "agent_state_changed"
        ]
        if states:  # the newest agent state goes last
            replay.append(replay.pop(states[-1]))
        await self.sio.enter_room(sid, c.hex)
        self.sids.add(sid)
        for _, payload in replay:
            await self.sio.emit("oh_event", payload, to=sid)

    async def _disconnect(self, sid: str, *_: Any) -> None:
        self.sids.discard(sid)

    async def close(self) -> None:
        """Disconnect every client now (a server shutting down)."""
        for sid in list(self.sids):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.sio.disconnect(sid), 2.0)
        self.sids.clear()

    def _publish(self, c: DemoConversation, seq: int, event: dict[str, Any]) -> None:
        payload = v0_payload(seq, event)
        if payload is None:
            return
        task = asyncio.ensure_future(self.sio.emit("oh_event", payload, room=c.hex))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
