"""Event parsing: ohtop's parse -> store path vs json.loads (the floor) vs the SDK's models.

The three run side by side in one process of the real-server harness's Python 3.12 venv (which
has `openhands-sdk` and the tool packages whose action/observation classes the frames name);
ohtop's own venv measures the floor and ohtop again. Run as a script it is that side-by-side run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "agent-server-1.58.2"
REPEAT = 4 if os.environ.get("OHTOP_BENCH_SMOKE") == "1" else 400  # bench.size, without bench

if str(ROOT) not in sys.path:  # run as a script by another venv's Python
    sys.path.insert(0, str(ROOT))

from tui.client.stream import Endpoint, Incoming, decode_frame  # noqa: E402
from tui.protocol.status import ServerKind  # noqa: E402
from tui.store.stores import Stores  # noqa: E402
from tui.store.view import ConversationView  # noqa: E402
from tui.sync.ingest import EventSink  # noqa: E402

Runner = Callable[[list[str]], object]


def frames() -> list[str]:
    """Real frames from the captured streams (both socket endpoints)."""
    out: list[str] = []
    for path in sorted(FIXTURES.glob("ws_events_*.jsonl")):
        out += [line for line in path.read_text().splitlines() if line.strip()]
    return out


def rate(fn: Runner, lines: list[str], repeat: int = REPEAT) -> float:
    """Frames a second through `fn`, best of three rounds (the machine is shared)."""
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            fn(lines)
        best = max(best, len(lines) * repeat / (time.perf_counter() - start))
    return best


def floor(lines: list[str]) -> None:
    """`json.loads` of every frame: the least any parser has to do."""
    for line in lines:
        json.loads(line)


def ohtop(lines: list[str]) -> None:
    """What a live stream does with each frame: decode it, then apply it to the stores."""
    stores = Stores()
    stores.status.upsert(
        ConversationView(server="s", id="c" * 32, kind=ServerKind.AGENT, status="RUNNING")
    )
    sink = EventSink(stores)
    key = ("s", "c" * 32)
    for line in lines:
        item = decode_frame(line, Endpoint.EVENTS)
        assert isinstance(item, Incoming)
        sink.ingest(key, item)


def sdk(lines: list[str]) -> tuple[Runner, int]:
    """The SDK's discriminated `Event` union, as its own clients validate frames."""
    import openhands.tools.file_editor
    import openhands.tools.task_tracker
    import openhands.tools.terminal  # noqa: F401       observations name)
    from openhands.sdk.event.base import Event
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(Event)
    failures = 0
    for line in lines:
        try:
            adapter.validate_json(line)
        except ValidationError:
            failures += 1

    def run(batch: list[str]) -> None:
        for line in batch:
            adapter.validate_json(line)

    return run, failures


def side_by_side() -> dict[str, float]:
    """All three in this interpreter (the real-server venv)."""
    lines = frames()
    run_sdk, failures = sdk(lines)
    if failures:
        raise SystemExit(f"{failures} frames fail the SDK's models: the comparison is unfair")
    return {
        "floor": rate(floor, lines),
        "ohtop": rate(ohtop, lines),
        "sdk": rate(run_sdk, lines, REPEAT // 4),
    }


def sdk_venv() -> Path | None:
    """The harness's venv with `openhands-agent-server` (made by `make test`), if any."""
    found = sorted((ROOT / ".real-server").glob("venv-*/bin/python"))
    return found[-1] if found else None


def run() -> None:
    lines = frames()
    size = sum(map(len, lines)) / len(lines)
    print(f"\n1. Event parsing ({len(lines)} real frames, {size:,.0f} bytes on average)")
    base, ours = rate(floor, lines), rate(ohtop, lines)
    version = sys.version.split()[0]
    print(f"   Python {version} (ohtop's venv)")
    print(f"     json.loads (floor)       {base:10,.0f} frames/s")
    print(
        f"     ohtop decode -> store    {ours:10,.0f} frames/s"
        f"   {ours / base:5.0%} of json.loads (target >= 100%)"
    )
    python = sdk_venv()
    if os.environ.get("OHTOP_BENCH_SMOKE") == "1":
        print("   openhands-sdk: not in the smoke run (it takes its own 20 s to start)")
        return
    if python is None:
        print("   openhands-sdk: no .real-server venv yet (make test creates it)")
        return
    env = {**os.environ, "OPENHANDS_SUPPRESS_BANNER": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run(
        [str(python), __file__], capture_output=True, text=True, timeout=900, env=env
    )
    try:
        got = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print("   openhands-sdk run failed:", (done.stderr or done.stdout)[-400:])
        return
    print(f"   {python.parent.parent.name}: the three side by side in one process")
    print(f"     json.loads (floor)       {got['floor']:10,.0f} frames/s")
    print(
        f"     ohtop decode -> store    {got['ohtop']:10,.0f} frames/s"
        f"   {got['ohtop'] / got['floor']:5.0%} of json.loads (target >= 100%)"
    )
    print(
        f"     openhands-sdk Event      {got['sdk']:10,.0f} frames/s"
        f"   ohtop is {got['ohtop'] / got['sdk']:4.1f}x the SDK"
    )


if __name__ == "__main__":
    print(json.dumps(side_by_side()))
