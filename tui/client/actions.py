"""Pause and resume conversations on the server that owns them (only with --allow-actions).

Agent server: `POST /api/conversations/{id}/pause` and `/run`. V1 app server: the sandbox's
`POST /api/v1/sandboxes/{sandbox_id}/pause` and `/resume` (shared by every conversation in
that sandbox). V0 app server: `POST /api/conversations/{id}/stop` and `/start`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.client.errors import ApiError
from tui.client.rest import RestClient
from tui.protocol.ids import dashed, segment
from tui.protocol.status import ServerKind

PAUSE, RESUME = "pause", "resume"


@dataclass(frozen=True, slots=True)
class Target:
    """What an action needs to know about one conversation."""

    conversation_id: str
    kind: ServerKind | None  # None: not known (nothing to act with)
    sandbox_id: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result for one conversation."""

    conversation_id: str
    ok: bool
    message: str
    status: int | None = None  # the HTTP status of a refusal


def _request(target: Target, action: str) -> tuple[str, object] | None:
    """(path, JSON body) of the call for this server kind, or None when it has none."""
    cid = target.conversation_id
    if target.kind == ServerKind.AGENT:
        return (
            f"api/conversations/{segment(dashed(cid))}/{'pause' if action == PAUSE else 'run'}",
            None,
        )
    if target.kind == ServerKind.V1:
        if not target.sandbox_id:
            return None
        return f"api/v1/sandboxes/{segment(target.sandbox_id)}/{action}", None
    if target.kind == ServerKind.V0:
        verb = "stop" if action == PAUSE else "start"
        return f"api/conversations/{segment(cid)}/{verb}", {
            "providers_set": None
        } if verb == "start" else None
    return None


async def perform(rest: RestClient, targets: list[Target], action: str) -> list[Outcome]:
    """Apply `action` to each target (a shared V1 sandbox is asked once); one outcome each."""
    done: dict[str, Outcome] = {}  # by request path: a shared sandbox is one call
    out = []
    for target in targets:
        request = _request(target, action)
        if request is None:
            out.append(Outcome(target.conversation_id, False, "no sandbox to act on"))
            continue
        path, body = request
        if path not in done:
            try:
                await rest.post_json(path, body)
                done[path] = Outcome(target.conversation_id, True, f"{action}d")
            except ApiError as exc:
                done[path] = Outcome(target.conversation_id, False, exc.message, exc.status)
        result = done[path]
        out.append(Outcome(target.conversation_id, result.ok, result.message, result.status))
    return out
