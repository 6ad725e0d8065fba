"""Event parsing: ohtop's parse -> store path vs json.loads (the floor) vs the SDK's models."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tui.client.stream import Incoming
from tui.protocol.events import parse_event
from tui.state.ingest import EventSink
from tui.state.stores import Stores
from tui.state.view import ConversationView

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "agent-server-1.58.2"
REPEAT = 400


def frames() -> list[str]:
    """Real frames from the captured streams (system prompt dropped, as in the fixtures)."""
    out: list[str] = []
    for path in sorted(FIXTURES.glob("ws_events_*.jsonl")):
        out += [line for line in path.read_text().splitlines() if line.strip()]
    return out


def _rate(fn: object, lines: list[str]) -> float:
    start = time.perf_counter()
    for _ in range(REPEAT):
        fn(lines)  # type: ignore[operator]
    return len(lines) * REPEAT / (time.perf_counter() - start)


def floor(lines: list[str]) -> None:
    for line in lines:
        json.loads(line)


def ohtop(lines: list[str]) -> None:
    stores = Stores()
    stores.status.upsert(ConversationView(server="s", id="c" * 32, kind="agent", status="RUNNING"))
    sink = EventSink(stores)
    key = ("s", "c" * 32)
    for i, line in enumerate(lines):
        event = parse_event(json.loads(line))
        sink.ingest(key, Incoming(event.model_copy(update={"id": f"{event.id}-{i}"})))


SDK = """
import json, sys, time
from openhands.sdk.event.base import Event
from pydantic import TypeAdapter
lines = [l for l in open(sys.argv[1]).read().splitlines() if l.strip()]
adapter = TypeAdapter(Event)
start = time.perf_counter()
for _ in range(int(sys.argv[2])):
    for line in lines:
        try:
            adapter.validate_json(line)
        except Exception:
            pass
print(len(lines) * int(sys.argv[2]) / (time.perf_counter() - start))
"""


def sdk_rate(lines: list[str]) -> float | None:
    """The SDK's own models, in the real-server harness's Python 3.12 venv (if it exists)."""
    venvs = sorted(
        (Path(__file__).resolve().parent.parent / ".real-server").glob("venv-*/bin/python")
    )
    if not venvs:
        return None
    data = Path("/tmp/ohtop-bench-frames.jsonl")
    data.write_text("\n".join(lines))
    done = subprocess.run(
        [str(venvs[-1]), "-c", SDK, str(data), str(REPEAT // 4)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        return float(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print("  SDK run failed:", done.stderr[-300:])
        return None


def run() -> None:
    lines = frames()
    base, ours = _rate(floor, lines), _rate(ohtop, lines)
    sdk = sdk_rate(lines)
    print(f"\n1. Event parsing ({len(lines)} real frames x {REPEAT})")
    print(f"   json.loads (floor)       {base:12,.0f} frames/s")
    print(f"   ohtop parse -> store     {ours:12,.0f} frames/s   {ours / base:5.0%} of json.loads")
    if sdk:
        ratio = ours / sdk
        print(f"   openhands-sdk models     {sdk:12,.0f} frames/s   ohtop is {ratio:4.1f}x the SDK")
    else:
        print("   openhands-sdk models     (no .real-server venv: run make test once)")
