"""From server payloads to `ConversationView`, with the seed's coarse status mapping."""

from __future__ import annotations

from tui.protocol import status as st
from tui.protocol.conversations import AgentConversation, AppConversation, V0Conversation
from tui.protocol.metrics import Usage
from tui.state.view import ConversationView


def seed_from_execution(execution_status: str | None) -> str:
    """Coarse status of a conversation whose agent server is up (the V0 shim's rule, §1.6).

    Null means the agent server has not answered yet: starting. `error` and `stuck` are ERROR.
    `deleting` is on its way out: STOPPED. Anything else, unknown values included, is RUNNING
    (the fine status is shown next to it as it came).
    """
    if execution_status is None:
        return st.STARTING
    if execution_status in st.EXECUTION_ERRORS:
        return st.ERROR
    if execution_status == "deleting":
        return st.STOPPED
    return st.RUNNING


def seed_from_v1(sandbox_status: str | None, execution_status: str | None) -> str:
    """V1: the sandbox decides unless it is RUNNING; then the execution status does."""
    if sandbox_status == "RUNNING":
        return seed_from_execution(execution_status)
    return st.SANDBOX_TO_SEED.get(sandbox_status or "MISSING", st.STOPPED)


def v1_runtime_status(sandbox_status: str | None, execution_status: str | None) -> str | None:
    """The runtime status the V0 shim would report for a V1 conversation (§1.6)."""
    if sandbox_status != "RUNNING":
        return None
    if execution_status in ("error", "stuck") or execution_status not in st.EXECUTION_STATUSES:
        return "STATUS$ERROR"
    return "STATUS$READY"


def seed_from_agent(execution_status: str | None, runtime_status: str | None) -> str:
    """Agent server: a runtime that is starting, failed or missing outranks the execution status."""
    if runtime_status in st.RUNTIME_TO_SEED:
        return st.RUNTIME_TO_SEED[runtime_status]
    return seed_from_execution(execution_status)


def _usage(usage: Usage | None) -> tuple[float | None, int | None]:
    return (usage.cost, usage.tokens) if usage else (None, None)


def from_v1(server: str, c: AppConversation) -> ConversationView:
    """Map a V1 `AppConversation`."""
    cost, tokens = _usage(Usage.total([c.metrics]) if c.metrics else None)
    return ConversationView(
        server=server,
        id=c.id,
        kind="v1",
        title=c.title or "",
        status=seed_from_v1(c.sandbox_status, c.execution_status),
        execution_status=c.execution_status,
        sandbox_status=c.sandbox_status,
        runtime_status=v1_runtime_status(c.sandbox_status, c.execution_status),
        repository=c.selected_repository,
        branch=c.selected_branch,
        created_at=c.created_at,
        updated_at=c.updated_at,
        cost=cost,
        tokens=tokens,
        conversation_url=c.conversation_url,
        sandbox_id=c.sandbox_id,
        session_api_key=c.session_api_key,
        gone=c.sandbox_status == "MISSING",
    )


def from_v0(server: str, c: V0Conversation) -> ConversationView:
    """Map a V0 `ConversationInfo`: the status is taken as sent."""
    return ConversationView(
        server=server,
        id=c.conversation_id,
        kind="v0",
        title=c.title or "",
        status=c.status or st.STOPPED,
        runtime_status=c.runtime_status,
        repository=c.selected_repository,
        branch=c.selected_branch,
        created_at=c.created_at,
        updated_at=c.last_updated_at,
        conversation_url=c.url,
        session_api_key=c.session_api_key,
        gone=c.status == st.ARCHIVED,
    )


def from_agent(server: str, c: AgentConversation) -> ConversationView:
    """Map an agent-server `ConversationInfo`."""
    runtime = c.runtime_info.runtime_status if c.runtime_info else None
    cost, tokens = _usage(c.usage)
    return ConversationView(
        server=server,
        id=c.id,
        kind="agent",
        title=c.title or "",
        status=seed_from_agent(c.execution_status, runtime),
        execution_status=c.execution_status,
        runtime_status=runtime,
        created_at=c.created_at,
        updated_at=c.updated_at,
        cost=cost,
        tokens=tokens,
    )


def from_any(
    server: str, c: AppConversation | V0Conversation | AgentConversation
) -> ConversationView:
    """Map a conversation of any server kind."""
    if isinstance(c, AppConversation):
        return from_v1(server, c)
    if isinstance(c, V0Conversation):
        return from_v0(server, c)
    return from_agent(server, c)


def seed_for(view: ConversationView, execution_status: str | None) -> str:
    """The coarse status of a known conversation after its execution status changed."""
    if view.kind == "v1":
        return seed_from_v1(view.sandbox_status or "RUNNING", execution_status)
    if view.kind == "agent":
        return seed_from_agent(execution_status, view.runtime_status)
    return view.status
