"""Write docs/architecture.md from the code itself: the layers from the import contract in
pyproject.toml, each package's and module's job from its own docstring, and the two walks a
newcomer needs, whose every step names a function that must exist. `make test` checks that the
file is what this script writes (tests/unit/test_architecture_doc.py): it cannot go stale.

    python scripts/architecture.py          # rewrite docs/architecture.md
"""

from __future__ import annotations

import ast
import importlib
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"

# The walks: (what happens, the function that does it). Each function is looked up when the
# document is written: renaming one without updating its walk fails the check.
EVENT_TO_ROW = [
    (
        "a frame arrives on the conversation's websocket and is decoded",
        "tui.client.stream.decode_frame",
    ),
    (
        "its stream worker takes it, moves the resume cursor and hands it on",
        "tui.sync.stream_worker.StreamWorker._handle",
    ),
    (
        "the sink applies it: a state update, a task list or an error",
        "tui.sync.ingest.EventSink.ingest",
    ),
    (
        "the status store commits the new view and emits the changed key",
        "tui.store.status_store.StatusStore.apply_state",
    ),
    (
        "the app coalesces changes (at most ~20 repaints a second)",
        "tui.ui.app.OhtopApp._apply_changes",
    ),
    (
        "the dashboard refreshes what changed",
        "tui.ui.screens.dashboard.DashboardScreen.refresh_all",
    ),
    (
        "the list moves the row into place by bisection and repaints it",
        "tui.ui.widgets.conversation_table.ConversationTable.apply_changes",
    ),
    (
        "the row is painted from its view, stale or live",
        "tui.ui.widgets.conversation_table.ConversationTable.render_line",
    ),
]
CONFIG_TO_REQUEST = [
    ("the command line is parsed", "tui.settings.arguments.build_parser"),
    (
        "settings are resolved: command line > environment > config file > defaults",
        "tui.settings.resolve.resolve",
    ),
    ("a server's keys come from its variable or key file", "tui.settings.config.resolve_servers"),
    ("the face builds its Fleet from the settings", "tui.session.run.build_fleet"),
    ("the Fleet starts one monitor per server, supervised", "tui.fleet.fleet.Fleet._start_monitor"),
    ("the monitor detects the server's kind", "tui.client.detect.detect"),
    (
        "its poll interval, by status, decides when a conversation is due",
        "tui.sync.polling.PollIntervals.next_delay",
    ),
    ("due conversations go out in batches", "tui.sync.monitor.ServerMonitor._poll"),
    (
        "the request waits its turn in the server's budget and has a total deadline",
        "tui.client.rest.RestClient._send",
    ),
]


def _doc(path: Path) -> str:
    """The first paragraph of a module's docstring, on one line."""
    tree = ast.parse(path.read_text())
    text = ast.get_docstring(tree) or ""
    return " ".join(text.split("\n\n")[0].split())


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            return list(contract["layers"])
    raise SystemExit("no layers contract in pyproject.toml")


def _step(what: str, where: str) -> str:
    module, _, name = _split(where)
    target: object = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)  # fails when the walk names what is gone
    path = module.replace(".", "/") + ".py"
    return f"1. {what}: `{name}` in [{path}](../{path})"


def _split(where: str) -> tuple[str, str, str]:
    """(module, '', attribute path) of a dotted name, the module being the longest importable
    prefix."""
    parts = where.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        return module, "", ".".join(parts[cut:])
    raise SystemExit(f"{where}: no such module")


def render() -> str:
    """The document."""
    sys.path.insert(0, str(ROOT))
    out = [
        "# Architecture",
        "",
        "Written by `python scripts/architecture.py` from the code (the import contract, the",
        "docstrings, the functions the walks name); `make test` fails when it is out of date.",
        "",
        "## Layers",
        "",
        "Each layer imports only the layers below it; the parts of one layer do not import each",
        "other (import-linter checks both in `make test`). Only `tui.ui` imports Textual or Rich.",
        "",
        "```",
    ]
    layers = _layers()
    for i, layer in enumerate(layers):
        out.append(layer.replace(" | ", "   "))
        if i < len(layers) - 1:
            out.append("  ↓")
    out += ["```", "", "## Packages", ""]
    package = ROOT / "tui"
    for layer in layers:
        for name in (p.strip() for p in layer.split("|")):
            folder = package / name.removeprefix("tui.").replace(".", "/")
            if folder.is_dir():
                out.append(f"### `{name}`: {_doc(folder / '__init__.py')}")
                out.append("")
                for module in sorted(folder.rglob("*.py")):
                    if module.name == "__init__.py" and module.parent == folder:
                        continue
                    rel = module.relative_to(ROOT)
                    out.append(f"- [{rel}](../{rel}): {_doc(module)}")
                out.append("")
            else:
                rel = (package / f"{name.removeprefix('tui.')}.py").relative_to(ROOT)
                out += [f"### `{name}`: {_doc(ROOT / rel)}", ""]
    out += ["## Walk: a websocket event to a table row", ""]
    out += [_step(what, where) for what, where in EVENT_TO_ROW]
    out += ["", "## Walk: a config value to a request", ""]
    out += [_step(what, where) for what, where in CONFIG_TO_REQUEST]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    DOC.write_text(render())
    print(f"wrote {DOC.relative_to(ROOT)}")
