"""Envelopes of the session websocket `/sockets/session/{id}` (§3.3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.protocol.base import PayloadError
from tui.protocol.events import Event, parse_event


@dataclass(frozen=True, slots=True)
class SyncFrame:
    """Sent once before the replay: the cursor echoed and the highest stored seq."""

    from_seq: int | None
    through_seq: int | None


@dataclass(frozen=True, slots=True)
class DurableFrame:
    """A persisted event; the only frame that advances the cursor."""

    seq: int
    event: Event


@dataclass(frozen=True, slots=True)
class TransientFrame:
    """A published, unpersisted event (the on-connect `full_state` snapshot among them)."""

    event: Event


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """A socket-level problem reported by the server."""

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class OtherFrame:
    """Token-stream frames (`item_started`, `delta`, ...) and types not known yet: ignored."""

    type: str


Envelope = SyncFrame | DurableFrame | TransientFrame | ErrorFrame | OtherFrame


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_envelope(data: Any) -> Envelope:
    """Decode one session-socket frame. Raises PayloadError when it cannot be used."""
    if not isinstance(data, dict):
        raise PayloadError("a session frame must be a JSON object")
    kind = data.get("type")
    if kind == "sync":
        return SyncFrame(_int(data.get("from_seq")), _int(data.get("through_seq")))
    if kind == "durable":
        seq = _int(data.get("seq"))
        if seq is None:
            raise PayloadError("durable frame without an integer seq")
        return DurableFrame(seq, parse_event(data.get("event")))
    if kind == "transient":
        return TransientFrame(parse_event(data.get("event")))
    if kind == "error":
        return ErrorFrame(str(data.get("code", "")), str(data.get("detail", "")))
    return OtherFrame(str(kind))
