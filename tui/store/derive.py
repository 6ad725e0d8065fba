"""The one place a conversation's coarse status is derived (the V0 shim's rules, see
docs/protocol.md "Coarse status"). Mapping, live events and polling all call these."""

from __future__ import annotations

from tui.protocol import status as st
from tui.protocol.status import ServerKind


def from_execution(execution_status: str | None) -> str:
    """Coarse status of a conversation whose agent server is up.

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


def from_v1(sandbox_status: str | None, execution_status: str | None) -> str:
    """V1: the sandbox decides unless it is RUNNING; then the execution status does."""
    if sandbox_status == "RUNNING":
        return from_execution(execution_status)
    return st.SANDBOX_TO_SEED.get(sandbox_status or "MISSING", st.STOPPED)


def from_agent(execution_status: str | None, runtime_status: str | None) -> str:
    """Agent server: a runtime that is starting, failed or missing outranks the execution."""
    if runtime_status in st.RUNTIME_TO_SEED:
        return st.RUNTIME_TO_SEED[runtime_status]
    return from_execution(execution_status)


def from_v0(status: str | None) -> str:
    """V0 sends the coarse status itself."""
    return status or st.STOPPED


def after_execution(
    kind: ServerKind,
    current: str,
    execution_status: str | None,
    sandbox_status: str | None,
    runtime_status: str | None,
) -> str:
    """The coarse status of a known conversation once a live event changed its execution."""
    if kind == ServerKind.V1:
        return from_v1(sandbox_status or "RUNNING", execution_status)
    if kind == ServerKind.AGENT:
        return from_agent(execution_status, runtime_status)
    if execution_status in st.EXECUTION_ERRORS:
        return st.ERROR
    return current  # V0's coarse status comes from REST only


GONE = st.ARCHIVED  # deleted, or missing on the server: not coming back
