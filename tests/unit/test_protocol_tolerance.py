"""Open enums, unknown kinds, odd fields: kept and shown, never an exception."""

from __future__ import annotations

from typing import Any

import pytest

from tui.protocol.base import PayloadError, validate, validate_items
from tui.protocol.conversations import AgentConversation, AppConversation, Page, V0Conversation
from tui.protocol.events import StateUpdateEvent, TaskItem, UnknownEvent, parse_event
from tui.protocol.ids import dashed, is_uuid, normalize_id
from tui.protocol.session import ErrorFrame, OtherFrame, parse_envelope

HEX = "3f2a9c0e5b7d4e1fa0b1c2d3e4f50617"
DASHED = "3f2a9c0e-5b7d-4e1f-a0b1-c2d3e4f50617"


def test_ids_normalise_between_hex_and_dashed() -> None:
    assert normalize_id(DASHED) == HEX
    assert normalize_id(HEX.upper()) == HEX
    assert dashed(HEX) == DASHED
    assert is_uuid(DASHED) and not is_uuid("not-a-uuid")
    assert normalize_id("  legacy-id ") == "legacy-id"


def test_unknown_status_values_are_kept() -> None:
    conv = AppConversation.model_validate(
        {"id": HEX, "sandbox_status": "HIBERNATING", "execution_status": "dreaming"}
    )
    assert conv.sandbox_status == "HIBERNATING" and conv.execution_status == "dreaming"
    v0 = V0Conversation.model_validate({"conversation_id": HEX, "status": "SLEEPING"})
    assert v0.status == "SLEEPING"


def test_missing_fields_take_defaults_and_extra_fields_are_ignored() -> None:
    conv = AppConversation.model_validate({"id": HEX, "brand_new_field": {"x": 1}})
    assert conv.sandbox_status == "MISSING" and conv.title is None and conv.metrics is None


def test_unreadable_datetimes_become_none() -> None:
    conv = AgentConversation.model_validate({"id": DASHED, "created_at": "yesterday-ish"})
    assert conv.created_at is None


def test_v0_page_uses_results() -> None:
    page = Page.from_v0({"results": [{"conversation_id": HEX}], "next_page_id": "abc"})
    assert len(page.items) == 1 and page.next_page_id == "abc"


def test_bad_items_are_counted_not_fatal() -> None:
    raw: list[Any] = [{"id": HEX}, None, {"title": "no id"}, "junk"]
    items, rejected = validate_items(raw, AppConversation)
    assert rejected == 2
    assert items[0] is not None and items[1] is None


def test_validate_items_rejects_non_lists() -> None:
    with pytest.raises(PayloadError):
        validate_items({"items": []}, AppConversation)


def test_unknown_event_kind_is_kept_raw() -> None:
    event = parse_event({"kind": "QuantumEvent", "id": "e1", "timestamp": "t", "spin": 1})
    assert isinstance(event, UnknownEvent)
    assert event.kind == "QuantumEvent" and event.raw["spin"] == 1


def test_known_kind_of_wrong_shape_is_kept_raw() -> None:
    event = parse_event({"kind": "ConversationErrorEvent", "id": "e2", "classification": 7})
    assert isinstance(event, UnknownEvent) and event.raw["classification"] == 7


def test_non_object_event_is_a_payload_error() -> None:
    with pytest.raises(PayloadError):
        parse_event(["not", "an", "event"])


def test_legacy_agent_status_key_is_read() -> None:
    event = parse_event(
        {"kind": "ConversationStateUpdateEvent", "key": "agent_status", "value": "running"}
    )
    assert isinstance(event, StateUpdateEvent) and event.execution_status == "running"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("pending", "todo"),
        ("to_do", "todo"),
        ("completed", "done"),
        ("complete", "done"),
        ("in_progress", "in_progress"),
        ("blocked", "blocked"),
    ],
)
def test_task_status_aliases(raw: str, expected: str) -> None:
    assert validate(TaskItem, {"title": "t", "status": raw}).status == expected


def test_session_envelopes_unknown_types_are_ignored() -> None:
    assert isinstance(parse_envelope({"type": "delta", "content": "x"}), OtherFrame)
    assert isinstance(parse_envelope({"type": "error", "code": "c", "detail": "d"}), ErrorFrame)
    with pytest.raises(PayloadError):
        parse_envelope({"type": "durable", "seq": "seven", "event": {}})
