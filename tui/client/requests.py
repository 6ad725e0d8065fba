"""The exact request each action makes, by server kind (docs/protocol.md "Acting"):

- agent server: `POST /api/conversations/{id}/events/respond_to_confirmation`
  (`{"accept": true}` or `{"accept": false, "reason": ...}`), `.../events` (a user message,
  `run: true`), `.../interrupt`, `.../run`, `.../pause`, `.../confirmation_policy`
  (`{"policy": {"kind": ...}}`);
- V1 app server: the same on the conversation's own agent server (its `conversation_url`, with
  its `session_api_key`, sent nowhere else), and pause/resume on its sandbox;
- V0 app server: pause/resume only (`stop`/`start`); the rest does not exist there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tui.client.stream import agent_base
from tui.protocol.ids import dashed, segment
from tui.protocol.status import ServerKind

APPROVE, REJECT, MESSAGE, INTERRUPT = "approve", "reject", "message", "interrupt"
RUN, PAUSE, RESUME, POLICY = "run", "pause", "resume", "policy"
ACTIONS = (APPROVE, REJECT, MESSAGE, INTERRUPT, RUN, PAUSE, RESUME, POLICY)
POLICIES = ("AlwaysConfirm", "NeverConfirm", "ConfirmRisky")
DEFAULT_REASON = "Rejected by an operator in ohtop."
NUDGE = "continue"


class NotOffered(Exception):
    """This server kind (or this conversation's state) offers no such request; says why."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """What building a request needs of a conversation."""

    id: str
    kind: ServerKind
    conversation_url: str | None = None
    sandbox_id: str | None = None
    session_api_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """One request, exactly as it will be sent: to the configured server (with the user's
    keys) or to the conversation's own agent server (with its own key)."""

    method: str
    base: str | None  # None: the configured server; else the agent server's base URL
    path: str
    body: Any = None
    key: str | None = field(default=None, repr=False, compare=False)  # the agent server's

    def shown(self, server_url: str) -> str:
        """The request for a person: method, full URL, body; keys never (named, not shown)."""
        base = (self.base or server_url).rstrip("/")
        body = f" {json.dumps(self.body, sort_keys=True)}" if self.body is not None else ""
        whose = "the conversation's own key" if self.base else "your key for this server"
        return f"{self.method} {base}/{self.path}{body}  (with {whose})"

    def plain(self) -> dict[str, Any]:
        """As data (for a plan's token and the audit log; no keys)."""
        return {"method": self.method, "base": self.base, "path": self.path, "body": self.body}


def build(action: str, c: Conversation, text: str = "", policy: str = "") -> ActionRequest:
    """The request `action` makes for `c`; NotOffered says why there is none."""
    if action in (PAUSE, RESUME) and c.kind is ServerKind.V1:
        if not c.sandbox_id:
            raise NotOffered("no sandbox to pause or resume")
        return ActionRequest("POST", None, f"api/v1/sandboxes/{segment(c.sandbox_id)}/{action}")
    if c.kind is ServerKind.V0:
        if action in (PAUSE, RESUME):
            verb = "stop" if action == PAUSE else "start"
            body = {"providers_set": None} if verb == "start" else None
            return ActionRequest("POST", None, f"api/conversations/{segment(c.id)}/{verb}", body)
        raise NotOffered(f"a V0 app server offers no {action}: only pause and resume")
    base, key = None, None
    if c.kind is ServerKind.V1:
        base = agent_base(c.conversation_url) if c.conversation_url else None
        if base is None:
            raise NotOffered(f"its sandbox is not running: no agent server to {action} it on")
        key = c.session_api_key
    path = f"api/conversations/{segment(dashed(c.id))}"
    return ActionRequest("POST", base, *_what(action, path, text, policy), key=key)


def _what(action: str, path: str, text: str, policy: str) -> tuple[str, Any]:
    if action == APPROVE:
        return f"{path}/events/respond_to_confirmation", {"accept": True}
    if action == REJECT:
        return f"{path}/events/respond_to_confirmation", {
            "accept": False,
            "reason": text or DEFAULT_REASON,
        }
    if action == MESSAGE:
        content = [{"type": "text", "text": text or NUDGE}]
        return f"{path}/events", {"role": "user", "content": content, "run": True}
    if action == POLICY:
        if policy not in POLICIES:
            raise NotOffered(f"no such confirmation policy {policy!r}: one of {POLICIES}")
        return f"{path}/confirmation_policy", {"policy": {"kind": policy}}
    if action in (INTERRUPT, RUN, PAUSE):
        return f"{path}/{action}", None
    if action == RESUME:
        return f"{path}/run", None
    raise NotOffered(f"no such action {action!r}")
