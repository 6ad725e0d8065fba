"""Status vocabularies. All sets are open: unknown values are kept and shown as they came."""

from __future__ import annotations

from typing import Final

# The seed's coarse conversation status (V0 `ConversationStatus`).
STARTING: Final = "STARTING"
RUNNING: Final = "RUNNING"
STOPPED: Final = "STOPPED"
ARCHIVED: Final = "ARCHIVED"
ERROR: Final = "ERROR"
SEED_STATUSES: Final = (STARTING, RUNNING, STOPPED, ARCHIVED, ERROR)

# V1 `SandboxStatus`.
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
# SDK before v1.1.0 called the state-update key `agent_status`.
EXECUTION_STATUS_KEYS: Final = ("execution_status", "agent_status")

# Agent-server `runtime_info.runtime_status`.
RUNTIME_TO_SEED: Final = {"starting": STARTING, "error": ERROR, "missing": STOPPED}
