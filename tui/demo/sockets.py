"""Agent-server websockets of the demo: `/sockets/session/{id}` and `/sockets/events/{id}`.

Auth as the real server (docs/protocol.md "Live events"): the `X-Session-API-Key` header or
the legacy `session_api_key` query parameter at the handshake (a wrong key is refused with
HTTP 403), or else a first frame `{"type": "auth", ...}` within 10 s (close 4001 when wrong).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tui.demo.world import DemoConversation, DemoWorld

AUTH_TIMEOUT = 10.0
CLOSE_AUTH = 4001
CLOSE_NOT_FOUND = 4004


class DemoSockets:
    """Websocket handlers over one `DemoWorld`; live events fan out to subscriber queues."""

    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self._subscribers: dict[str, set[asyncio.Queue[tuple[int, dict[str, Any]]]]] = {}
        self.open_sockets: set[web.WebSocketResponse] = set()
        self.handshakes = 0
        world.listeners.append(self._publish)

    def _publish(self, c: DemoConversation, seq: int, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(c.hex, ())):
            queue.put_nowait((seq, event))

    async def drop_all(self, code: int = WSCloseCode.GOING_AWAY) -> int:
        """Close every open socket (a restart, or the flaky link of the demo)."""
        sockets = list(self.open_sockets)
        for ws in sockets:
            await ws.close(code=code, message=b"demo: link dropped")
        return len(sockets)

    def drop(self, conversation_hex: str, code: int = WSCloseCode.GOING_AWAY) -> None:
        """Close the sockets of one conversation (1001 as a restarting ingress, 1013 busy)."""
        for queue in list(self._subscribers.get(conversation_hex, ())):
            queue.put_nowait((-code, {}))

    # -- handlers --------------------------------------------------------------------------

    async def session(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, session=True)

    async def events(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, session=False)

    async def _serve(self, request: web.Request, session: bool) -> web.StreamResponse:
        self.handshakes += 1
        self.world.advance()
        sandbox = request.match_info.get("sandbox")
        conv = self.world.get(request.match_info["cid"])
        expected = _expected_key(self.world, sandbox, conv)
        offered = request.headers.get("X-Session-API-Key") or request.query.get("session_api_key")
        if expected is not None and offered is not None and offered != expected:
            raise web.HTTPForbidden(text="invalid session api key")
        if conv is not None and conv.sandbox == "RUNNING" and conv.execution is None:
            # Its agent server has not come up yet (the app server says no execution status):
            # nothing answers there, as nothing would in a real sandbox still booting.
            raise web.HTTPServiceUnavailable(text="agent server starting")
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=4 * 1024 * 1024)
        try:
            await ws.prepare(request)
        except ConnectionError:  # the client hung up during the handshake: nothing to serve
            return ws
        self.open_sockets.add(ws)
        try:
            if (
                expected is not None
                and offered is None
                and not await _first_frame_auth(ws, expected)
            ):
                await ws.close(code=CLOSE_AUTH, message=b"Authentication failed")
                return ws
            lost = conv is not None and conv.hex in self.world.lost_by_agent
            if conv is None or lost or (sandbox is not None and conv.sandbox_id != sandbox):
                await ws.close(code=CLOSE_NOT_FOUND, message=b"Conversation not found")
                return ws
            if session:
                await self._session_stream(ws, request, conv)
            else:
                await self._events_stream(ws, request, conv)
        finally:
            self.open_sockets.discard(ws)
        return ws

    async def _session_stream(
        self, ws: web.WebSocketResponse, request: web.Request, conv: DemoConversation
    ) -> None:
        queue = self._subscribe(conv)
        try:
            after = request.query.get("after_seq")
            through = len(conv.events) or None
            if after is not None:
                start = int(after) if after.lstrip("-").isdigit() else -1
                await ws.send_json({"type": "sync", "from_seq": start, "through_seq": through})
                for seq, event in enumerate(conv.events[max(0, start) :], start=max(0, start) + 1):
                    await ws.send_json({"type": "durable", "seq": seq, "event": event})
            await ws.send_json({"type": "transient", "event": _full_state(self.world, conv)})
            await self._pump(ws, queue, through or 0, session=True)
        finally:
            self._unsubscribe(conv, queue)

    async def _events_stream(
        self, ws: web.WebSocketResponse, request: web.Request, conv: DemoConversation
    ) -> None:
        queue = self._subscribe(conv)
        try:
            # The real handler subscribes first and replays afterwards (history may interleave).
            await ws.send_json(_full_state(self.world, conv))
            mode = request.query.get("resend_mode") or (
                "all" if request.query.get("resend_all") in ("true", "1") else None
            )
            replay: list[dict[str, Any]] = []
            if mode == "all":
                replay = list(conv.events)
            elif mode == "since" and request.query.get("after_timestamp"):
                since = _naive(request.query["after_timestamp"])
                replay = [e for e in conv.events if _naive(e["timestamp"]) >= since]
            for event in replay:
                await ws.send_json(event)
            await self._pump(ws, queue, len(conv.events), session=False)
        finally:
            self._unsubscribe(conv, queue)

    async def _pump(
        self,
        ws: web.WebSocketResponse,
        queue: asyncio.Queue[tuple[int, dict[str, Any]]],
        sent_through: int,
        session: bool,
    ) -> None:
        """Forward live events until the client leaves or the demo drops the link."""
        reader = asyncio.ensure_future(_drain(ws))
        try:
            while not ws.closed:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if reader in done:
                    getter.cancel()
                    return
                seq, event = getter.result()
                if seq < 0:  # a drop asked for by the demo
                    reason = b"Too many connections" if -seq == 1013 else b"demo: link dropped"
                    await ws.close(code=-seq, message=reason)
                    return
                if seq <= sent_through:
                    continue  # already sent in the replay
                frame = {"type": "durable", "seq": seq, "event": event} if session else event
                await ws.send_json(frame)
        except (ConnectionResetError, RuntimeError):
            return
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    def _subscribe(self, conv: DemoConversation) -> asyncio.Queue[tuple[int, dict[str, Any]]]:
        queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
        self._subscribers.setdefault(conv.hex, set()).add(queue)
        return queue

    def _unsubscribe(
        self, conv: DemoConversation, queue: asyncio.Queue[tuple[int, dict[str, Any]]]
    ) -> None:
        self._subscribers.get(conv.hex, set()).discard(queue)


def _expected_key(
    world: DemoWorld, sandbox: str | None, conv: DemoConversation | None
) -> str | None:
    """The key this socket needs: the sandbox's session key (none at the root in agent mode)."""
    if sandbox is None:
        return world.root_session_key
    # The key belongs to the sandbox; which conversation is asked for is checked after auth.
    for c in world.visible():
        if c.sandbox_id == sandbox:
            return c.session_api_key
    return "\0never"


async def _first_frame_auth(ws: web.WebSocketResponse, expected: str) -> bool:
    try:
        msg = await asyncio.wait_for(ws.receive(), AUTH_TIMEOUT)
    except TimeoutError:
        return False
    if msg.type != WSMsgType.TEXT:
        return False
    try:
        frame = json.loads(msg.data)
    except ValueError:
        return False
    return (
        isinstance(frame, dict)
        and frame.get("type") == "auth"
        and frame.get("session_api_key") == expected
    )


async def _drain(ws: web.WebSocketResponse) -> None:
    """Read (and ignore) what the client sends, until it closes."""
    async for _ in ws:
        pass


def _naive(stamp: str) -> datetime:
    value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return value.astimezone().replace(tzinfo=None) if value.tzinfo else value


def _full_state(world: DemoWorld, conv: DemoConversation) -> dict[str, Any]:
    now = datetime.now().isoformat()
    return {
        "kind": "ConversationStateUpdateEvent",
        "id": f"full-state-{conv.hex[:8]}-{len(conv.events)}",
        "timestamp": now,
        "source": "environment",
        "key": "full_state",
        "value": {
            "execution_status": conv.execution or "idle",
            "stats": {"usage_to_metrics": {"agent": world.metrics(conv)}},
            "title": conv.title,
        },
    }
