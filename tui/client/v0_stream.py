"""V0 live events over socket.io (`/socket.io`, event `oh_event`), resuming by event id.

Same shape as `EventStream` (connect, items, close) so one worker drives both. Connecting
starts a stopped V0 conversation, so the manager connects only to RUNNING ones
(docs/protocol.md "V0 socket.io").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from tui.client.stream import (
    HANDSHAKE_TIMEOUT,
    CloseKind,
    Endpoint,
    Incoming,
    StreamError,
    StreamItem,
    StreamTarget,
)
from tui.protocol.base import PayloadError
from tui.protocol.v0_events import parse_v0_event, v0_event_id

if TYPE_CHECKING:  # imported on first use: most sessions never meet a V0 server (~25 MB)
    import aiohttp
    import socketio

QUEUE_LIMIT = 1000
CLOSE_TIMEOUT = 2.0


class V0EventStream:
    """A socket.io client for one V0 conversation."""

    def __init__(
        self,
        target: StreamTarget,
        endpoint: Endpoint = Endpoint.EVENTS,
        *,
        after_seq: int | None = None,
        after_timestamp: str | None = None,
        on_reject: Callable[[str], None] | None = None,
    ) -> None:
        self.target = target
        self.latest_event_id = after_seq if after_seq is not None else -1
        self._on_reject = on_reject or (lambda _reason: None)
        self._queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_LIMIT)
        self._http: aiohttp.ClientSession | None = None
        self._client: socketio.AsyncClient | None = None

    def url(self) -> str:
        """The server URL with the V0 query (the key goes here: V0 reads it from the query)."""
        query = {
            "conversation_id": self.target.conversation_id,
            "latest_event_id": str(self.latest_event_id),
        }
        if self.target.session_api_key:
            query["session_api_key"] = self.target.session_api_key
        parts = urlsplit(self.target.base_url)
        return f"{parts.scheme}://{parts.netloc}?{urlencode(query)}"

    def _path(self) -> str:
        prefix = urlsplit(self.target.base_url).path.rstrip("/")
        return f"{prefix}/socket.io".lstrip("/")

    async def connect(self) -> None:
        """Connect over the websocket transport; a refusal is an auth failure."""
        import aiohttp
        import socketio

        self._http = aiohttp.ClientSession()
        self._client = socketio.AsyncClient(
            reconnection=False,  # the worker owns reconnects (backoff, cursor)
            logger=False,
            engineio_logger=False,
            http_session=self._http,
            handle_sigint=False,
        )
        self._client.on("oh_event", self._received)
        self._client.on("disconnect", self._disconnected)
        try:
            await self._client.connect(
                self.url(),
                transports=["websocket"],
                socketio_path=self._path(),
                wait_timeout=int(HANDSHAKE_TIMEOUT),
            )
        except socketio.exceptions.ConnectionError as exc:
            await self.close()
            text = str(exc) or "connection refused"
            kind = (
                CloseKind.AUTH if "api_key" in text or "auth" in text.lower() else CloseKind.DROPPED
            )
            raise StreamError(kind, f"socket.io: {text}"[:160]) from exc

    async def close(self) -> None:
        """Disconnect and release the HTTP session; never waits long for a dying server."""
        client, http = self._client, self._http
        self._client = self._http = None
        try:
            if client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.disconnect(), CLOSE_TIMEOUT)
        finally:
            if http is not None:
                await http.close()

    async def _received(self, data: Any) -> None:
        if self._queue.full():
            return  # the reader is far behind; the cursor resumes after a reconnect
        await self._queue.put(data)

    async def _disconnected(self, *_args: Any) -> None:
        await self._queue.put(None)

    async def items(self) -> AsyncIterator[StreamItem]:
        """Events until the server disconnects (then StreamError)."""
        while True:
            data = await self._queue.get()
            if data is None:
                raise StreamError(CloseKind.DROPPED, "socket.io disconnected")
            try:
                event = parse_v0_event(data)
            except PayloadError as exc:
                self._on_reject(str(exc))
                continue
            yield Incoming(event, seq=v0_event_id(data))
