"""A websocket event stream from an agent server for one conversation (docs/protocol.md, "Live
events").

`EventStream.connect()` does the handshake (and first-frame auth); iterating yields parsed
frames until the link closes, which raises `StreamError` saying why. No Textual here.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
    SecurityError,
)

from tui.client import secrets, tls
from tui.protocol.base import PayloadError
from tui.protocol.events import Event, StateUpdateEvent, decode_event
from tui.protocol.ids import dashed, segment
from tui.protocol.session import (
    DurableFrame,
    ErrorFrame,
    OtherFrame,
    SyncFrame,
    TransientFrame,
    decode_envelope,
)

HANDSHAKE_TIMEOUT = 10.0
MAX_FRAME = 8 * 1024 * 1024  # the server sends frames of at most 4 MiB
# Keepalive: an unanswered ping closes a half-open link (1011) and the worker reconnects.
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0


class Endpoint(StrEnum):
    """`/sockets/session` (cursor by seq, preferred) or the legacy `/sockets/events`."""

    SESSION = "session"
    EVENTS = "events"


class AuthStyle(StrEnum):
    """How the session key travels: first frame, handshake header, or query (old servers);
    docs/protocol.md "Live events"."""

    FIRST_FRAME = "first_frame"
    HEADER = "header"
    QUERY = "query"


CLOSE_NOT_FOUND = 4004  # the agent server's close: no such conversation here


class CloseKind(StrEnum):
    """Why a stream ended, which decides what the reconnect worker does."""

    AUTH = "auth"  # 4001 or a refused handshake (403/401): not retried until the key changes
    NOT_FOUND = "not_found"  # 4004: the conversation is not on this server
    UNSUPPORTED = "unsupported"  # handshake 404: no such endpoint (old server)
    TRY_LATER = "try_later"  # 1013 or 503: back off longer
    REFUSED = "refused"  # ohtop refused to go on (a redirect to another origin)
    DROPPED = "dropped"  # anything else: reconnect with backoff


class StreamError(Exception):
    """The stream ended or could not start."""

    def __init__(self, kind: CloseKind, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class StreamTarget:
    """Where and how to connect; the key is never shown or logged."""

    base_url: str  # the agent server, path prefix included (no trailing slash)
    conversation_id: str
    session_api_key: str | None = field(default=None, repr=False)
    auth: AuthStyle = AuthStyle.HEADER
    socketio: bool = False  # a V0 app server: socket.io at <base>/socket.io


@dataclass(frozen=True, slots=True)
class Incoming:
    """One event received; `seq` only on durable session frames."""

    event: Event
    seq: int | None = None
    persisted: bool = True
    replay: bool = False  # history sent before the stream went live (session socket)


StreamItem = Incoming | SyncFrame | ErrorFrame


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) or ws(s) URL, the unit keys are bound to; None for
    anything malformed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def same_origin(a: str, b: str) -> bool:
    """True when both URLs are of one origin (scheme, host and port)."""
    first = origin(a)
    return first is not None and first == origin(b)


@lru_cache(maxsize=4096)  # asked again for every streamed conversation on each reconcile
def agent_base(conversation_url: str) -> str | None:
    """The agent server base of a `conversation_url`, keeping any path prefix (docs/protocol.md
    "Agent server URL"); None for anything that is not a usable http(s) URL (a broken IPv6
    literal, a port out of range, no host)."""
    try:
        parts = urlsplit(conversation_url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    path = parts.path
    cut = path.find("/api/conversations")
    prefix = path[:cut] if cut >= 0 else path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, prefix.rstrip("/"), "", ""))


def ws_url(base_url: str, path: str, query: dict[str, str]) -> str:
    """`http`->`ws`, `https`->`wss`, with the base's path prefix kept."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    full = parts.path.rstrip("/") + path
    return urlunsplit((scheme, parts.netloc, full, urlencode(query), ""))


def auth_style_for(version: str | None) -> AuthStyle:
    """First-frame auth from v1.18.1; the header from v1.12.0; the query parameter before."""
    if version is None:
        return AuthStyle.HEADER
    try:
        numbers = tuple(int(p) for p in version.split("+")[0].split("-")[0].split(".")[:3])
    except ValueError:
        return AuthStyle.HEADER
    if numbers >= (1, 18, 1):
        return AuthStyle.FIRST_FRAME
    if numbers >= (1, 12, 0):
        return AuthStyle.HEADER
    return AuthStyle.QUERY


class SameOriginConnect(connect):
    """`websockets.connect`, following same-origin redirects only. The library strips only
    Authorization, Cookie and Proxy-Authorization on a cross-origin redirect; the session key
    travels as X-Session-API-Key or in the first frame, so any other origin is refused."""

    def process_redirect(self, exc: Exception) -> Exception | str:
        if isinstance(exc, InvalidStatus) and "Location" in exc.response.headers:
            try:
                target = urlsplit(urljoin(self.uri, exc.response.headers["Location"]))
                here = urlsplit(self.uri)
                same = (target.scheme, target.hostname, target.port) == (
                    here.scheme,
                    here.hostname,
                    here.port,
                )
            except ValueError:
                same = False
            if not same:
                return SecurityError("redirected to another origin; not following with the key")
        return super().process_redirect(exc)


class EventStream:
    """One websocket for one conversation."""

    def __init__(
        self,
        target: StreamTarget,
        endpoint: Endpoint,
        *,
        after_seq: int | None = None,
        after_timestamp: str | None = None,
        on_reject: Callable[[str], None] | None = None,
    ) -> None:
        self.target = target
        self.endpoint = endpoint
        self.after_seq = after_seq
        self.after_timestamp = after_timestamp
        self._on_reject = on_reject or (lambda _reason: None)
        self._ws: ClientConnection | None = None

    def url(self) -> str:
        """The websocket URL (the key appears in it only for servers older than v1.12)."""
        t = self.target
        query: dict[str, str] = {}
        if self.endpoint is Endpoint.SESSION:
            if self.after_seq is not None:
                query["after_seq"] = str(self.after_seq)
        elif self.after_timestamp:
            query = {"resend_mode": "since", "after_timestamp": self.after_timestamp}
        else:
            query = {"resend_mode": "all"}
        if t.auth is AuthStyle.QUERY and t.session_api_key:
            query["session_api_key"] = t.session_api_key
        path = f"/sockets/{self.endpoint.value}/{segment(dashed(t.conversation_id))}"
        return ws_url(t.base_url, path, query)

    async def connect(self) -> None:
        """Handshake within HANDSHAKE_TIMEOUT; raises StreamError when refused or unreachable."""
        t = self.target
        headers: dict[str, str] = {}
        if t.auth is AuthStyle.HEADER and t.session_api_key:
            headers["X-Session-API-Key"] = t.session_api_key
        url = self.url()
        try:
            self._ws = await SameOriginConnect(
                url,
                ssl=tls.context() if url.startswith("wss:") else None,
                additional_headers=headers,
                open_timeout=HANDSHAKE_TIMEOUT,
                max_size=MAX_FRAME,
                max_queue=64,
                ping_interval=PING_INTERVAL,
                ping_timeout=PING_TIMEOUT,
                close_timeout=2,
            )
        except InvalidStatus as exc:
            raise _refused(exc.response.status_code) from exc
        except SecurityError as exc:
            raise StreamError(CloseKind.REFUSED, secrets.redact(str(exc))[:160]) from exc
        except TimeoutError as exc:
            raise StreamError(CloseKind.DROPPED, "handshake timed out") from exc
        except (InvalidURI, InvalidHandshake) as exc:
            raise StreamError(CloseKind.DROPPED, f"handshake failed: {exc}") from exc
        except OSError as exc:
            text = "connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc)
            raise StreamError(CloseKind.DROPPED, text or type(exc).__name__) from exc
        if t.auth is AuthStyle.FIRST_FRAME and t.session_api_key:
            frame = {"type": "auth", "session_api_key": t.session_api_key}
            try:
                await self._ws.send(json.dumps(frame))
            except ConnectionClosed as exc:
                raise _closed(exc) from exc

    async def close(self) -> None:
        """Close the link (normal closure)."""
        if self._ws is not None:
            await self._ws.close()

    async def items(self) -> AsyncIterator[StreamItem]:
        """Parsed frames until the link closes (then StreamError)."""
        assert self._ws is not None, "connect() first"
        try:
            async for raw in self._ws:
                item = self._parse(raw)
                if item is not None:
                    yield item
        except ConnectionClosed as exc:
            raise _closed(exc) from exc
        raise _closed_normally(self._ws)

    def _parse(self, raw: str | bytes) -> StreamItem | None:
        try:
            return decode_frame(raw, self.endpoint)
        except (ValueError, PayloadError) as exc:
            self._on_reject(f"unreadable frame: {exc}")
            return None


def decode_frame(raw: str | bytes, endpoint: Endpoint) -> StreamItem | None:
    """One websocket frame as a stream item (None for frames ohtop ignores).

    Raises ValueError for text that is not JSON and PayloadError for JSON of the wrong shape.
    """
    if endpoint is Endpoint.EVENTS:
        event = decode_event(raw)
        synthetic = event.kind == "StreamingDeltaEvent" or (
            isinstance(event, StateUpdateEvent) and event.key == "full_state"
        )
        return Incoming(event, persisted=not synthetic)
    frame = decode_envelope(raw)
    if isinstance(frame, DurableFrame):
        return Incoming(frame.event, seq=frame.seq)
    if isinstance(frame, TransientFrame):
        return Incoming(frame.event, persisted=False)
    if isinstance(frame, OtherFrame):
        return None  # token streams and frame types not known yet
    return frame


def _refused(status: int) -> StreamError:
    if status in (401, 403):
        return StreamError(CloseKind.AUTH, f"handshake refused (HTTP {status}): bad session key")
    if status == 404:
        return StreamError(CloseKind.UNSUPPORTED, "no such websocket endpoint (HTTP 404)")
    if status in (429, 503):
        return StreamError(CloseKind.TRY_LATER, f"server busy (HTTP {status})")
    return StreamError(CloseKind.DROPPED, f"handshake refused (HTTP {status})")


def _closed(exc: ConnectionClosed) -> StreamError:
    # The server's close frame; else ours (e.g. 1009 when ohtop refused an oversized frame).
    frame = exc.rcvd or exc.sent
    if frame is None:
        return StreamError(CloseKind.DROPPED, "connection lost (no close frame)", 1006)
    code, reason = frame.code, frame.reason[:120]
    text = f"closed {code}" + (f": {reason}" if reason else "")
    if code == 4001:
        return StreamError(CloseKind.AUTH, text, code)
    if code == CLOSE_NOT_FOUND:
        return StreamError(CloseKind.NOT_FOUND, text, code)
    if code == 1013:
        return StreamError(CloseKind.TRY_LATER, text, code)
    return StreamError(CloseKind.DROPPED, text, code)


def _closed_normally(ws: ClientConnection) -> StreamError:
    code = ws.close_code if ws.close_code is not None else 1000
    reason = ws.close_reason or ""
    return StreamError(
        CloseKind.DROPPED, f"closed {code}" + (f": {reason}" if reason else ""), code
    )
