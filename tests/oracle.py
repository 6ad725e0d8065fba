"""The truth oracle's world: a demo server whose conversations a script changes, a clock the
test moves (simulated minutes pass in a step), and the truth each face must show, computed
from the world itself by rules written here again (not by ohtop's own mapping: an oracle that
asks the code under test what is true would agree with its bugs).

A `Sim` clock is real time plus an offset the script advances: ohtop's loops run in real time
(fast polling), while every time shown or kept (time in state, silence, the last hour's cost,
the grace of deleted rows) is read from the simulated wall.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tui.demo.server import DemoServer
from tui.demo.world import DemoConversation, DemoWorld

SILENT_MINUTES = 3.0
STARTING_MINUTES = 4.0
# What the oracle expects of a deleted conversation (the README's grace): shown, counted
# nowhere, gone after this long from when ohtop could first know (a step's time may pass
# before it reads the server again).
GONE_GRACE = 300.0
MAX_STEP = 240.0  # the most simulated time one step lets pass
EDGE = 10.0  # seconds either side of a time limit where both answers are right
EXECUTION_AT_REST = {"finished", "paused", "idle"}
SANDBOX_SEED = {
    "STARTING": "STARTING",
    "PAUSED": "STOPPED",
    "ERROR": "ERROR",
    "MISSING": "ARCHIVED",
}
ERROR_CODES = ("LLMServiceUnavailableError", "BudgetExceededError", "LLMAuthenticationError")


class Sim:
    """Wall and monotonic clocks: real time plus what the script advanced."""

    def __init__(self) -> None:
        self.offset = 0.0

    def wall(self) -> float:
        return time.time() + self.offset

    def mono(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Truth:
    """What the servers hold now, and what ohtop must show of it."""

    status: dict[str, str]  # conversation hex -> coarse status
    shown: dict[str, str]  # hex -> the status word of its row (IDLE, DELETED...)
    execution: dict[str, str | None]
    titles: dict[str, str]
    needs: dict[str, set[str]]  # hex -> reasons it needs a person
    failed_last_hour: int  # now in ERROR, entered it within the hour
    deleted: set[str]  # deleted within the grace: rows that read DELETED
    cost: dict[str, float]
    tasks: dict[str, int | None]  # hex -> planned tasks, as ohtop can know them
    # Conversations a few seconds from a time limit (silent, starting too long, the hour):
    # the oracle and ohtop read the clock moments apart, so either answer is right there.
    borderline: set[str] = field(default_factory=set)

    def counts(self) -> Counter[str]:
        return Counter(self.status.values())


@dataclass
class World:
    """The scripted world and what it remembers for the oracle."""

    sim: Sim
    world: DemoWorld
    server: DemoServer
    up: bool = True
    entered: dict[str, float] = field(default_factory=dict)  # hex -> when its status began
    deleted_at: dict[str, float] = field(default_factory=dict)
    counter: int = 0

    @classmethod
    async def start(cls, n: int, seed: int) -> World:
        sim = Sim()
        world = DemoWorld(
            n=n, seed=seed, clock=sim.mono, wall=sim.wall, spawn_every=1e12, max_visible=None
        )
        server = DemoServer(world)
        self = cls(sim, world, server)
        for c in list(world.conversations.values()):
            c.born = min(c.born, world.now)  # every one exists from the start
            self._settle(c, "RUNNING", "running")
        await server.start()
        return self

    # -- what the script does ----------------------------------------------------------------

    def _settle(self, c: DemoConversation, sandbox: str, execution: str | None) -> None:
        """Put a conversation in a state, scripted from now on by the test alone."""
        c.script.steps.clear()
        self.counter += 1
        c.title = f"Conversation {self.counter:03d}"
        self.set_state(c, sandbox, execution)
        self.entered[c.hex] = self.sim.wall()

    def live(self) -> list[DemoConversation]:
        return [c for c in self.world.visible()]

    def set_state(self, c: DemoConversation, sandbox: str, execution: str | None) -> None:
        """A new sandbox status and execution status, with the event an agent server sends."""
        before = (coarse(c), c.execution)
        c.sandbox = sandbox
        if execution is not None:
            self.world.push_state(c, execution)
        else:
            c.execution = None
            c.updated_at = datetime.fromtimestamp(self.sim.wall(), UTC)
        if (coarse(c), c.execution) != before:
            self.entered[c.hex] = self.sim.wall()

    def fail(self, c: DemoConversation, code: str) -> None:
        """The agent's run dies with an error event, as the SDK reports it."""
        self.set_state(c, "RUNNING", "error")
        stamp = datetime.fromtimestamp(self.sim.wall(), UTC)
        self.world.emit(
            c,
            stamp,
            {
                "kind": "ConversationErrorEvent",
                "source": "environment",
                "code": code,
                "detail": f"{code}: the oracle made it fail",
                "classification": {"kind": "transient", "retryable": True, "user_action": None},
            },
        )

    def spend(self, c: DemoConversation, tokens: int) -> None:
        c.prompt_tokens += tokens
        c.completion_tokens += tokens // 20
        stamp = datetime.fromtimestamp(self.sim.wall(), UTC)
        c.updated_at = stamp
        self.world.emit(
            c,
            stamp,
            {
                "kind": "ConversationStateUpdateEvent",
                "source": "environment",
                "key": "stats",
                "value": {"usage_to_metrics": {"agent": self.world.metrics(c)}},
            },
        )

    def create(self, sandbox: str = "RUNNING", execution: str | None = "running") -> str:
        self.world._create(self.world.now)
        c = list(self.world.conversations.values())[-1]
        c.born = self.world.now
        self._settle(c, sandbox, execution)
        return c.hex

    def delete(self, c: DemoConversation) -> None:
        c.deleted = True
        self.deleted_at[c.hex] = self.sim.wall()

    # -- the truth -----------------------------------------------------------------------

    def truth(self) -> Truth:
        now = self.sim.wall()
        status, shown, execution, titles, needs, cost, tasks = {}, {}, {}, {}, {}, {}, {}
        failed = 0
        borderline: set[str] = set()
        for c in self.world.visible():
            s = coarse(c)
            status[c.hex] = s
            execution[c.hex] = c.execution if c.sandbox == "RUNNING" else None
            idle = s == "RUNNING" and execution[c.hex] in EXECUTION_AT_REST
            shown[c.hex] = "IDLE" if idle else s
            titles[c.hex] = c.title
            cost[c.hex] = c.cost
            # ohtop reads task plans from histories: ERROR ones' at least (status --json)
            tasks[c.hex] = len(c.tasks) if c.tasks is not None and s == "ERROR" else None
            why: set[str] = set()
            if c.execution == "stuck" and c.sandbox == "RUNNING":
                why.add("stuck")
            elif s == "ERROR":
                why.add("error")
            if execution[c.hex] == "waiting_for_confirmation":
                why.add("waiting")
            spell = now - self.entered.get(c.hex, now)
            quiet = now - c.updated_at.timestamp()
            if s == "RUNNING" and execution[c.hex] == "running" and quiet > SILENT_MINUTES * 60:
                why.add("silent")
            if s == "STARTING" and spell > STARTING_MINUTES * 60:
                why.add("starting")
            if why:
                needs[c.hex] = why
            if s == "ERROR" and spell <= 3600:
                failed += 1
            limits = ((quiet, SILENT_MINUTES * 60), (spell, STARTING_MINUTES * 60), (spell, 3600))
            if any(abs(seconds - limit) < EDGE for seconds, limit in limits):
                borderline.add(c.hex)
        deleted = {h for h, at in self.deleted_at.items() if now - at < GONE_GRACE + MAX_STEP}
        return Truth(
            status, shown, execution, titles, needs, failed, deleted, cost, tasks, borderline
        )


def coarse(c: DemoConversation) -> str:
    """The coarse status a V1 app server's conversation has (docs/protocol.md, written again
    here on purpose)."""
    if c.sandbox != "RUNNING":
        return SANDBOX_SEED.get(c.sandbox, "STOPPED")
    if c.execution is None:
        return "STARTING"
    if c.execution in ("error", "stuck"):
        return "ERROR"
    if c.execution == "deleting":
        return "STOPPED"
    return "RUNNING"
