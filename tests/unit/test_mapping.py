"""The coarse status, derived by the documented mapping for each server kind (state.derive)."""

from __future__ import annotations

import pytest

from tests.helpers import APP, load
from tui.demo.v0 import shim_runtime_status
from tui.protocol.conversations import AgentConversation, AppConversation, Page, V0Conversation
from tui.protocol.status import ServerKind, runtime_label
from tui.store import derive
from tui.store.mapping import from_agent, from_v0, from_v1

HEX = "3f2a9c0e5b7d4e1fa0b1c2d3e4f50617"


@pytest.mark.parametrize(
    ("sandbox", "execution", "expected"),
    [
        ("STARTING", None, "STARTING"),
        ("RUNNING", None, "STARTING"),  # agent server not answering yet
        ("RUNNING", "idle", "RUNNING"),
        ("RUNNING", "running", "RUNNING"),
        ("RUNNING", "paused", "RUNNING"),
        ("RUNNING", "waiting_for_confirmation", "RUNNING"),
        ("RUNNING", "finished", "RUNNING"),
        ("RUNNING", "error", "ERROR"),
        ("RUNNING", "stuck", "ERROR"),
        ("RUNNING", "deleting", "STOPPED"),
        ("RUNNING", "dreaming", "RUNNING"),  # unknown: shown as it came next to RUNNING
        ("PAUSED", None, "STOPPED"),
        ("ERROR", None, "ERROR"),
        ("MISSING", None, "ARCHIVED"),
        ("HIBERNATING", None, "STOPPED"),  # unknown sandbox status: STOPPED, as the shim does
    ],
)
def test_v1_mapping(sandbox: str, execution: str | None, expected: str) -> None:
    assert derive.from_v1(sandbox, execution) == expected


@pytest.mark.parametrize(
    ("sandbox", "execution", "runtime"),
    [
        ("RUNNING", "running", "STATUS$READY"),
        ("RUNNING", "finished", "STATUS$READY"),
        ("RUNNING", "stuck", "STATUS$ERROR"),
        ("RUNNING", None, "STATUS$ERROR"),
        ("PAUSED", None, None),
    ],
)
def test_the_demo_reports_v1_runtime_status_as_the_v0_shim_does(
    sandbox: str, execution: str | None, runtime: str | None
) -> None:
    assert shim_runtime_status(sandbox, execution) == runtime


def test_v1_views_have_no_made_up_runtime_status() -> None:
    raw = {"id": HEX, "sandbox_status": "RUNNING", "execution_status": "stuck"}
    assert from_v1("s", AppConversation.model_validate(raw)).runtime_status is None


def test_runtime_status_keys_read_as_words() -> None:
    assert runtime_label("STATUS$ERROR_LLM_OUT_OF_CREDITS") == "error llm out of credits"
    assert runtime_label("CHAT_INTERFACE$AGENT_RATE_LIMITED_STOPPED_MESSAGE") == (
        "agent rate limited stopped message"
    )
    assert runtime_label("weird") == "weird" and runtime_label(None) is None


@pytest.mark.parametrize(
    ("execution", "runtime", "expected"),
    [
        ("idle", "available", "RUNNING"),
        ("finished", "available", "RUNNING"),
        ("error", "available", "ERROR"),
        ("stuck", None, "ERROR"),
        ("running", "starting", "STARTING"),
        ("running", "error", "ERROR"),
        ("idle", "missing", "STOPPED"),
        (None, None, "STARTING"),
    ],
)
def test_agent_mapping(execution: str | None, runtime: str | None, expected: str) -> None:
    assert derive.from_agent(execution, runtime) == expected


def test_v0_status_is_taken_as_sent() -> None:
    view = from_v0("s", V0Conversation.model_validate({"conversation_id": HEX, "status": "WEIRD"}))
    assert view.status == "WEIRD" and view.kind == ServerKind.V0
    archived = from_v0(
        "s", V0Conversation.model_validate({"conversation_id": HEX, "status": "ARCHIVED"})
    )
    assert archived.gone


def test_v1_view_from_capture() -> None:
    items = Page.model_validate(load(APP / "app_conversations_search_GET.json")).items
    views = [from_v1("app", AppConversation.model_validate(i)) for i in items]
    by_id = {v.id: v for v in views}
    running = by_id["d0d1cfbe5d85445b91a69e04904f2934"]
    assert (running.status, running.execution_status) == ("RUNNING", "running")
    assert running.tokens == 3830 + 123 and running.cost == 0.0
    assert running.session_api_key and "session_api_key" not in repr(running)


def test_agent_view_state_label() -> None:
    view = from_agent(
        "a", AgentConversation.model_validate({"id": HEX, "execution_status": "stuck"})
    )
    assert view.status == "ERROR" and view.state_label == "stuck"
