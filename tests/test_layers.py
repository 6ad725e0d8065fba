"""Every module at the root of tui/ is covered by the import contract that says who may import
Textual: a new module must be put on one side or the other."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contract() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == "Only the UI imports Textual and Rich")


def test_every_root_module_is_on_one_side_of_the_textual_contract() -> None:
    contract = _contract()
    named = set(contract["source_modules"]) | set(contract["forbidden_modules"])
    package = ROOT / "tui"
    modules = {f"tui.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    modules |= {f"tui.{p.name}" for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert sorted(modules - named) == []
    assert not set(contract["source_modules"]) & set(contract["forbidden_modules"])
