"""From server payloads to `ConversationView` (coarse statuses come from `state.derive`)."""

from __future__ import annotations

from tui.client.secrets import remember
from tui.protocol.conversations import AgentConversation, AppConversation, V0Conversation
from tui.protocol.ids import segment
from tui.protocol.metrics import Usage
from tui.protocol.status import ServerKind
from tui.store import derive
from tui.store.view import ConversationView, since_first_sight


def _usage(usage: Usage | None) -> tuple[float | None, int | None]:
    return (usage.cost, usage.tokens) if usage else (None, None)


def web_url(base: str | None, conversation_id: str) -> str | None:
    """`{app server}/conversations/{id}`: the page a person opens in the web UI."""
    if not base or not conversation_id:
        return None
    return f"{base.rstrip('/')}/conversations/{segment(conversation_id)}"


def api_url(base: str | None, url: str | None) -> str | None:
    """`url` made absolute against the server's `base` (a V0 server sends it relative)."""
    if not url:
        return None
    if url.startswith(("http://", "https://")):
        return url
    return f"{base.rstrip('/')}/{url.lstrip('/')}" if base else None


def from_v1(server: str, c: AppConversation, base: str | None = None) -> ConversationView:
    """Map a V1 `AppConversation` (V1 has no runtime status: the sandbox status says it)."""
    remember(c.session_api_key, every_piece=False)  # a sandbox's key: never shown either
    cost, tokens = _usage(Usage.total([c.metrics]) if c.metrics else None)
    return ConversationView(
        server=server,
        id=c.id,
        kind=ServerKind.V1,
        title=c.title or "",
        status=derive.from_v1(c.sandbox_status, c.execution_status),
        execution_status=c.execution_status,
        sandbox_status=c.sandbox_status,
        repository=c.selected_repository,
        branch=c.selected_branch,
        created_at=c.created_at,
        updated_at=c.updated_at,
        cost=cost,
        tokens=tokens,
        status_since=since_first_sight(c.updated_at),
        conversation_url=c.conversation_url,
        sandbox_id=c.sandbox_id,
        session_api_key=c.session_api_key,
        web_url=web_url(base, c.id),
        api_url=api_url(base, c.conversation_url),
        gone=c.sandbox_status == "MISSING",
    )


def from_v0(server: str, c: V0Conversation, base: str | None = None) -> ConversationView:
    """Map a V0 `ConversationInfo`: the status is taken as sent."""
    status = derive.from_v0(c.status)
    remember(c.session_api_key, every_piece=False)
    return ConversationView(
        server=server,
        id=c.conversation_id,
        kind=ServerKind.V0,
        title=c.title or "",
        status=status,
        runtime_status=c.runtime_status,
        repository=c.selected_repository,
        branch=c.selected_branch,
        created_at=c.created_at,
        updated_at=c.last_updated_at,
        status_since=since_first_sight(c.last_updated_at),
        conversation_url=c.url,
        session_api_key=c.session_api_key,
        web_url=web_url(base, c.conversation_id),
        api_url=api_url(base, c.url),
        gone=status == derive.GONE,
    )


def from_agent(server: str, c: AgentConversation, base: str | None = None) -> ConversationView:
    """Map an agent-server `ConversationInfo`."""
    runtime = c.runtime_info.runtime_status if c.runtime_info else None
    cost, tokens = _usage(c.usage)
    return ConversationView(
        server=server,
        id=c.id,
        kind=ServerKind.AGENT,
        title=c.title or "",
        status=derive.from_agent(c.execution_status, runtime),
        execution_status=c.execution_status,
        runtime_status=runtime,
        created_at=c.created_at,
        updated_at=c.updated_at,
        cost=cost,
        tokens=tokens,
        status_since=since_first_sight(c.updated_at),
        api_url=api_url(base, f"/api/conversations/{segment(c.id)}"),
    )


def from_any(
    server: str, c: AppConversation | V0Conversation | AgentConversation, base: str | None = None
) -> ConversationView:
    """Map a conversation of any server kind (`base`: the server's URL, for web links)."""
    if isinstance(c, AppConversation):
        return from_v1(server, c, base)
    if isinstance(c, V0Conversation):
        return from_v0(server, c, base)
    return from_agent(server, c, base)
