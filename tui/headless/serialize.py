"""Conversation views as plain data for `status --json` and `watch --jsonl` (keys masked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tui.store.view import ConversationView


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def view_to_dict(v: ConversationView) -> dict[str, Any]:
    """Everything a script needs about one conversation; never the session key."""
    err = v.last_error
    return {
        "id": v.id,
        "server": v.server,
        "kind": v.kind,
        "title": v.title,
        "status": v.status,
        "execution_status": v.execution_status,
        "sandbox_status": v.sandbox_status,
        "runtime_status": v.runtime_status,
        "repository": v.repository,
        "branch": v.branch,
        "created_at": _iso(v.created_at),
        "updated_at": _iso(v.updated_at),
        # null when ohtop did not read its task plan (unknown is never zero)
        "tasks_done": v.tasks_done if v.tasks is not None else None,
        "tasks_total": v.tasks_total if v.tasks is not None else None,
        "cost": v.cost,
        "tokens": v.tokens,
        "gone": v.gone,
        "conversation_url": v.conversation_url,
        "session_api_key": "***" if v.session_api_key else None,
        "last_error": (
            {
                "code": err.code,
                "detail": err.detail,
                "timestamp": err.timestamp,
                "kind": err.kind,
                "retryable": err.retryable,
                "user_action": err.user_action,
            }
            if err
            else None
        ),
    }
