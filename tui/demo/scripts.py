"""Scripted, seeded lifecycles for demo conversations."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

TASK_TITLES = [
    "Reproduce the failure",
    "Read the failing test",
    "Find the race in the fixture",
    "Patch the retry logic",
    "Update the changelog",
    "Run the full test suite",
    "Bump the dependency",
    "Write a regression test",
    "Open a pull request",
    "Check the CI logs",
    "Refactor the config loader",
    "Document the new flag",
]
TITLES = [
    "Fix flaky login test",
    "Upgrade to Python 3.12",
    "Add rate limiting to the API",
    "Investigate memory leak in worker",
    "Migrate CI to GitHub Actions",
    "Speed up the import path",
    "Add dark mode to settings page",
    "Resolve issue #4821: crash on empty input",
    "Write docs for the plugin API",
    "Triage failing nightly build",
    "Port the CLI to Typer",
    "Remove deprecated endpoints",
    "Add retries to the S3 uploader",
    "Fix timezone bug in reports",
    "Bump dependencies and fix breakages",
    "Make the parser streaming",
]
REPOS = ["acme/widgets", "acme/api", "acme/web", "octo/cli", "octo/infra", None]
ERRORS = [
    (
        "LLMServiceUnavailableError",
        "litellm.InternalServerError: upstream model service returned 503",
        {"kind": "transient", "retryable": True, "user_action": "retry"},
    ),
    (
        "LLMAuthenticationError",
        "litellm.AuthenticationError: invalid API key for provider",
        {"kind": "auth", "retryable": False, "user_action": "settings"},
    ),
    (
        "BudgetExceededError",
        "accumulated cost 10.02 exceeds max_budget_per_task 10.00",
        {"kind": "quota", "retryable": False, "user_action": "settings"},
    ),
    (
        "LLMContextWindowExceedError",
        "prompt is 212,004 tokens; the model's window is 200,000",
        {"kind": "internal", "retryable": False, "user_action": "none"},
    ),
]
SCENARIOS = [
    ("finish", 12),
    ("error", 6),
    ("stuck", 3),
    ("waiting", 3),
    ("paused", 3),
    ("long", 6),
    ("deleted", 3),
    ("archived", 3),
    ("slow_start", 3),
    ("sandbox_error", 2),
]


@dataclass(frozen=True, slots=True)
class Step:
    """At `at` seconds after creation the conversation takes these values (None: unchanged)."""

    at: float
    sandbox: str | None = None
    execution: str | None = None
    clear_execution: bool = False
    tasks: tuple[tuple[str, str], ...] | None = None
    error: tuple[str, str, dict[str, Any]] | None = None
    tokens: int = 0
    pause_event: bool = False
    delete: bool = False


@dataclass(slots=True)
class Script:
    """A scenario's steps, in time order."""

    scenario: str
    steps: list[Step] = field(default_factory=list)


def _plan(rng: random.Random) -> list[str]:
    return rng.sample(TASK_TITLES, rng.randint(3, 5))


def _tasks(titles: list[str], done: int, working: bool = True) -> tuple[tuple[str, str], ...]:
    out = []
    for i, title in enumerate(titles):
        status = "done" if i < done else ("in_progress" if i == done and working else "todo")
        out.append((title, status))
    return tuple(out)


def build_script(scenario: str, rng: random.Random) -> Script:
    """The steps of one scenario, with seeded timings."""
    s = Script(scenario)
    add = s.steps.append
    if scenario == "archived":
        add(Step(0, sandbox="MISSING", clear_execution=True))
        return s
    boot = rng.uniform(4, 12) if scenario != "slow_start" else rng.uniform(50, 90)
    add(Step(0, sandbox="STARTING", clear_execution=True))
    if scenario == "sandbox_error":
        add(Step(boot + 15, sandbox="ERROR"))
        return s
    add(Step(boot, sandbox="RUNNING", clear_execution=True))  # agent server not answering yet
    t = boot + rng.uniform(2, 6)
    add(Step(t, execution="idle"))
    t += rng.uniform(1, 3)
    titles = _plan(rng)
    add(Step(t, execution="running", tokens=rng.randint(3000, 6000)))
    t += rng.uniform(1, 3)
    add(Step(t, tasks=_tasks(titles, 0), tokens=rng.randint(500, 1500)))
    per_task = rng.uniform(25, 60) if scenario == "long" else rng.uniform(6, 15)
    stop_at = {
        "error": rng.randint(1, len(titles) - 1),
        "stuck": rng.randint(1, len(titles) - 1),
        "waiting": rng.randint(1, len(titles) - 1),
        "paused": rng.randint(1, len(titles) - 1),
    }.get(scenario, len(titles))
    for done in range(1, stop_at + 1):
        t += per_task * rng.uniform(0.7, 1.3)
        add(Step(t, tasks=_tasks(titles, done), tokens=rng.randint(2000, 9000)))
    t += rng.uniform(2, 5)
    if scenario == "error":
        add(Step(t, execution="error", error=rng.choice(ERRORS)))
    elif scenario == "stuck":
        add(Step(t, execution="stuck", tokens=rng.randint(9000, 20000)))
    elif scenario == "waiting":
        add(Step(t, execution="waiting_for_confirmation"))
    elif scenario == "paused":
        add(Step(t, execution="paused", pause_event=True))
    else:
        add(Step(t, execution="finished", tokens=rng.randint(500, 2000)))
    if scenario in ("finish", "long"):
        add(Step(t + rng.uniform(60, 180), sandbox="PAUSED", clear_execution=True))
    if scenario == "deleted":
        add(Step(t + rng.uniform(20, 60), delete=True))
    return s


def pick_scenario(rng: random.Random) -> str:
    """A weighted random scenario."""
    names, weights = zip(*SCENARIOS, strict=True)
    return str(rng.choices(names, weights=weights, k=1)[0])
