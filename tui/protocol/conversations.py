"""Conversation payloads of the three server kinds (docs/protocol.md "Listing and polling")."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tui.protocol.base import (
    AnyDict,
    AnyList,
    ConversationId,
    LenientDatetime,
    OpenStr,
    WireModel,
)
from tui.protocol.metrics import MetricsSnapshot, Usage, usage_from_stats


class AppConversation(WireModel):
    """V1 app server `AppConversation` (`/api/v1/app-conversations`)."""

    id: ConversationId
    title: OpenStr = None
    sandbox_id: OpenStr = None
    sandbox_status: OpenStr = "MISSING"
    execution_status: OpenStr = None
    selected_repository: OpenStr = None
    selected_branch: OpenStr = None
    git_provider: OpenStr = None
    trigger: OpenStr = None
    llm_model: OpenStr = None
    metrics: MetricsSnapshot | None = None
    parent_conversation_id: OpenStr = None
    created_at: LenientDatetime = None
    updated_at: LenientDatetime = None
    conversation_url: OpenStr = None
    session_api_key: OpenStr = None


class V0Conversation(WireModel):
    """V0 app server `ConversationInfo` (`/api/conversations`, openhands-ai <= 1.6)."""

    conversation_id: ConversationId
    title: OpenStr = None
    status: OpenStr = "STOPPED"
    runtime_status: OpenStr = None
    selected_repository: OpenStr = None
    selected_branch: OpenStr = None
    git_provider: OpenStr = None
    trigger: OpenStr = None
    url: OpenStr = None
    session_api_key: OpenStr = None
    conversation_version: OpenStr = None
    last_updated_at: LenientDatetime = None
    created_at: LenientDatetime = None


class RuntimeInfo(WireModel):
    """Agent-server `runtime_info`: whether the runtime behind a conversation is there."""

    runtime_status: OpenStr = None
    can_resume: bool | None = None
    runtime_error: OpenStr = None


class AgentConversation(WireModel):
    """Agent server `ConversationInfo` (`/api/conversations/{id}` inside a sandbox)."""

    id: ConversationId
    title: OpenStr = None
    execution_status: OpenStr = None
    metrics: MetricsSnapshot | None = None
    stats: AnyDict = Field(default_factory=dict)
    tags: AnyDict = Field(default_factory=dict)
    runtime_info: RuntimeInfo | None = None
    created_at: LenientDatetime = None
    updated_at: LenientDatetime = None

    @property
    def usage(self) -> Usage | None:
        """Cost and tokens from `stats` (summed over usage ids), else from `metrics`."""
        from_stats = usage_from_stats(self.stats)
        if from_stats is not None:
            return from_stats
        if self.metrics is not None:
            return Usage.total([self.metrics])
        return None


class Page(WireModel):
    """A page envelope: items stay raw so one bad item cannot sink the page."""

    items: AnyList = Field(default_factory=list)
    next_page_id: OpenStr = None

    @classmethod
    def from_v0(cls, raw: Any) -> Page:
        """V0 pages use `results` where V1 uses `items`."""
        if isinstance(raw, dict) and "results" in raw and "items" not in raw:
            return cls(items=raw.get("results"), next_page_id=raw.get("next_page_id"))
        return cls.model_validate(raw)
