"""Demo conversations rendered in the real servers' JSON shapes (as in shared/fixtures)."""

from __future__ import annotations

from typing import Any

from tui.demo.world import DemoConversation, DemoWorld

AGENT_VERSION = "1.58.2"


def _iso(c_time: Any) -> str:
    return str(c_time.isoformat().replace("+00:00", "Z"))


def app_conversation(world: DemoWorld, c: DemoConversation, base_url: str) -> dict[str, Any]:
    """V1 `AppConversation` (ids as 32-hex; URL and key only while the sandbox runs)."""
    running = c.sandbox == "RUNNING"
    return {
        "id": c.hex,
        "created_by_user_id": None,
        "sandbox_id": c.sandbox_id,
        "selected_repository": c.repository,
        "selected_branch": c.branch,
        "git_provider": "github" if c.repository else None,
        "title": c.title,
        "trigger": "gui",
        "pr_number": [],
        "llm_model": "demo/model",
        "agent_kind": "openhands",
        "metrics": world.metrics(c),
        "parent_conversation_id": None,
        "sub_conversation_ids": [],
        "public": None,
        "tags": {"scenario": c.script.scenario},
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "sandbox_status": c.sandbox,
        "execution_status": c.execution if running else None,
        "conversation_url": (
            f"{base_url}/runtime/{c.sandbox_id}/api/conversations/{c.hex}" if running else None
        ),
        "session_api_key": c.session_api_key if running else None,
        "acp_server": None,
        "launched_agent_profile": None,
    }


def agent_conversation(world: DemoWorld, c: DemoConversation) -> dict[str, Any]:
    """Agent-server `ConversationInfo` (dashed id, `stats`, `runtime_info`)."""
    return {
        "id": str(c.id),
        "title": c.title,
        "execution_status": c.execution or "idle",
        "max_iterations": 50,
        "stuck_detection": True,
        "confirmation_policy": {"kind": c.policy},
        "stats": {"usage_to_metrics": {"agent": world.metrics(c)}},
        "metrics": None,
        "tags": {"scenario": c.script.scenario},
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "parent_conversation_id": None,
        "sub_conversation_ids": [],
        "runtime_info": {"runtime_status": "available", "can_resume": True, "runtime_error": None},
    }


def server_info(uptime: float) -> dict[str, Any]:
    """`/server_info` of an agent server."""
    return {
        "uptime": round(uptime, 1),
        "idle_time": 0.0,
        "title": "OpenHands Agent Server (ohtop demo)",
        "version": AGENT_VERSION,
        "sdk_version": AGENT_VERSION,
        "capabilities": [],
    }
