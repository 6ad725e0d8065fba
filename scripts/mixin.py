"""Render deploy/mixin (jsonnet) to the files Prometheus and Grafana load, kept beside it in
deploy/mixin/rendered/; `--check` says whether they are current instead (make test runs it
through tests/unit/test_mixin.py).

    python scripts/mixin.py [--check]

jsonnet comes from PyPI (the `jsonnet` package, a dev dependency), so every machine renders
the same bytes; the YAML is written by PyYAML with the keys in the order the mixin gives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import _jsonnet  # type: ignore[import-not-found]
import yaml

ROOT = Path(__file__).resolve().parents[1]
MIXIN = ROOT / "deploy" / "mixin"
RENDERED = MIXIN / "rendered"
HEADER = "# Rendered from deploy/mixin by scripts/mixin.py: edit the .libsonnet files, not this.\n"


def evaluate() -> dict[str, object]:
    """The mixin's three parts as plain data."""
    snippet = (
        "local m = import 'mixin.libsonnet'; "
        "{alerts: m.prometheusAlerts, rules: m.prometheusRules, dashboards: m.grafanaDashboards}"
    )
    text = _jsonnet.evaluate_snippet("render", snippet, jpathdir=[str(MIXIN)])
    data: dict[str, object] = json.loads(text)
    return data


def files() -> dict[Path, str]:
    """Every rendered file and its text."""
    data = evaluate()
    out = {}
    for name in ("alerts", "rules"):
        body = yaml.safe_dump(data[name], sort_keys=False, width=100, allow_unicode=True)
        out[RENDERED / f"ohtop-{name}.yaml"] = HEADER + body
    dashboards = data["dashboards"]
    assert isinstance(dashboards, dict)
    for name, board in dashboards.items():
        out[RENDERED / "dashboards" / name] = json.dumps(board, indent=2) + "\n"
    return out


def main(args: list[str]) -> int:
    stale = []
    for path, text in files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT))
        if "--check" not in args:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if "--check" in args and stale:
        print("not current (run python scripts/mixin.py):", *stale, sep="\n  ")
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
