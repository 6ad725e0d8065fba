"""Every captured payload parses into the protocol models, with the values the server sent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import AGENT, APP, FIXTURES, captured, frames, load
from tui.client.stream import Endpoint, Incoming, decode_frame
from tui.protocol.base import validate_items
from tui.protocol.conversations import AgentConversation, AppConversation, Page
from tui.protocol.events import (
    TEXT_KEPT,
    ActionEvent,
    ConversationErrorEvent,
    ObservationEvent,
    PlainEvent,
    StateUpdateEvent,
    UnknownEvent,
    parse_event,
)
from tui.protocol.session import (
    DurableFrame,
    SyncFrame,
    TransientFrame,
    decode_envelope,
    parse_envelope,
)
from tui.protocol.status import EXECUTION_STATUSES

README = FIXTURES / "README.md"


def _json_files(root: Path) -> list[Path]:
    found = sorted(p for p in root.rglob("*") if p.suffix in (".json", ".jsonl"))
    assert len(found) >= 40, f"{root}: only {len(found)} captures"  # not a loop over nothing
    return found


def _parse_any(path: Path) -> int:
    """Parse one fixture with the model its name says; returns how many objects were read."""
    name = path.name
    if path.suffix == ".jsonl":
        n = 0
        for frame in frames(path):
            if "type" in frame:
                parse_envelope(frame)
            else:
                assert not isinstance(parse_event(frame), UnknownEvent) or frame.get("kind")
            n += 1
        return n
    data = load(path)
    if name.startswith("conversation_GET") or name == "conversation_create_POST_response.json":
        AgentConversation.model_validate(data)
    elif name == "conversations_search_GET_limit2.json":
        items, rejected = validate_items(Page.model_validate(data).items, AgentConversation)
        assert rejected == 0 and len(items) == 2
    elif name == "conversations_batch_GET_ids.json":
        _, rejected = validate_items(data, AgentConversation)
        assert rejected == 0
    elif name.startswith("event_"):
        assert parse_event(data).kind == data["kind"]
    elif name.startswith("events_search") or name == "app_events_search_GET_error.json":
        for item in data["items"]:
            parse_event(item)
        return len(data["items"])
    elif name.startswith("app_conversations_search"):
        _apps, rejected = validate_items(Page.model_validate(data).items, AppConversation)
        assert rejected == 0
    elif name == "app_conversations_by_ids_GET_error.json":
        _, rejected = validate_items(data, AppConversation)
        assert rejected == 0
    else:
        json.dumps(data)  # counts, server info, sandboxes, start tasks: plain JSON
    return 1


@pytest.mark.parametrize("path", _json_files(FIXTURES), ids=lambda p: p.name)
def test_every_vendored_fixture_parses(path: Path) -> None:
    assert _parse_any(path) >= 1


def _documented_patterns() -> list[re.Pattern[str]]:
    """The file names (and name patterns) the fixtures README describes."""
    out = []
    for token in re.findall(r"`([^`]+\.jsonl?)`", README.read_text()):
        pattern = re.escape(token)
        pattern = re.sub(r"\\\*", ".*", pattern)  # event_*.json
        pattern = re.sub(r"<[^>]*>", ".+", pattern.replace("\\<", "<").replace("\\>", ">"))
        pattern = re.sub(
            r"\\\{([^}]*)\\\}",
            lambda m: "(" + "|".join(m.group(1).replace("\\", "").split(",")) + ")",
            pattern,
        )
        out.append(re.compile(pattern + "$"))
    return out


def test_every_vendored_fixture_is_described_in_the_fixtures_readme() -> None:
    """A capture nobody described cannot be trusted by the next reader: each file in
    tests/fixtures matches a name or a pattern of its README."""
    patterns = _documented_patterns()
    assert len(patterns) >= 10
    undescribed = [
        str(p.relative_to(FIXTURES))
        for p in _json_files(FIXTURES)
        if not any(pat.search(p.name) for pat in patterns)
    ]
    assert undescribed == []


@pytest.mark.parametrize(
    "path", captured(AGENT, "conversation_GET_*.json", 10), ids=lambda p: p.name
)
def test_agent_conversation_status_matches_file_name(path: Path) -> None:
    conv = AgentConversation.model_validate(load(path))
    # conversation_GET_<scenario>_<execution_status>; both parts may hold underscores.
    expected = max((s for s in EXECUTION_STATUSES if path.stem.endswith("_" + s)), key=len)
    assert conv.execution_status == expected
    assert len(conv.id) == 32 and "-" not in conv.id  # dashed UUID normalised
    assert conv.runtime_info is not None and conv.runtime_info.runtime_status == "available"


def test_agent_conversation_usage_sums_stats() -> None:
    conv = AgentConversation.model_validate(load(AGENT / "conversation_GET_finish_finished.json"))
    usage = conv.usage
    assert usage is not None and usage.tokens > 0


def test_app_conversation_fields() -> None:
    page = Page.model_validate(load(APP / "app_conversations_search_GET.json"))
    convs = [AppConversation.model_validate(i) for i in page.items]
    first = convs[0]
    assert first.id == "d0d1cfbe5d85445b91a69e04904f2934"
    assert first.sandbox_status == "RUNNING" and first.execution_status == "running"
    assert first.conversation_url and first.conversation_url.endswith(first.id)
    assert first.metrics is not None and first.metrics.tokens == 3830 + 123
    assert first.created_at is not None and first.created_at.tzinfo is not None


def test_app_conversations_after_restart_are_missing_with_null_execution() -> None:
    page = Page.model_validate(
        load(APP / "app_conversations_search_GET_after_restart_and_seed.json")
    )
    convs = [AppConversation.model_validate(i) for i in page.items]
    missing = [c for c in convs if c.sandbox_status == "MISSING"]
    assert missing and all(c.execution_status is None for c in missing)


def test_error_event_carries_code_detail_and_classification() -> None:
    event = parse_event(load(AGENT / "event_error_ConversationErrorEvent.json"))
    assert isinstance(event, ConversationErrorEvent)
    assert event.code == "LLMServiceUnavailableError"
    assert event.classification is not None
    assert event.classification.retryable is True and event.classification.user_action == "retry"


def test_task_tracker_observation_is_the_task_list() -> None:
    event = parse_event(load(AGENT / "event_ObservationEvent_task_tracker_done.json"))
    assert isinstance(event, ObservationEvent)
    assert event.task_list is not None
    assert [t.status for t in event.task_list] == ["done", "done", "done"]
    action = parse_event(load(AGENT / "event_ActionEvent_task_tracker.json"))
    assert isinstance(action, ActionEvent) and action.action_kind == "TaskTrackerAction"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("event_StateUpdate_execution_status_running.json", "running"),
        ("event_StateUpdate_execution_status_finished.json", "finished"),
        ("event_error_ConversationStateUpdateEvent.json", "error"),
        ("event_paused_ConversationStateUpdateEvent.json", "paused"),
        ("event_stuck_StateUpdate.json", "stuck"),
        ("event_waiting_StateUpdate.json", "waiting_for_confirmation"),
        ("event_StateUpdate_stats.json", None),
    ],
)
def test_state_updates_carry_execution_status(name: str, status: str | None) -> None:
    event = parse_event(load(AGENT / name))
    assert isinstance(event, StateUpdateEvent)
    assert event.execution_status == status


def test_websocket_capture_first_frame_is_full_state() -> None:
    for path in captured(AGENT, "ws_events_*.jsonl", 5):
        first = parse_event(frames(path)[0])
        assert isinstance(first, StateUpdateEvent) and first.key == "full_state"
        assert first.execution_status is not None


def test_session_socket_capture_envelopes() -> None:
    parsed = [parse_envelope(f) for f in frames(AGENT / "ws_session_finish_after_seq_-1.jsonl")]
    assert isinstance(parsed[0], SyncFrame) and parsed[0].through_seq == 17
    seqs = [p.seq for p in parsed if isinstance(p, DurableFrame)]
    assert seqs == list(range(1, 18))
    last = parsed[-1]
    assert isinstance(last, TransientFrame) and isinstance(last.event, StateUpdateEvent)
    assert last.event.execution_status == "finished"


def test_plain_kinds_keep_their_base_fields() -> None:
    event = parse_event(load(AGENT / "event_paused_PauseEvent.json"))
    assert type(event) is PlainEvent and event.kind == "PauseEvent" and event.timestamp


def test_stream_frames_decode_like_the_dict_path() -> None:
    """The stream's JSON reader gives the same events as `json.loads` + `parse_event`."""
    for path in captured(AGENT, "ws_events_*.jsonl", 5):
        for line in path.read_text().splitlines():
            item = decode_frame(line, Endpoint.EVENTS)
            assert isinstance(item, Incoming)
            assert item.event == parse_event(json.loads(line))
    for line in (AGENT / "ws_session_finish_after_seq_-1.jsonl").read_text().splitlines():
        assert decode_envelope(line) == parse_envelope(json.loads(line))


def test_full_state_snapshot_keeps_only_what_ohtop_reads() -> None:
    """A 50 KB snapshot (agent config, system prompt, tools) is retained as a few fields."""
    path = AGENT / "ws_events_running_live_no_resend.jsonl"
    line = max(path.read_text().splitlines(), key=len)
    event = parse_event(json.loads(line))
    assert isinstance(event, StateUpdateEvent) and event.key == "full_state"
    assert event.execution_status in EXECUTION_STATUSES and event.stats is not None
    kept = repr(event)  # every field it retains
    assert len(line) > 40_000 and len(kept) < 2_000
    assert "system_prompt" in line and "system_prompt" not in kept


def test_long_observation_text_is_cut() -> None:
    data = load(AGENT / "event_ObservationEvent_terminal.json")
    data["observation"]["content"] = [{"type": "text", "text": "x" * 100_000}]
    event = parse_event(data)
    assert isinstance(event, ObservationEvent)
    assert event.observation.text == "x" * TEXT_KEPT
