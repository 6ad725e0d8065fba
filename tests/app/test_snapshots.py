"""SVG snapshots of the dashboard, detail and help at 80x24 and 160x45, on fixed data.

Clocks are pinned and there is no server, so the pictures are the same on every run.
Regenerate after an intended change with `pytest tests/app/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tui.protocol.events import TaskItem, parse_event
from tui.protocol.status import ServerKind
from tui.settings import Settings
from tui.store.error_store import ErrorStore
from tui.store.status_store import StatusStore
from tui.store.stores import Stores
from tui.store.view import ConversationView, ErrorInfo
from tui.store.websocket_store import LinkState
from tui.ui.app import OhtopApp

WALL = 1_800_000_000.0
MONO = 50_000.0
SIZES = [(80, 24), (160, 45)]


def _tasks(*statuses: str) -> tuple[TaskItem, ...]:
    titles = [
        "Reproduce the failure",
        "Patch the retry logic",
        "Run the full test suite",
        "Open a pull request",
    ]
    return tuple(
        TaskItem(title=t, status=s, notes="") for t, s in zip(titles, statuses, strict=False)
    )


def _view(
    i: int, status: str, execution: str | None, title: str, age: float, **kw: Any
) -> ConversationView:
    stamp = datetime.fromtimestamp(WALL - age, UTC)
    return ConversationView(
        server="demo",
        id=f"{i:02x}" * 16,
        kind=ServerKind.V1,
        status=status,
        execution_status=execution,
        title=title,
        sandbox_status="RUNNING" if status in ("RUNNING", "ERROR") else None,
        repository="acme/api" if i % 2 else "octo/cli",
        branch="main",
        created_at=datetime.fromtimestamp(WALL - age - 300, UTC),
        updated_at=stamp,
        cost=0.01 * i,
        tokens=1200 * i,
        conversation_url=f"http://127.0.0.1:8765/runtime/sb-{i:02x}/api/conversations/{i:02x}",
        status_since=WALL - age,
        since_exact=status != "STOPPED",  # one seen only at first sight: "at least"
        **kw,
    )


def fixed_stores() -> Stores:
    status = StatusStore(wall=lambda: WALL)
    stores = Stores(status=status, errors=ErrorStore(wall=lambda: WALL))
    rows = [
        _view(
            1,
            "ERROR",
            "error",
            "Add rate limiting to the API",
            95,
            tasks=_tasks("done", "in_progress", "todo"),
            last_error=ErrorInfo(
                "LLMServiceUnavailableError",
                "upstream model service returned 503",
                "",
                "transient",
                True,
                "retry",
            ),
        ),
        _view(
            2,
            "ERROR",
            "stuck",
            "Upgrade to Python 3.12",
            160,
            tasks=_tasks("done", "todo", "todo", "todo"),
        ),
        _view(3, "STARTING", None, "Port the CLI to Typer", 20),
        _view(
            4,
            "RUNNING",
            "running",
            "Fix flaky login test",
            8,
            tasks=_tasks("done", "done", "in_progress", "todo"),
        ),
        _view(
            5,
            "RUNNING",
            "waiting_for_confirmation",
            "Resolve issue #4821: crash on empty input",
            100,
        ),
        _view(
            6,
            "RUNNING",
            "finished",
            "Write docs for the plugin API",
            40,
            tasks=_tasks("done", "done", "done"),
        ),
        _view(7, "RUNNING", "paused", "Investigate memory leak in worker", 75),
        _view(8, "RUNNING", "idle", "[bold red]markup in a title stays text[/]", 5),
        _view(9, "STOPPED", None, "Bump dependencies and fix breakages", 600),
        _view(10, "ARCHIVED", None, "Migrate CI to GitHub Actions", 3600, gone=True),
    ]
    for v in rows:
        status.restore(v, "discover")
    key = rows[0].key
    events = [
        {
            "kind": "ConversationStateUpdateEvent",
            "id": "e1",
            "timestamp": "2027-01-15T08:00:01",
            "key": "execution_status",
            "value": "running",
        },
        {
            "kind": "ActionEvent",
            "id": "e2",
            "timestamp": "2027-01-15T08:00:02",
            "tool_name": "task_tracker",
            "action": {"kind": "TaskTrackerAction", "command": "plan", "task_list": [{}, {}, {}]},
        },
        {
            "kind": "ActionEvent",
            "id": "e3",
            "timestamp": "2027-01-15T08:00:05",
            "tool_name": "terminal",
            "action": {"kind": "TerminalAction", "command": "pytest -k retry"},
        },
        {
            "kind": "ConversationStateUpdateEvent",
            "id": "e4",
            "timestamp": "2027-01-15T08:00:09",
            "key": "execution_status",
            "value": "error",
        },
        {
            "kind": "ConversationErrorEvent",
            "id": "e5",
            "timestamp": "2027-01-15T08:00:09",
            "code": "LLMServiceUnavailableError",
            "detail": "upstream model service returned 503",
        },
    ]
    for e in events:
        stores.events.add(key, parse_event(e))
    stores.links.set("server demo", state=LinkState.CONNECTED, detail="app server V1 1.11.0")
    stores.links.set(
        f"stream demo/{key[1]}",
        state=LinkState.CONNECTED,
        group="demo",
        received=5,
        last_event_at=WALL - 3,
    )
    stores.links.set(
        f"stream demo/{rows[3].key[1]}",
        state=LinkState.RECONNECTING,
        group="demo",
        attempt=2,
        next_retry_at=MONO + 4,
        last_error="closed 1013: Too many connections",
        last_close_code=1013,
    )
    return stores


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.text.clock.wall", lambda: WALL)
    monkeypatch.setattr("tui.text.clock.mono", lambda: MONO)
    monkeypatch.setattr("time.localtime", lambda *_: __import__("time").gmtime(WALL))


def _app() -> OhtopApp:
    app = OhtopApp(Settings(max_streams=-1), stores=fixed_stores())
    trends = app.fleet.recorder.trends
    minute, hour = int(WALL // 60), int(WALL // 3600)
    for ago in reversed(range(60)):  # an hour of history, as a restart brings it back
        trends.add_count("ERROR", minute - ago, 2 + (ago % 7 == 0) * 3 - (ago > 40))
        trends.add_count("STARTING", minute - ago, (ago * 7) % 4)
        trends.add_count("RUNNING", minute - ago, 5 + (ago % 11) // 3)
    for ago in reversed(range(24)):
        for _ in range((ago * 5) % 6):
            trends.add_error(hour - ago)
    return app


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(snap_compare: Any, pinned: None, size: tuple[int, int]) -> None:
    assert snap_compare(_app(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail(snap_compare: Any, pinned: None, size: tuple[int, int]) -> None:
    assert snap_compare(_app(), terminal_size=size, press=["enter"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare: Any, pinned: None, size: tuple[int, int]) -> None:
    assert snap_compare(_app(), terminal_size=size, press=["question_mark"])
