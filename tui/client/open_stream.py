"""Pick the stream implementation for a target: agent-server websocket or V0 socket.io."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Protocol

from tui.client.stream import Endpoint, EventStream, StreamItem, StreamTarget
from tui.client.v0_stream import V0EventStream


class LiveStream(Protocol):
    """What a stream worker needs of a stream, whatever carries it."""

    async def connect(self) -> None:
        """Handshake (and auth); raises StreamError when refused or unreachable."""
        ...

    def items(self) -> AsyncIterator[StreamItem]:
        """Parsed frames until the link closes (then StreamError)."""
        ...

    async def close(self) -> None:
        """Close the link."""
        ...


def open_stream(
    target: StreamTarget,
    endpoint: Endpoint,
    *,
    after_seq: int | None = None,
    after_timestamp: str | None = None,
    on_reject: Callable[[str], None] | None = None,
) -> EventStream | V0EventStream:
    """A not-yet-connected stream for `target`."""
    if target.socketio:
        return V0EventStream(target, endpoint, after_seq=after_seq, on_reject=on_reject)
    return EventStream(
        target, endpoint, after_seq=after_seq, after_timestamp=after_timestamp, on_reject=on_reject
    )
