"""Status vocabularies, declared once. All sets are open: unknown values are kept and shown.

Where each value comes from is written down in docs/protocol.md.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ServerKind(StrEnum):
    """What answers at a server URL (decided by probing, see `client.detect`)."""

    V1 = "v1"  # OpenHands app server, /api/v1 (openhands-ai >= 1.0)
    V0 = "v0"  # OpenHands app server, legacy /api/conversations (openhands-ai <= 1.6)
    AGENT = "agent"  # an agent server (inside a sandbox, or run alone)

    @property
    def label(self) -> str:
        """How people call it."""
        return _KIND_LABELS[self]


_KIND_LABELS: Final = {
    ServerKind.V1: "app server V1",
    ServerKind.V0: "app server V0",
    ServerKind.AGENT: "agent server",
}

# The coarse conversation status (V0 `ConversationStatus`), which ohtop shows for every kind.
STARTING: Final = "STARTING"
RUNNING: Final = "RUNNING"
STOPPED: Final = "STOPPED"
ARCHIVED: Final = "ARCHIVED"
ERROR: Final = "ERROR"
SEED_STATUSES: Final = (STARTING, RUNNING, STOPPED, ARCHIVED, ERROR)

# V1 `SandboxStatus`, and the coarse status each one means.
SANDBOX_STATUSES: Final = ("STARTING", "RUNNING", "PAUSED", "ERROR", "MISSING")
SANDBOX_TO_SEED: Final = {
    "RUNNING": RUNNING,
    "STARTING": STARTING,
    "PAUSED": STOPPED,
    "ERROR": ERROR,
    "MISSING": ARCHIVED,
}

# SDK `ConversationExecutionStatus`.
EXECUTION_STATUSES: Final = (
    "idle",
    "running",
    "paused",
    "waiting_for_confirmation",
    "finished",
    "error",
    "stuck",
    "deleting",
)
EXECUTION_ERRORS: Final = frozenset({"error", "stuck"})
EXECUTION_TERMINAL: Final = frozenset({"finished", "error", "stuck"})
# Execution statuses of a conversation whose agent is (or may soon be) doing something: worth
# a live stream. None: the agent server has not answered yet.
EXECUTION_ACTIVE: Final = frozenset({None, "idle", "running", "paused", "waiting_for_confirmation"})
# A sandbox that is RUNNING while its conversation sits in one of these is an idle sandbox,
# not a busy agent: the list says so instead of "RUNNING".
EXECUTION_AT_REST: Final = frozenset({"finished", "paused", "idle"})
# SDK before v1.1.0 called the state-update key `agent_status`.
EXECUTION_STATUS_KEYS: Final = ("execution_status", "agent_status")

# SDK error classification kinds (`openhands/sdk/event/error_classification.py`).
ERROR_KINDS: Final = (
    "auth",
    "quota",
    "rate_limit",
    "config",
    "transient",
    "agent_action",
    "internal",
    "unknown",
)

# Agent-server `runtime_info.runtime_status`, where it outranks the execution status.
RUNTIME_TO_SEED: Final = {"starting": STARTING, "error": ERROR, "missing": STOPPED}

# V0 `RuntimeStatus` (i18n keys): how they read to people.
V0_RUNTIME_STOPPED: Final = "STATUS$STOPPED"
V0_RUNTIME_READY: Final = "STATUS$READY"
# V0 agent states (`AgentState`) after which the agent does nothing more on its own.
V0_AGENT_SETTLED: Final = frozenset({"finished", "error", "stopped", "rejected"})


def runtime_label(runtime_status: str | None) -> str | None:
    """A V0 runtime status as words: `STATUS$ERROR_LLM_OUT_OF_CREDITS` -> `error llm out of
    credits`; other values as they came."""
    if runtime_status is None:
        return None
    _, sep, rest = runtime_status.partition("$")
    if not sep or not rest:
        return runtime_status
    return rest.replace("_", " ").lower()
