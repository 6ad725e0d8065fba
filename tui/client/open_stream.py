"""Pick the stream implementation for a target: agent-server websocket or V0 socket.io."""

from __future__ import annotations

from collections.abc import Callable

from tui.client.stream import Endpoint, EventStream, StreamTarget
from tui.client.v0_stream import V0EventStream


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
