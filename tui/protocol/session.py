"""Envelopes of the session websocket `/sockets/session/{id}` (docs/protocol.md "Live events")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import StrictInt, TypeAdapter, ValidationError
from pydantic_core import from_json

from tui.protocol.base import PayloadError, WireModel
from tui.protocol.events import Event, KnownEvent, parse_event


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


class _Wire(WireModel):
    """Every envelope field at once, for validation straight from the frame's text."""

    type: str = ""
    seq: StrictInt | None = None
    from_seq: StrictInt | None = None
    through_seq: StrictInt | None = None
    code: str = ""
    detail: str = ""
    event: KnownEvent | None = None


_WIRE = TypeAdapter(_Wire)


def decode_envelope(text: str | bytes) -> Envelope:
    """Decode one frame's JSON text. Raises ValueError (not JSON) or PayloadError (unusable).

    The common frames are validated straight from the text; the rest (unknown event kinds,
    odd shapes) take the lenient dict path, so both give the same answer.
    """
    try:
        wire = _WIRE.validate_json(text)
    except ValidationError:
        return parse_envelope(from_json(text))
    if wire.type == "sync":
        return SyncFrame(wire.from_seq, wire.through_seq)
    if wire.type == "error":
        return ErrorFrame(wire.code, wire.detail)
    if wire.type == "transient" and wire.event is not None:
        return TransientFrame(wire.event)
    if wire.type == "durable" and wire.event is not None and wire.seq is not None:
        return DurableFrame(wire.seq, wire.event)
    if wire.type not in ("durable", "transient"):
        return OtherFrame(wire.type)
    return parse_envelope(from_json(text))
