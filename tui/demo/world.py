"""The demo world: conversations advancing through scripted lifecycles on a clock."""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.demo import confirm
from tui.demo.scripts import REPOS, TITLES, Script, Step, build_script, pick_scenario

MAX_VISIBLE = 60
_MEMBERSHIP = [0]  # bumped whenever a conversation is born or deleted (world.visible's cache)


@dataclass(slots=True)
class DemoConversation:
    """One conversation's server-side truth."""

    id: uuid.UUID
    sandbox_id: str
    session_api_key: str
    title: str
    repository: str | None
    branch: str | None
    script: Script
    born: float  # world seconds at creation
    created_at: datetime
    updated_at: datetime
    sandbox: str = "STARTING"
    execution: str | None = None
    tasks: tuple[tuple[str, str], ...] | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    deleted: bool = False
    policy: str = "NeverConfirm"  # its confirmation policy
    next_step: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # persisted, seq = index + 1

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("born", "deleted"):  # who is visible may change: the worlds look again
            _MEMBERSHIP[0] += 1
        object.__setattr__(self, name, value)

    @property
    def hex(self) -> str:
        """The app server's id form."""
        return self.id.hex

    @property
    def cost(self) -> float:
        """A plausible cost for the tokens used."""
        return round(self.prompt_tokens * 3e-6 + self.completion_tokens * 15e-6, 4)


class DemoWorld:
    """Owns every demo conversation; `advance()` applies the steps that are due."""

    def __init__(
        self,
        n: int = 50,
        seed: int = 7,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        spawn_every: float = 25.0,
        max_visible: int | None = MAX_VISIBLE,
    ) -> None:
        self.rng = random.Random(seed)
        self._clock = clock
        self._wall = wall
        self._t0 = clock()
        self.spawn_every = spawn_every
        self.max_visible = max_visible
        self.root_session_key: str | None = None  # agent mode at the root: optional key
        self.conversations: dict[str, DemoConversation] = {}
        # Listed by the app server, unknown to their agent server (its sockets close 4004).
        self.lost_by_agent: set[str] = set()
        self.listeners: list[Callable[[DemoConversation, int, dict[str, Any]], None]] = []
        self._next_spawn = spawn_every
        self.scripted = True  # False: no conversation has a script (scale worlds skip the walk)
        self._visible: tuple[tuple[int, int, float], list[DemoConversation]] | None = None
        self._sandboxes: dict[str, list[DemoConversation]] = {}
        for i in range(n):
            # Most conversations are mid-life when the demo opens; some are created later.
            born = -self.rng.uniform(0, 240) if i < n * 0.8 else self.rng.uniform(3, 90)
            self._create(born)
        self.advance()

    @property
    def now(self) -> float:
        """World seconds since start."""
        return self._clock() - self._t0

    def visible(self) -> list[DemoConversation]:
        """Conversations that exist now (created, not deleted), newest first. Kept until one
        is born or deleted, so a page of a long listing costs the same at any size (the
        caller must not change the list)."""
        now = self.now
        if self._visible is not None:
            (generation, count, next_birth), alive = self._visible
            if (generation, count) == (
                _MEMBERSHIP[0],
                len(self.conversations),
            ) and now < next_birth:
                return alive
        convs = self.conversations.values()
        alive = sorted(
            (c for c in convs if c.born <= now and not c.deleted),
            key=lambda c: c.created_at,
            reverse=True,
        )
        next_birth = min((c.born for c in convs if c.born > now), default=float("inf"))
        self._visible = ((_MEMBERSHIP[0], len(self.conversations), next_birth), alive)
        self._sandboxes = {}
        for c in alive:
            self._sandboxes.setdefault(c.sandbox_id, []).append(c)
        return alive

    def in_sandbox(self, sandbox: str) -> list[DemoConversation]:
        """The visible conversations of one sandbox (an index kept with `visible`)."""
        self.visible()
        return self._sandboxes.get(sandbox, [])

    def get(self, conversation_id: str) -> DemoConversation | None:
        """A visible conversation by hex or dashed id."""
        try:
            key = uuid.UUID(conversation_id).hex
        except ValueError:
            return None
        c = self.conversations.get(key)
        return c if c and c.born <= self.now and not c.deleted else None

    def advance(self) -> None:
        """Apply every step that is due, and create new conversations on their cadence."""
        now = self.now
        while now >= self._next_spawn:
            self._create(self._next_spawn)
            self._next_spawn += self.spawn_every * self.rng.uniform(0.5, 1.5)
        for c in list(self.conversations.values()) if self.scripted else ():
            while not c.deleted and c.next_step < len(c.script.steps):
                step = c.script.steps[c.next_step]
                if c.born + step.at > now:
                    break
                c.next_step += 1
                self._apply(c, step, c.born + step.at)
        self._trim()

    def _create(self, born: float, scripted: bool = True) -> DemoConversation:
        rng = self.rng
        cid = uuid.UUID(int=rng.getrandbits(128), version=4)
        wall_born = self._wall() + (born - self.now)
        stamp = datetime.fromtimestamp(wall_born, UTC)
        repo = rng.choice(REPOS)
        c = DemoConversation(
            id=cid,
            sandbox_id=f"sb-{cid.hex[:10]}",
            session_api_key=secrets.token_urlsafe(24),
            title=f"{rng.choice(TITLES)}",
            repository=repo,
            branch=rng.choice(["main", "develop", "fix/flaky-ci"]) if repo else None,
            script=build_script(pick_scenario(rng), rng) if scripted else Script("still", []),
            born=born,
            created_at=stamp,
            updated_at=stamp,
        )
        self.conversations[c.hex] = c
        return c

    def add_still(self, born: float) -> DemoConversation:
        """A conversation with no script: it changes only when told (scale worlds)."""
        return self._create(born, scripted=False)

    def apply_now(self, c: DemoConversation, step: Step) -> None:
        """Apply one step to a conversation now, with its events."""
        self._apply(c, step, self.now)

    def _trim(self) -> None:
        """Keep about MAX_VISIBLE: delete the oldest settled conversations beyond that."""
        if self.max_visible is None:
            return
        alive = self.visible()
        for c in reversed(alive[self.max_visible :]):
            if c.execution in ("finished", None) and c.sandbox != "STARTING":
                c.deleted = True

    def _apply(self, c: DemoConversation, step: Step, at: float) -> None:
        stamp = datetime.fromtimestamp(self._wall() + (at - self.now), UTC)
        # As on a real app server, updated_at moves with an execution status, new statistics
        # or a lifecycle post, never with a sandbox transition or a task list alone.
        if step.execution or step.tokens or step.pause_event or step.error:
            c.updated_at = stamp
        if step.delete:
            c.deleted = True
            return
        if step.sandbox:
            c.sandbox = step.sandbox
        if step.clear_execution:
            c.execution = None
        if step.tokens:
            c.prompt_tokens += step.tokens
            c.completion_tokens += step.tokens // 20
            self.emit(c, stamp, _state("stats", {"usage_to_metrics": {"agent": _metrics(c)}}))
        if step.tasks is not None:
            c.tasks = step.tasks
            self._emit_tasks(c, stamp)
        if step.pause_event:
            self.emit(c, stamp, {"kind": "PauseEvent", "source": "user"})
        if step.execution == "waiting_for_confirmation":
            confirm.ask(self, c, stamp)  # what it waits for comes first, as on a server
        if step.execution:
            c.execution = step.execution
            self.emit(c, stamp, _state("execution_status", step.execution))
        if step.error:
            code, detail, classification = step.error
            self.emit(
                c,
                stamp,
                {
                    "kind": "ConversationErrorEvent",
                    "source": "environment",
                    "code": code,
                    "detail": detail,
                    "classification": classification,
                },
            )

    def hold_running(self) -> list[DemoConversation]:
        """Every conversation visible and running, with no script left (load tests, faults)."""
        for c in self.conversations.values():
            c.born, c.deleted = -1.0, False
            c.script.steps.clear()
            c.sandbox, c.execution = "RUNNING", "running"
        return list(self.conversations.values())

    def push_state(self, c: DemoConversation, execution: str) -> None:
        """Change a conversation's execution status now, with its event (tests, faults)."""
        c.execution = execution
        stamp = datetime.fromtimestamp(self._wall(), UTC)
        c.updated_at = stamp
        self.emit(c, stamp, _state("execution_status", execution))

    def _emit_tasks(self, c: DemoConversation, stamp: datetime) -> None:
        items = [{"title": t, "notes": "", "status": s} for t, s in c.tasks or ()]
        call = f"call_{self.rng.getrandbits(48):012x}"
        action = {
            "kind": "ActionEvent",
            "source": "agent",
            "tool_name": "task_tracker",
            "tool_call_id": call,
            "action": {"kind": "TaskTrackerAction", "command": "plan", "task_list": items},
        }
        action_id = self.emit(c, stamp, action)
        text = f"Task list has been updated with {len(items)} item(s)."
        self.emit(
            c,
            stamp,
            {
                "kind": "ObservationEvent",
                "source": "environment",
                "tool_name": "task_tracker",
                "tool_call_id": call,
                "action_id": action_id,
                "observation": {
                    "kind": "TaskTrackerObservation",
                    "content": [{"type": "text", "text": text}],
                    "is_error": False,
                    "command": "plan",
                    "task_list": items,
                },
            },
        )

    def emit(
        self, c: DemoConversation, stamp: datetime, body: dict[str, Any], event_id: str = ""
    ) -> str:
        """Persist an event in the agent server's shape and tell the listeners."""
        event_id = event_id or str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        # Agent-server timestamps are naive server-local time (docs/protocol.md "Times").
        local = stamp.astimezone().replace(tzinfo=None).isoformat()
        event = {"id": event_id, "timestamp": local, **body}
        c.events.append(event)
        for listener in list(self.listeners):
            listener(c, len(c.events), event)
        return event_id

    def wall(self) -> float:
        """The world's wall clock (event times)."""
        return float(self._wall())

    def metrics(self, c: DemoConversation) -> dict[str, Any]:
        """The conversation's `MetricsSnapshot`."""
        return _metrics(c)


def state_event(value: Any, key: str = "execution_status") -> dict[str, Any]:
    """A whole state event as an agent server sends it (its own id and time): what a webhook
    batch carries, for the push tests and benchmark."""
    return {**_state(key, value), "id": str(uuid.uuid4()), "timestamp": datetime.now().isoformat()}


def _state(key: str, value: Any) -> dict[str, Any]:
    return {
        "kind": "ConversationStateUpdateEvent",
        "source": "environment",
        "key": key,
        "value": value,
    }


def _metrics(c: DemoConversation) -> dict[str, Any]:
    return {
        "model_name": "demo/model",
        "accumulated_cost": c.cost,
        "max_budget_per_task": None,
        "accumulated_token_usage": {
            "model": "demo/model",
            "prompt_tokens": c.prompt_tokens,
            "completion_tokens": c.completion_tokens,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
            "context_window": 200000,
            "per_turn_token": 0,
            "response_id": "",
        },
    }
