"""The files rendered from deploy/mixin are what the jsonnet says (run
`python scripts/mixin.py` after editing a .libsonnet file), and hold what the docs promise:
every alert has a severity, summary, description and a runbook section that exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mixin", ROOT / "scripts" / "mixin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rendered_files_are_current() -> None:
    for path, text in _script().files().items():
        assert path.exists(), f"{path} missing: run python scripts/mixin.py"
        assert path.read_text(encoding="utf-8") == text, f"{path}: run python scripts/mixin.py"


def test_every_alert_has_the_conventional_labels_and_a_runbook_section() -> None:
    rendered = ROOT / "deploy" / "mixin" / "rendered" / "ohtop-alerts.yaml"
    groups = yaml.safe_load(rendered.read_text())["groups"]
    alerts = [rule for group in groups for rule in group["rules"]]
    runbook = (ROOT / "docs" / "runbook.md").read_text()
    anchors = {h.lower() for h in re.findall(r"^## (\w+)$", runbook, re.M)}
    assert len(alerts) >= 10
    for rule in alerts:
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert anchor in anchors, f"docs/runbook.md has no section for {rule['alert']}"
